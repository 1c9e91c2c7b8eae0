/// Full-ranking evaluation: every item but padding is scored for every case, no sampling.
///
/// Items already in the history are not removed (the project's protocol choice, same as the
/// reference). Cases run in batches; ranking is split over threads. With a tree softmax the
/// exact early stop finds every rank below the deepest cut-off without scoring the tails that
/// cannot reach it; a deeper rank is a miss for every metric, so the metrics are those of
/// scoring every item.
public enum Evaluator {
    public static let protocolSummary =
        "no sampled negatives, history items not removed; rank = items (padding excluded) scored strictly higher than the target"

    public static func evaluate(
        _ model: SequentialRecommender, cases: [EvaluationCase], batchSize: Int = 256,
        cutoffs: [Int] = RankingMetrics.defaultCutoffs, progress: ((Int) -> Void)? = nil
    ) -> RankingMetrics {
        var statistics = RankingStatistics()
        return evaluate(model, cases: cases, batchSize: batchSize, cutoffs: cutoffs, statistics: &statistics, progress: progress)
    }

    /// As above; with a tree softmax, ranks come from the exact early stop (unless `earlyStop` is
    /// false, which scores every item, for comparison) and `statistics` counts the tails it skipped.
    /// `tailBounds` adds the per-tail bounds to the node rule (`TreeSoftmaxTailBounds`).
    public static func evaluate(
        _ model: SequentialRecommender, cases: [EvaluationCase], batchSize: Int = 256,
        cutoffs: [Int] = RankingMetrics.defaultCutoffs, statistics: inout RankingStatistics,
        earlyStop: Bool = true, tailBounds: Bool = true, progress: ((Int) -> Void)? = nil
    ) -> RankingMetrics {
        let T = model.configuration.maxLength
        let B = max(1, min(batchSize, cases.count))
        let inputs = UnsafeMutablePointer<Int32>.allocate(capacity: B * T)
        defer { inputs.deallocate() }
        var metrics = RankingMetrics(cutoffs: cutoffs)
        let targets = UnsafeMutablePointer<Int32>.allocate(capacity: B)
        defer { targets.deallocate() }
        let pruning: RankingPruning = !earlyStop ? .none : tailBounds ? .tailBounds : .nodeRule
        // Bounds derived from the weights are taken afresh for each evaluation: O(N · d_j) once,
        // then O(C · d_j) per (case, tail).
        model.weightsDidChange()
        let deepest = cutoffs.max() ?? 0
        var start = 0
        while start < cases.count {
            let end = min(start + B, cases.count)
            let rows = end - start
            for r in 0..<rows {
                HistoryWindow.fill(cases[start + r].history, length: T, row: inputs + r * T)
                targets[r] = cases[start + r].target
            }
            // Ranks below the deepest cut-off are exact; deeper ones are misses for every metric,
            // so an output layer that can skip what cannot reach them (the tree's early stop) does.
            let hidden = model.finalHidden(inputs: inputs, batch: rows, length: T)
            let ranks = model.output.ranks(hidden: hidden, targets: targets, rows: rows, below: deepest, pruning: pruning,
                                           statistics: &statistics).map { $0 ?? Int.max }
            for r in 0..<rows { metrics.add(rank: ranks[r]) }
            start = end
            progress?(end)
        }
        return metrics
    }

    /// How many items (padding excluded) score strictly higher than `target`.
    public static func rank(of target: Int, in scores: UnsafePointer<Float>, count N: Int) -> Int {
        CompactRecRuntime.rank(of: target, in: scores, count: N)
    }
}
