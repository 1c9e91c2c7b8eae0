import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// Ranking is the output layer's own job: every layer answers `topK` and `ranks`, with every
/// pruning, exactly as counting over its full `scores` does, so no caller needs to know which
/// layer it holds.
@Suite("Output layers rank")
struct OutputLayerRankingTests {
    static let N = 40, C = 6, B = 7

    /// One model per output kind: the full softmax, the tree softmax, and a compressed item matrix.
    static let configurations: [ModelConfiguration] = [
        ModelConfiguration(itemCount: N, embeddingSize: C, dilations: [1], maxLength: 4),
        ModelConfiguration(itemCount: N, embeddingSize: C, dilations: [1], maxLength: 4, outputLayer: .treeSoftmax,
                           cutoffs: [6, 15, 28, N], rankDivisor: 2),
        ModelConfiguration(itemCount: N, embeddingSize: C, dilations: [1], maxLength: 4, outputLayer: .memcom,
                           outputTable: ItemTableSettings(buckets: 9, hash: .modulo)),
    ]

    /// log Σ exp over a whole row, in Double: 0 for a row of log-probabilities.
    static func logSumExp(_ row: [Float]) -> Double {
        let top = Double(row.max()!)
        return top + log(row.reduce(0.0) { $0 + exp(Double($1) - top) })
    }

    /// By hand from `scores`: the `k` best (ties to the lower index, no padding), each with its
    /// log-probability.
    static func reference(_ scores: [Float], k: Int) -> [ScoredItem] {
        let lse = logSumExp(scores)
        return Array((1..<scores.count).sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }.prefix(k))
            .map { ($0, Float(Double(scores[$0]) - lse)) }
    }

    @Test(arguments: 0..<3)
    func everyPruningRanksAsScoringEverything(_ index: Int) {
        let model = SequentialRecommender(configuration: Self.configurations[index], seed: 5)
        // Move the weights off their initial values so the layers' parts disagree.
        var rng = SeededGenerator(seed: 9)
        for p in model.uniqueWeights() { for i in 0..<p.weight.count { p.weight.value.data[i] += 0.8 * rng.nextNormal() } }
        model.weightsDidChange()
        let hidden = (0..<(Self.B * Self.C)).map { _ in 2 * rng.nextNormal() }
        let all = ModelTestSupport.scores(model, hidden: hidden, rows: Self.B)
        let targets = (0..<Self.B).map { Int32(1 + ($0 * 11) % (Self.N - 1)) }
        for pruning in [RankingPruning.none, .nodeRule, .tailBounds] {
            var statistics = RankingStatistics()
            let best = model.output.topK(hidden: hidden, rows: Self.B, k: 5, pruning: pruning, statistics: &statistics)
            let ranks = model.output.ranks(hidden: hidden, targets: targets, rows: Self.B, below: 12, pruning: pruning,
                                           statistics: &statistics)
            for r in 0..<Self.B {
                let row = Array(all[(r * Self.N)..<((r + 1) * Self.N)])
                let expected = Self.reference(row, k: 5)
                #expect(best[r].map(\.item) == expected.map(\.item), "\(pruning), row \(r)")
                #expect(zip(best[r], expected).allSatisfy { abs($0.score - $1.score) <= 1e-5 * max(1, abs($1.score)) })
                let rank = (1..<Self.N).filter { row[$0] > row[Int(targets[r])] }.count
                #expect(ranks[r] == (rank < 12 ? rank : nil), "\(pruning), row \(r): rank \(rank)")
            }
        }
    }

    /// Every layer's `topK` scores are log-probabilities over the same N items: with padding's
    /// probability, the whole catalogue's add up to 1.
    @Test(arguments: 0..<3)
    func topKScoresAreLogProbabilities(_ index: Int) {
        let model = SequentialRecommender(configuration: Self.configurations[index], seed: 6)
        var rng = SeededGenerator(seed: 10)
        let hidden = (0..<Self.C).map { _ in 2 * rng.nextNormal() }
        let row = ModelTestSupport.scores(model, hidden: hidden, rows: 1)
        var statistics = RankingStatistics()
        let all = model.output.topK(hidden: hidden, rows: 1, k: Self.N - 1, pruning: .tailBounds, statistics: &statistics)[0]
        let padding = exp(Double(row[0]) - Self.logSumExp(row))
        let total = all.reduce(padding) { $0 + exp(Double($1.score)) }
        #expect(all.count == Self.N - 1 && all.allSatisfy { $0.score <= 0 })
        #expect(abs(total - 1) < 1e-4, "probabilities add up to \(total)")
    }

    @Test func theTreeKeepsItsBoundsUntilItsWeightsChange() {
        let model = SequentialRecommender(configuration: Self.configurations[1], seed: 5)
        let tree = model.output as! TreeSoftmax
        let u = [Float](repeating: 1, count: Self.C)
        func bound() -> Float { u.withUnsafeBufferPointer { tree.currentTailBounds().bound(0, projected: $0.baseAddress!) } }
        let before = bound()
        // Widen the first tail's item weights: its bound must grow, but only once the model is told.
        for p in tree.uniqueWeights() where p.name.hasPrefix("tails.0") {
            for i in 0..<p.weight.count { p.weight.value.data[i] *= 4 }
        }
        #expect(bound() == before)
        model.weightsDidChange()
        #expect(bound() > before)
    }
}
