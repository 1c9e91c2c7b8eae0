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
        let T = configuration.maxLength
        var inputs = [Int32](repeating: 0, count: T)
        inputs.withUnsafeMutableBufferPointer { HistoryWindow.fill(history, length: T, row: $0.baseAddress!) }
        let seen = excludingHistory ? Set(history.map(Int.init)) : []
        // The output layer ranks (with its exact early stop, for a tree softmax): ask for enough
        // items that `count` survive the exclusion.
        var statistics = RankingStatistics()
        let hidden = finalHidden(inputs: inputs, batch: 1, length: T)
        let best = output.topK(hidden: hidden, rows: 1, k: count + seen.count, pruning: .tailBounds, statistics: &statistics)[0]
        return best.lazy.filter { !seen.contains($0.item) }.prefix(count)
            .map { Recommendation(item: Int32($0.item), score: $0.score) }
    }
}
