import Foundation
import Logging

/// Reads the bundle again, checks it fully, and swaps it in; one reload at a time.
///
/// The bundle is read on a thread of its own, so requests keep being answered by the current
/// model meanwhile. A bundle that fails any check is refused and the current model stays.
actor ModelReloader {
    /// What a reload did.
    enum Outcome: Sendable {
        case swapped(from: LoadedModel, to: LoadedModel)
        case refused(reason: String, serving: LoadedModel)
    }

    private let slot: ModelSlot
    private let threadsPerCall: Int
    private let metrics: ServerMetrics
    private let logger: Logger

    init(slot: ModelSlot, threadsPerCall: Int, metrics: ServerMetrics, logger: Logger) {
        self.slot = slot
        self.threadsPerCall = threadsPerCall
        self.metrics = metrics
        self.logger = logger
    }

    /// Reloads from the current model's directory. `trigger` says what asked, for the log.
    func reload(trigger: String) async -> Outcome {
        let directory = slot.current.directory
        let threads = threadsPerCall
        let result: Result<LoadedModel, any Error> = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: Result { try LoadedModel.load(from: directory, threadsPerCall: threads) })
            }
        }
        switch result {
        case .success(let model):
            let old = slot.swap(to: model)
            metrics.reloaded(outcome: "swapped")
            logger.notice("model reloaded", metadata: ["trigger": "\(trigger)", "from": "\(old.id)", "to": "\(model.id)"])
            if let reason = model.unverifiedReason { logger.warning("\(reason)") }
            return .swapped(from: old, to: model)
        case .failure(let error):
            let serving = slot.current
            metrics.reloaded(outcome: "refused")
            logger.error("reload refused; still serving the previous model",
                         metadata: ["trigger": "\(trigger)", "serving": "\(serving.id)", "reason": "\(error)"])
            return .refused(reason: "\(error)", serving: serving)
        }
    }
}
