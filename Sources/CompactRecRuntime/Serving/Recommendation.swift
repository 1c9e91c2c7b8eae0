/// Serving: the top-K next items for one history.
public struct Recommendation: Sendable, Equatable {
    /// Item index in the model's vocabulary.
    public var item: Int32
    public var score: Float
}

extension SequentialRecommender {
    /// The `count` best next items after `history` (item indices, oldest first; only the last
    /// `maxLength` are read). Padding is never recommended; with `excludingHistory`, neither
    /// are items already in the history.
    public func recommend(history: [Int32], count: Int, excludingHistory: Bool = false) -> [Recommendation] {
        let T = configuration.maxLength, N = configuration.itemCount
        var inputs = [Int32](repeating: 0, count: T)
        inputs.withUnsafeMutableBufferPointer { HistoryWindow.fill(history, length: T, row: $0.baseAddress!) }
        let seen = excludingHistory ? Set(history.map(Int.init)) : []
        if let tree = output as? TreeSoftmax {
            // Exact early stop, with the tail bounds kept from the first request: ask for enough
            // items that `count` survive the exclusion.
            var statistics = EarlyStopStatistics()
            let hidden = finalHidden(inputs: inputs, batch: 1, length: T)
            let best = tree.topK(hidden: hidden, rows: 1, k: count + seen.count, bounds: currentTailBounds(tree),
                                 statistics: &statistics)[0]
            return best.lazy.filter { !seen.contains($0.item) }.prefix(count)
                .map { Recommendation(item: Int32($0.item), score: $0.score) }
        }
        let scores = servingScores.ensure(N)
        self.scores(inputs: inputs, batch: 1, length: T, output: scores)
        return topK(scores: scores, count: N, k: count) { $0 == 0 || seen.contains($0) }
            .map { Recommendation(item: Int32($0.item), score: $0.score) }
    }
}
