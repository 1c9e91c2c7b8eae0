/// One history of a batch and what to answer for it.
public struct RecommendationQuery: Sendable, Equatable {
    /// Item indices, oldest first; only the last `maxLength` are read.
    public var history: [Int32]
    /// How many items to answer.
    public var count: Int
    /// Whether items of the history are left out of the answer.
    public var excludingHistory: Bool

    public init(history: [Int32], count: Int, excludingHistory: Bool = false) {
        self.history = history
        self.count = count
        self.excludingHistory = excludingHistory
    }
}

extension SequentialRecommender {
    /// The answers to several histories at once: one forward pass over all of them (one matrix
    /// product per layer instead of one per history), then the output layer's top-K per row.
    /// Each answer holds the items `recommend(history:count:excludingHistory:)` gives for its
    /// query alone, in the same order.
    public func recommend(_ queries: [RecommendationQuery]) -> [[Recommendation]] {
        let B = queries.count
        guard B > 0 else { return [] }
        let T = configuration.maxLength
        var inputs = [Int32](repeating: 0, count: B * T)
        inputs.withUnsafeMutableBufferPointer { rows in
            for (b, query) in queries.enumerated() {
                HistoryWindow.fill(query.history, length: T, row: rows.baseAddress! + b * T)
            }
        }
        let seen = queries.map { $0.excludingHistory ? Set($0.history.map(Int.init)) : [] }
        // Every row gets the deepest row's K: a shorter top-K is a prefix of a longer one, ties
        // included (lower index first), so each row's answer is its own query's.
        let k = zip(queries, seen).map { $0.count + $1.count }.max()!
        var statistics = RankingStatistics()
        let hidden = inputs.withUnsafeBufferPointer { finalHidden(inputs: $0.baseAddress!, batch: B, length: T) }
        let best = output.topK(hidden: hidden, rows: B, k: k, pruning: .tailBounds, statistics: &statistics)
        return (0..<B).map { b in
            best[b].lazy.filter { !seen[b].contains($0.item) }.prefix(queries[b].count)
                .map { Recommendation(item: Int32($0.item), score: $0.score) }
        }
    }
}

extension InferenceContext {
    /// The answers to several histories in one forward pass (see `SequentialRecommender.recommend(_:)`).
    public func recommend(_ queries: [RecommendationQuery]) -> [[Recommendation]] {
        Parallel.withThreads(threads) { model.recommend(queries) }
    }
}
