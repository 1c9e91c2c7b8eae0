import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A model behind HTTP: the routes of `Route`, the limits of `ServerSettings`, micro-batching,
/// hot reload (`POST /v1/admin/reload`, SIGHUP) and Prometheus metrics.
///
///     let model = try LoadedModel.load(from: "runs/beauty")
///     let server = RecommendationServer(model: model, settings: ServerSettings())
///     try await server.run()   // until SIGTERM or SIGINT; requests in flight finish first
public struct RecommendationServer: Sendable {
    public let settings: ServerSettings
    let slot: ModelSlot
    let metrics: ServerMetrics
    let reloader: ModelReloader
    let batcher: MicroBatcher?
    let logger: Logger

    public init(model: LoadedModel, settings: ServerSettings, logger: Logger = Logger(label: "compactrec.serve")) {
        self.settings = settings
        self.logger = logger
        slot = ModelSlot(model)
        metrics = ServerMetrics()
        reloader = ModelReloader(slot: slot, threadsPerCall: model.recommender.threadsPerCall, metrics: metrics, logger: logger)
        batcher = settings.microBatching
            ? MicroBatcher(maxBatchSize: settings.maxBatchSize, window: settings.batchWindow, workers: settings.batchWorkers,
                           metrics: metrics)
            : nil
    }

    /// The model answering now.
    public var currentModel: LoadedModel { slot.current }

    /// The Hummingbird application: the server and the services it needs (batch workers, the
    /// SIGHUP reloader). `onListening` gets the port bound (the one asked for, or a free one for 0).
    public func makeApplication(onListening: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol
    {
        let responder = ServerResponder(settings: settings, slot: slot, reloader: reloader, batcher: batcher,
                                        metrics: metrics, logger: logger)
        var services: [any Service] = []
        if let batcher { services.append(batcher) }
        if settings.reloadOnHangup { services.append(HangupReloadService(reloader: reloader)) }
        return Application(
            responder: responder,
            server: .http1(configuration: .init(idleTimeout: .init(settings.idleTimeout))),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "compactrec"),
            services: services,
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// Serves until SIGTERM or SIGINT, then stops accepting connections, lets the requests in
    /// flight finish, and returns.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let group = ServiceGroup(configuration: .init(
            services: [makeApplication(onListening: onListening)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
