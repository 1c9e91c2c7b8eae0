import Metrics
import Prometheus

/// The server's metrics, kept in a registry of its own (so several servers in one process never
/// share counts) and written out as Prometheus text by `GET /metrics`:
/// - `compactrec_http_requests_total{route, status}`: answered requests;
/// - `compactrec_http_request_duration_seconds{route}`: a latency histogram;
/// - `compactrec_http_requests_in_flight`: requests being answered now;
/// - `compactrec_model_reloads_total{outcome}`: reloads, `swapped` or `refused`;
/// - `compactrec_batch_size`: how many requests each micro-batch scored together.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let inFlight: Metrics.Meter
    private let batchSizes: Metrics.Recorder

    static let durationLabel = "compactrec_http_request_duration_seconds"
    static let batchSizeLabel = "compactrec_batch_size"

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [
            Self.durationLabel: [50, 100, 200, 300, 500, 1_000, 2_000, 5_000, 10_000, 50_000, 250_000, 1_000_000]
                .map { Duration.microseconds($0) },
        ]
        factory.valueHistogramBuckets = [Self.batchSizeLabel: [1, 2, 4, 8, 16, 32, 64, 128, 256]]
        self.factory = factory
        inFlight = Metrics.Meter(label: "compactrec_http_requests_in_flight", factory: factory)
        batchSizes = Metrics.Recorder(label: Self.batchSizeLabel, dimensions: [], aggregate: true, factory: factory)
        inFlight.set(0)
        for outcome in ["swapped", "refused"] {
            Metrics.Counter(label: "compactrec_model_reloads_total", dimensions: [("outcome", outcome)], factory: factory).increment(by: 0)
        }
    }

    func requestStarted() { inFlight.increment() }

    func requestFinished(route: String, status: Int, nanoseconds: Int64) {
        inFlight.decrement()
        Metrics.Counter(label: "compactrec_http_requests_total", dimensions: [("route", route), ("status", String(status))], factory: factory)
            .increment()
        Metrics.Timer(label: Self.durationLabel, dimensions: [("route", route)], factory: factory).recordNanoseconds(nanoseconds)
    }

    func reloaded(outcome: String) {
        Metrics.Counter(label: "compactrec_model_reloads_total", dimensions: [("outcome", outcome)], factory: factory).increment()
    }

    func scoredBatch(size: Int) { batchSizes.record(size) }

    /// The Prometheus text exposition of every metric.
    func exposition() -> [UInt8] { registry.emitToBuffer() }
}
