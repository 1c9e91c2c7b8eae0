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
        var statistics = EarlyStopStatistics()
        return evaluate(model, cases: cases, batchSize: batchSize, cutoffs: cutoffs, statistics: &statistics, progress: progress)
    }

    /// As above; with a tree softmax, ranks come from the exact early stop (unless `earlyStop` is
    /// false, which scores every item, for comparison) and `statistics` counts the tails it skipped.
    /// `tailBounds` adds the per-tail bounds to the node rule (`TreeSoftmaxTailBounds`).
    public static func evaluate(
        _ model: SequentialRecommender, cases: [EvaluationCase], batchSize: Int = 256,
        cutoffs: [Int] = RankingMetrics.defaultCutoffs, statistics: inout EarlyStopStatistics,
        earlyStop: Bool = true, tailBounds: Bool = true, progress: ((Int) -> Void)? = nil
    ) -> RankingMetrics {
        let T = model.configuration.maxLength, N = model.configuration.itemCount
        let B = max(1, min(batchSize, cases.count))
        let inputs = UnsafeMutablePointer<Int32>.allocate(capacity: B * T)
        defer { inputs.deallocate() }
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: B * N)
        defer { scores.deallocate() }
        var metrics = RankingMetrics(cutoffs: cutoffs)
        let ranks = UnsafeMutablePointer<Int>.allocate(capacity: B)
        defer { ranks.deallocate() }
        let targets = UnsafeMutablePointer<Int32>.allocate(capacity: B)
        defer { targets.deallocate() }
        let tree = earlyStop ? model.output as? TreeSoftmax : nil
        let bounds = tailBounds ? tree?.tailBounds() : nil  // once per call: O(N · d_j), then O(C · d_j) per (case, tail)
        let deepest = cutoffs.max() ?? 0
        var start = 0
        while start < cases.count {
            let end = min(start + B, cases.count)
            let rows = end - start
            for r in 0..<rows {
                HistoryWindow.fill(cases[start + r].history, length: T, row: inputs + r * T)
                targets[r] = cases[start + r].target
            }
            if let tree {
                // Exact early stop: ranks below the deepest cut-off are exact, deeper ones are
                // misses for every metric, so nothing else needs scoring (see TreeSoftmax.ranks).
                let hidden = model.finalHidden(inputs: inputs, batch: rows, length: T)
                let found = tree.ranks(hidden: hidden, targets: targets, rows: rows, below: deepest, bounds: bounds, statistics: &statistics)
                for r in 0..<rows { ranks[r] = found[r] ?? Int.max }
            } else {
                model.scores(inputs: inputs, batch: rows, length: T, output: scores)
                Parallel.forEachChunk(rows) { chunk in
                    for r in chunk { ranks[r] = rank(of: Int(targets[r]), in: scores + r * N, count: N) }
                }
            }
            for r in 0..<rows { metrics.add(rank: ranks[r]) }
            start = end
            progress?(end)
        }
        return metrics
    }

    /// How many items (padding excluded) score strictly higher than `target`.
    public static func rank(of target: Int, in scores: UnsafePointer<Float>, count N: Int) -> Int {
        let s = scores[target]
        if s.isNaN { return N }  // a broken score must not count as a hit
        var higher = 0
        for i in 1..<N where scores[i] > s { higher += 1 }
        return higher
    }
}
