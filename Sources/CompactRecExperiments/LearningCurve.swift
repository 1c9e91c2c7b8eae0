import CompactRec
import Foundation

extension ExperimentReport {
    /// A row's training loss (and validation NDCG@10, when its runs held out a validation split)
    /// at each epoch, over the seeds that recorded it: whether training had converged when the
    /// budget ran out, which the final metrics alone cannot tell.
    public struct LearningCurve: Sendable {
        /// Index e holds epoch e + 1, over the seeds that reached it.
        public var loss: [Spread]
        /// Nil when no run of the row recorded validation metrics.
        public var validationNDCG10: [Spread]?
        /// The seeds whose records hold a curve.
        public var seeds: [UInt64]

        /// The curve of one configuration's runs; nil when none recorded one (records written
        /// before `learningCurve` was kept).
        static func of(_ runs: [RunResult]) -> LearningCurve? {
            let recorded = runs.filter { !($0.learningCurve ?? []).isEmpty }
            guard !recorded.isEmpty else { return nil }
            let epochs = recorded.map { $0.learningCurve!.map(\.epoch).max()! }.max()!
            func spreads(_ value: (RunResult.Epoch) -> Double?) -> [Spread] {
                (1...epochs).map { epoch in
                    Spread(recorded.compactMap { run in run.learningCurve!.first { $0.epoch == epoch }.flatMap(value) })
                }
            }
            let validation = spreads { $0.validation?["ndcg@10"] }
            return LearningCurve(
                loss: spreads { $0.loss }, validationNDCG10: validation.allSatisfy { $0.count == 0 } ? nil : validation,
                seeds: recorded.map(\.seed))
        }

        /// The last epoch's change of the mean loss against the epoch before, relative: a loss
        /// still falling by several per cent was not converged. Nil for a single epoch.
        public var lastLossChange: Double? {
            guard loss.count > 1 else { return nil }
            let last = loss[loss.count - 1].mean, before = loss[loss.count - 2].mean
            return (last - before) / before
        }
    }

    static let learningCurveExplanation =
        "Mean training loss over seeds after each epoch; the last column is the last epoch's change of it: a loss "
        + "still falling by several per cent had not converged when the budget ran out. The page draws these "
        + "curves, and validation NDCG@10 by epoch where runs held out a validation split."

    /// The report head's note when some runs have no curve; nil when every run has one.
    var missingLearningCurvesNote: String? {
        guard runsWithoutLearningCurve > 0 else { return nil }
        return "\(runsWithoutLearningCurve) of \(runCount) runs were recorded before results.jsonl kept each epoch's loss: "
            + "their rows have no learning curve."
    }

    /// The loss table's columns for `group`: the method, an epoch each, the last change.
    static func learningCurveColumns(_ group: Group) -> [String] {
        let epochs = group.rows.compactMap { $0.learningCurve?.loss.count }.max() ?? 0
        return ["method"] + (0..<epochs).map { "epoch \($0 + 1)" } + ["last change"]
    }

    /// A row per method with a curve: its mean loss at each epoch (– where none of its runs got
    /// there) and the last change.
    static func learningCurveRows(_ group: Group) -> [[String]] {
        let epochs = learningCurveColumns(group).count - 2
        return group.rows.compactMap { row in
            row.learningCurve.map { curve in
                [row.method] + (0..<epochs).map { $0 < curve.loss.count ? String(format: "%.4f", curve.loss[$0].mean) : "–" }
                    + [curve.lastLossChange.map { String(format: "%+.1f %%", 100 * $0) } ?? "–"]
            }
        }
    }
}
