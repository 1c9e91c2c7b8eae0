import Testing

@testable import CompactRecRuntime

/// Block pruning is exact: on random item rows in every format, with biases that fall with the
/// item index (as a trained softmax's fall with rarity) or at random, pruned top-K and ranks
/// equal those of scoring every item, and the falling biases let blocks be skipped.
@Suite("Item block bounds")
struct ItemBlockBoundsTests {
    /// A [N, C] table and its bias: rows of varied spread; bias falling by `slope` an item, plus noise.
    static func model(items N: Int, columns C: Int, slope: Float, seed: UInt64, format: WeightFormat) -> (QuantizedRows, [Float]) {
        var rng = SeededGenerator(seed: seed)
        var values = [Float](repeating: 0, count: N * C)
        for i in 0..<N {
            let spread = 0.2 + rng.nextUniform()
            for c in 0..<C { values[i * C + c] = spread * rng.nextNormal() }
        }
        let bias = (0..<N).map { -slope * Float($0) + 0.5 * rng.nextNormal() }
        let rows = values.withUnsafeBufferPointer { QuantizedRows.quantize($0.baseAddress!, rows: N, columns: C, format: format) }
        return (rows, bias)
    }

    @Test("every bound is at least every score of its block, as the kernels compute them", arguments: [WeightFormat.float16, .int8, .int4])
    func boundsHold(format: WeightFormat) {
        let N = 700, C = 33
        let (rows, bias) = Self.model(items: N, columns: C, slope: 0.01, seed: 3, format: format)
        let bounds = bias.withUnsafeBufferPointer { b in
            ItemBlockBounds(rows: N, columns: C, blockRows: 64, bias: b.baseAddress!) { rows.dequantizeRow($0, into: $1) }
        }
        var rng = SeededGenerator(seed: 9)
        for _ in 0..<20 {
            let h = (0..<C).map { _ in 3 * rng.nextNormal() }
            var scores = [Float](repeating: 0, count: N), bound = [Float](repeating: 0, count: bounds.blocks)
            h.withUnsafeBufferPointer { h in
                bias.withUnsafeBufferPointer { b in
                    scores.withUnsafeMutableBufferPointer {
                        rows.scores(histories: h.baseAddress!, count: 1, rows: 0..<N, bias: b.baseAddress!, output: $0.baseAddress!, outputStride: N)
                    }
                }
                bound.withUnsafeMutableBufferPointer { bounds.bounds(history: h.baseAddress!, into: $0.baseAddress!) }
            }
            for i in 0..<N { #expect(scores[i] <= bound[i / 64], "\(format) item \(i): \(scores[i]) above its block's bound \(bound[i / 64])") }
        }
    }

    @Test("pruned top-K and ranks equal scoring every item; falling biases skip blocks",
          arguments: [WeightFormat.float16, .int8, .int4], [Float(0), 0.02])
    func exact(format: WeightFormat, slope: Float) {
        let N = 3001, C = 64
        var (rows, bias) = Self.model(items: N, columns: C, slope: slope, seed: 5, format: format)
        bias = bias.map { $0 + 3 }  // biases above 0: bounds taken from the zero bias of a layer just built would be too low
        // The bias is filled in after the layer is built, as a bundle's is when it loads: the
        // bounds are taken at the first ranking.
        let softmax = QuantizedFullSoftmax(items: rows, bias: Weight(shape: [N]))
        bias.withUnsafeBufferPointer { softmax.bias.value.data.update(from: $0.baseAddress!, count: N) }
        var rng = SeededGenerator(seed: 11)
        let B = 40
        let hidden = (0..<(B * C)).map { _ in 0.5 * rng.nextNormal() }
        // Targets: some the best item of their row (rank 0), the others anywhere.
        var all = [Float](repeating: 0, count: B * N)
        hidden.withUnsafeBufferPointer { h in all.withUnsafeMutableBufferPointer { softmax.scores(hidden: h.baseAddress!, rows: B, output: $0.baseAddress!) } }
        let targets: [Int32] = (0..<B).map { r in
            r % 3 == 0 ? Int32(1 + (1..<N).max { all[r * N + $0] < all[r * N + $1] }! - 1) : Int32(1 + Int(rng.next() % UInt64(N - 1)))
        }
        var statistics = RankingStatistics(), none = RankingStatistics()
        let pruned = hidden.withUnsafeBufferPointer { h in
            targets.withUnsafeBufferPointer { softmax.ranks(hidden: h.baseAddress!, targets: $0.baseAddress!, rows: B, below: 10, pruning: .tailBounds, statistics: &statistics) }
        }
        let everything = hidden.withUnsafeBufferPointer { h in
            targets.withUnsafeBufferPointer { softmax.ranks(hidden: h.baseAddress!, targets: $0.baseAddress!, rows: B, below: 10, pruning: .none, statistics: &none) }
        }
        #expect(pruned == everything, "\(format) slope \(slope)")
        #expect(pruned.contains { $0 == 0 } && pruned.contains { $0 == nil })
        #expect(statistics.rows == B && statistics.itemsScored + statistics.itemsSkipped >= B * (N - 1))
        if slope > 0 { #expect(statistics.skippedItemShare > 0.5, "\(format): skipped \(statistics.skippedItemShare)") }

        // Top-K by logits: the items and score bits of topK over the whole score row.
        var row = [Float](repeating: 0, count: N), topStatistics = RankingStatistics()
        for r in 0..<B {
            let expected = CompactRecRuntime.topK(scores: all.withUnsafeBufferPointer { $0.baseAddress! + r * N }, count: N, k: 10)
            let found = hidden.withUnsafeBufferPointer { h in
                bias.withUnsafeBufferPointer { b in
                    row.withUnsafeMutableBufferPointer { row in
                        softmax.blockBounds.topK(history: h.baseAddress! + r * C, k: 10, row: row.baseAddress!, score: { range, out in
                            rows.scores(histories: h.baseAddress! + r * C, count: 1, rows: range, bias: b.baseAddress!, output: out, outputStride: N)
                        }, statistics: &topStatistics)
                    }
                }
            }
            #expect(found.map(\.item) == expected.map(\.item) && found.map(\.score.bitPattern) == expected.map(\.score.bitPattern), "\(format) row \(r)")
        }
        if slope > 0 { #expect(topStatistics.skippedItemShare > 0.25, "\(format): top-K skipped \(topStatistics.skippedItemShare)") }
    }
}
