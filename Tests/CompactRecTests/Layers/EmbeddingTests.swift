import Testing

@testable import CompactRec
@testable import CompactRecRuntime

@Suite("Embedding")
struct EmbeddingTests {
    static let ids: [Int32] = [2, 0, 5, 2, 2, 1, 0, 5, 7]  // 3 and 4 unused, 0 is padding, 2 repeats

    @Test func paddingRowIsZeroAndOtherRowsAreStandardNormal() {
        var rng = SeededGenerator(seed: 21)
        let embedding = Embedding(count: 200, dimensions: 16, rng: &rng)
        let w = embedding.weight.value
        #expect(w.shape == [200, 16])
        #expect((0..<16).allSatisfy { w.data[$0] == 0 })
        let rest = (16..<w.count).map { Double(w.data[$0]) }
        let mean = rest.reduce(0, +) / Double(rest.count)
        let variance = rest.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(rest.count)
        #expect(abs(mean) < 0.1 && abs(variance - 1) < 0.15, "mean \(mean), variance \(variance)")
    }

    @Test func forwardCopiesRowsAndPaddingGivesZeros() {
        var rng = SeededGenerator(seed: 22)
        let C = 3
        let embedding = Embedding(count: 8, dimensions: C, rng: &rng)
        let out = Tensor(shape: [Self.ids.count, C])
        out.fill(.nan)
        embedding.forward(ids: Self.ids, rows: Self.ids.count, output: out.data)
        for (i, id) in Self.ids.enumerated() {
            for c in 0..<C {
                #expect(out.data[i * C + c] == embedding.weight.value.data[Int(id) * C + c])
                if id == 0 { #expect(out.data[i * C + c] == 0) }
            }
        }
    }

    @Test func weightGradientMatchesFiniteDifferencesAndSkipsPadding() {
        var rng = SeededGenerator(seed: 23)
        let N = 8, C = 3, rows = Self.ids.count
        let embedding = Embedding(count: N, dimensions: C, rng: &rng)
        let r = LayerTestSupport.normal([rows, C], &rng)
        let out = Tensor(shape: [rows, C])
        let before = LayerTestSupport.prefillGradient(embedding.weight, &rng)
        embedding.backward(ids: Self.ids, rows: rows, outputGradient: r.data)
        let dE = LayerTestSupport.accumulated(embedding.weight, since: before)

        // The padding row gets nothing even though id 0 occurs (by design, not by calculus).
        #expect(dE[0..<C].allSatisfy { $0 == 0 })
        // Unused rows get nothing; a repeated id gets the sum of its rows' gradients.
        #expect(dE[(3 * C)..<(5 * C)].allSatisfy { $0 == 0 })
        for c in 0..<C {
            let expected = [0, 3, 4].reduce(0.0) { $0 + Double(r.data[$1 * C + c]) }
            #expect(abs(dE[2 * C + c] - expected) < 1e-5)
        }

        let loss = {
            embedding.forward(ids: Self.ids, rows: rows, output: out.data)
            return LayerTestSupport.probe(out.data, r)
        }
        // Every entry of rows 1..<N; row 0 is excluded because its true derivative is not 0.
        GradientCheck(step: 0.05, absoluteTolerance: 1e-5, relativeTolerance: 1e-5)
            .expectMatches("weight", values: embedding.weight.value, analytic: dE, entries: Array(C..<(N * C)), loss)
    }
}
