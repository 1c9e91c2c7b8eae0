import CKernels
import Testing

@testable import CompactRecRuntime

/// The Float32 full and tied softmax rank blockwise when pruning is asked for: exactly the ranks
/// of their row-wise scores of every item, the same as gemm's on these models, and most rows stop
/// after a few blocks.
@Suite("Blockwise ranking")
struct BlockwiseRankingTests {
    static let N = 2001, C = 24, B = 50, k = 10

    /// Hidden states, and targets: every third the row's best item (rank 0), the others at random.
    static func cases(_ layer: any OutputLayer, seed: UInt64) -> (hidden: [Float], targets: [Int32]) {
        var rng = SeededGenerator(seed: seed)
        let hidden = (0..<(B * C)).map { _ in rng.nextNormal() }
        var all = [Float](repeating: 0, count: B * N)
        hidden.withUnsafeBufferPointer { h in all.withUnsafeMutableBufferPointer { layer.scores(hidden: h.baseAddress!, rows: B, output: $0.baseAddress!) } }
        let targets: [Int32] = (0..<B).map { r in
            r % 3 == 0 ? Int32((1..<N).max { all[r * N + $0] < all[r * N + $1] }!) : Int32(1 + Int(rng.next() % UInt64(N - 1)))
        }
        return (hidden, targets)
    }

    /// Ranks with and without pruning, and the ranks of `rowScores` over every item.
    static func check(_ layer: any OutputLayer, seed: UInt64, rowScores: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
        let (hidden, targets) = cases(layer, seed: seed)
        var statistics = RankingStatistics(), unused = RankingStatistics()
        let (pruned, everything) = hidden.withUnsafeBufferPointer { h in
            targets.withUnsafeBufferPointer { t in
                (layer.ranks(hidden: h.baseAddress!, targets: t.baseAddress!, rows: B, below: k, pruning: .tailBounds, statistics: &statistics),
                 layer.ranks(hidden: h.baseAddress!, targets: t.baseAddress!, rows: B, below: k, pruning: .none, statistics: &unused))
            }
        }
        var expected: [Int?] = []
        var row = [Float](repeating: 0, count: N)
        for r in 0..<B {
            hidden.withUnsafeBufferPointer { h in row.withUnsafeMutableBufferPointer { rowScores(h.baseAddress! + r * C, $0.baseAddress!) } }
            let rank = row.withUnsafeBufferPointer { CompactRecRuntime.rank(of: Int(targets[r]), in: $0.baseAddress!, count: N) }
            expected.append(rank < k ? rank : nil)
        }
        #expect(pruned == expected, "\(type(of: layer))")
        #expect(pruned == everything, "\(type(of: layer)): gemm's ranks")
        #expect(pruned.contains { $0 == 0 } && pruned.contains { $0 == nil })
        #expect(statistics.rows == B && statistics.skippedItemShare > 0.5, "\(type(of: layer)): skipped \(statistics.skippedItemShare)")
    }

    /// Biases that fall with the item index, as a trained softmax's fall with rarity.
    static func fallingBias(_ bias: Weight, seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        for i in 0..<N { bias.value.data[i] = -0.004 * Float(i) + 0.3 * rng.nextNormal() }
    }

    @Test func fullSoftmax() {
        var rng = SeededGenerator(seed: 1)
        let layer = FullSoftmax(itemCount: Self.N, dimensions: Self.C, rng: &rng)
        Self.fallingBias(layer.bias, seed: 2)
        Self.check(layer, seed: 3) { h, out in
            ck_scores_f32_columns(h, Self.C, layer.weight.value.data, Self.N, 0, Self.N, layer.bias.value.data, out)
        }
    }

    @Test func tiedSoftmax() {
        var rng = SeededGenerator(seed: 4)
        let weight = Weight(shape: [Self.N, Self.C])
        for i in 0..<(Self.N * Self.C) { weight.value.data[i] = 0.3 * rng.nextNormal() }
        let layer = TiedSoftmax(weight: weight, bias: Weight(shape: [Self.N]))
        Self.fallingBias(layer.bias, seed: 5)
        Self.check(layer, seed: 6) { h, out in
            ck_scores_f32_rows(h, Self.C, 1, weight.value.data, Self.C, 0, Self.N, layer.bias.value.data, out, Self.N)
        }
    }
}
