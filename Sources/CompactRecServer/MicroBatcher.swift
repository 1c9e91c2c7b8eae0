import CompactRecRuntime
import Foundation
import ServiceLifecycle

/// Scores concurrent `POST /v1/recommend` requests together: one forward pass (one matrix
/// product per layer) for up to `maxBatchSize` histories instead of one per history.
///
/// A request is announced when it arrives (before its body is read) and submitted once it is
/// parsed. A batch closes as soon as it holds `maxBatchSize` requests, or every announced
/// request is in it (no one else is coming: a lone request never waits), or `window` has passed
/// since its first request arrived. Worker threads score batches, each one at a time; requests
/// of one batch that hold different models (a reload in between) are scored per model.
final class MicroBatcher: Service, @unchecked Sendable {
    private struct Pending {
        let model: LoadedModel
        let query: Recommender.Query
        let arrival: Date
        let continuation: CheckedContinuation<Recommender.Answer, Never>
    }

    private let condition = NSCondition()
    private var queue: [Pending] = []
    /// Requests announced and not yet taken into a batch (or withdrawn).
    private var announced = 0
    private var stopped = false
    private let maxBatchSize: Int
    private let window: TimeInterval
    private let workers: Int
    private let metrics: ServerMetrics

    init(maxBatchSize: Int, window: Duration, workers: Int, metrics: ServerMetrics) {
        self.maxBatchSize = maxBatchSize
        let (seconds, attoseconds) = window.components
        self.window = Double(seconds) + Double(attoseconds) * 1e-18
        self.workers = workers
        self.metrics = metrics
    }

    /// A request that will be submitted (or withdrawn) has arrived.
    func announce() {
        condition.withLock { announced += 1 }
    }

    /// An announced request will not be submitted (it was refused).
    func withdraw() {
        condition.withLock {
            announced -= 1
            condition.broadcast()
        }
    }

    /// Scores an announced request with the next batch and returns its answer.
    func recommend(_ query: Recommender.Query, with model: LoadedModel) async -> Recommender.Answer {
        await withCheckedContinuation { continuation in
            condition.withLock {
                queue.append(Pending(model: model, query: query, arrival: Date(), continuation: continuation))
                condition.broadcast()
            }
        }
    }

    /// Requests announced and not yet taken into a batch, and those of them waiting in the queue.
    var counts: (announced: Int, queued: Int) { condition.withLock { (announced, queue.count) } }

    /// Starts the workers, and stops them once the server shuts down and the queue is empty.
    func run() async throws {
        for _ in 0..<workers { Thread.detachNewThread { [self] in work() } }
        try? await gracefulShutdown()
        condition.withLock {
            stopped = true
            condition.broadcast()
        }
    }

    private func work() {
        condition.lock()
        while true {
            while queue.isEmpty && !stopped { condition.wait() }
            if queue.isEmpty && stopped { break }
            let deadline = queue[0].arrival.addingTimeInterval(window)
            while queue.count < min(maxBatchSize, announced) && !stopped && Date() < deadline {
                _ = condition.wait(until: deadline)
            }
            if queue.isEmpty { continue }  // another worker took them
            let taken = min(maxBatchSize, queue.count)
            let batch = Array(queue.prefix(taken))
            queue.removeFirst(taken)
            announced -= taken
            if !queue.isEmpty { condition.broadcast() }
            condition.unlock()
            score(batch)
            condition.lock()
        }
        condition.unlock()
    }

    private func score(_ batch: [Pending]) {
        metrics.scoredBatch(size: batch.count)
        var start = 0
        while start < batch.count {
            // Consecutive requests of the same model (all of them, unless a reload came between).
            let model = batch[start].model
            var end = start + 1
            while end < batch.count && batch[end].model === model { end += 1 }
            let answers = model.recommender.recommend(batch[start..<end].map(\.query))
            for (pending, answer) in zip(batch[start..<end], answers) { pending.continuation.resume(returning: answer) }
            start = end
        }
    }
}
