import Testing

@testable import CompactRec
@testable import CompactRecRuntime

struct BlockAdaptiveCase: Sendable, CustomTestStringConvertible {
    let items: Int, cutoffs: [Int], channels: Int, divisor: Double
    /// k_j and d_j written out by hand.
    let sizes: [Int], ranks: [Int]
    /// k_0·C + Σ_{j≥1} (k_j·d_j + d_j·C), worked out by hand.
    let total: Int
    var testDescription: String { "N=\(items) cutoffs=\(cutoffs) C=\(channels) f=\(divisor)" }

    static let all: [BlockAdaptiveCase] = [
        // 4·6 + (3·3 + 3·6) + (3·1 + 1·6)
        BlockAdaptiveCase(items: 10, cutoffs: [4, 7], channels: 6, divisor: 2, sizes: [4, 3, 3], ranks: [6, 3, 1], total: 60),
        // 20·16 + (30·4 + 4·16) + (30·1 + 1·16) + (20·1 + 1·16): the rank stops at 1.
        BlockAdaptiveCase(items: 100, cutoffs: [20, 50, 80], channels: 16, divisor: 4, sizes: [20, 30, 30, 20],
                          ranks: [16, 4, 1, 1], total: 586),
        // One cluster: the full table.
        BlockAdaptiveCase(items: 5, cutoffs: [], channels: 3, divisor: 4, sizes: [5], ranks: [3], total: 15),
        // 100·64 + (300·16 + 16·64) + (600·4 + 4·64) against N·C = 64 000.
        BlockAdaptiveCase(items: 1000, cutoffs: [100, 400], channels: 64, divisor: 4, sizes: [100, 300, 600],
                          ranks: [64, 16, 4], total: 14880),
        // f = 2.5: ranks ⌊64 / 2.5⌋ = 25, ⌊64 / 6.25⌋ = 10; 100·64 + (300·25 + 25·64) + (600·10 + 10·64).
        BlockAdaptiveCase(items: 1000, cutoffs: [100, 400], channels: 64, divisor: 2.5, sizes: [100, 300, 600],
                          ranks: [64, 25, 10], total: 22140),
    ]
}

@Suite("BlockAdaptiveEmbedding")
struct BlockAdaptiveEmbeddingTests {
    /// N = 10 in clusters [0, 4), [4, 7), [7, 10); C = 6, ranks 6, 3, 1.
    static let N = 10, C = 6
    /// Every cluster, padding twice, item 5 three times; item 6 (a tail item) unused.
    static let ids: [Int32] = [5, 0, 1, 9, 5, 3, 7, 0, 4, 5, 2, 8]

    static func fixture(seed: UInt64) throws -> BlockAdaptiveEmbedding {
        var rng = SeededGenerator(seed: seed)
        return BlockAdaptiveEmbedding(clusters: try ItemClusters(cutoffs: [4, 7], itemCount: N), dimensions: C, divisor: 2, rng: &rng)
    }

    /// e(x) in Double, straight from the definition: a head row, or A_j[x - c_j] · P_j.
    static func naive(_ e: BlockAdaptiveEmbedding, item x: Int) -> [Double] {
        let C = e.dimensions
        if x < e.clusters.cutoffs[0] {
            return (0..<C).map { Double(e.head.value.data[x * C + $0]) }
        }
        let tail = e.tails[e.clusters.cluster(of: x) - 1]
        let row = x - tail.items.lowerBound, d = tail.rank
        return (0..<C).map { c in
            (0..<d).reduce(0.0) { sum, r in
                sum + Double(tail.weight.value.data[row * d + r]) * Double(tail.projection.value.data[r * C + c])
            }
        }
    }

    @Test(arguments: BlockAdaptiveCase.all)
    func namesShapesAndParameterCountFollowTheFormula(_ c: BlockAdaptiveCase) throws {
        var rng = SeededGenerator(seed: 1)
        let clusters = try ItemClusters(cutoffs: c.cutoffs, itemCount: c.items)
        let e = BlockAdaptiveEmbedding(clusters: clusters, dimensions: c.channels, divisor: c.divisor, rng: &rng)
        #expect((0..<clusters.count).map(clusters.size(of:)) == c.sizes)
        #expect([c.channels] + e.tails.map(\.rank) == c.ranks)
        let C = c.channels
        let formula = c.sizes[0] * C + zip(c.sizes, c.ranks).dropFirst().reduce(0) { $0 + $1.0 * $1.1 + $1.1 * C }
        #expect(formula == c.total)
        #expect(e.parameterCount == c.total)
        #expect(e.itemCount == c.items && e.dimensions == C)

        let named = e.namedWeights(prefix: "item_embedding")
        var expected: [(String, [Int])] = [("item_embedding.head.weight", [c.sizes[0], C])]
        for t in 0..<(c.sizes.count - 1) {
            expected.append(("item_embedding.tails.\(t).weight", [c.sizes[t + 1], c.ranks[t + 1]]))
            expected.append(("item_embedding.tails.\(t).projection", [c.ranks[t + 1], C]))
        }
        #expect(named.map(\.name) == expected.map(\.0))
        #expect(named.map(\.weight.shape) == expected.map(\.1))
    }

    @Test func forwardIsTheFactorisedLookupAndPaddingGivesZeros() throws {
        let e = try Self.fixture(seed: 2)
        let C = Self.C, rows = Self.ids.count
        let out = Tensor(shape: [rows, C])
        out.fill(.nan)
        e.forward(ids: Self.ids, rows: rows, output: out.data)
        for (i, id) in Self.ids.enumerated() {
            let got = (0..<C).map { Double(out.data[i * C + $0]) }
            #expect(LayerTestSupport.maxAbsDifference(got, Self.naive(e, item: Int(id))) <= 1e-5, "row \(i), item \(id)")
            if id == 0 { #expect(got.allSatisfy { $0 == 0 }) }
        }
        // Every item, one row each, in reverse order (tails first, so rows interleave differently).
        let all = (0..<Int32(Self.N)).reversed().map { $0 }
        let everything = Tensor(shape: [all.count, C])
        e.forward(ids: all, rows: all.count, output: everything.data)
        for (i, id) in all.enumerated() {
            let got = (0..<C).map { Double(everything.data[i * C + $0]) }
            #expect(LayerTestSupport.maxAbsDifference(got, Self.naive(e, item: Int(id))) <= 1e-5, "item \(id)")
        }
        // Tail embeddings are not trivially zero or equal.
        #expect(Self.naive(e, item: 4) != Self.naive(e, item: 5) && Self.naive(e, item: 8).contains { abs($0) > 1e-3 })
    }

    @Test func paddingIsZeroEvenIfItsHeadRowIsNot() throws {
        let e = try Self.fixture(seed: 3)
        let C = Self.C
        #expect((0..<C).allSatisfy { e.head.value.data[$0] == 0 })
        e.head.value.data.update(repeating: 7, count: C)  // e.g. a bundle written by another tool
        let out = Tensor(shape: [2, C])
        out.fill(.nan)
        e.forward(ids: [0, 0], rows: 2, output: out.data)
        #expect(out.values.allSatisfy { $0 == 0 })
    }

    @Test func gradientsOfEveryTableAndProjectionMatchFiniteDifferences() throws {
        let e = try Self.fixture(seed: 4)
        let C = Self.C, rows = Self.ids.count
        var rng = SeededGenerator(seed: 40)
        let r = LayerTestSupport.normal([rows, C], &rng)
        let out = Tensor(shape: [rows, C])
        let parameters = e.uniqueWeights()
        let before = parameters.map { LayerTestSupport.prefillGradient($0.weight, &rng) }
        e.backward(ids: Self.ids, rows: rows, outputGradient: r.data)
        let added = zip(parameters, before).map { LayerTestSupport.accumulated($0.0.weight, since: $0.1) }

        // The padding row gets nothing; item 6 (tail 0, row 2) is unused, so its A row gets nothing.
        #expect(added[0][0..<C].allSatisfy { $0 == 0 })
        let rank0 = e.tails[0].rank
        #expect(added[1][(2 * rank0)..<(3 * rank0)].allSatisfy { $0 == 0 })
        // Item 5 (tail 0, row 1) appears at rows 0, 4, 9: its A gradient is Σ_rows dOut · P0ᵀ.
        let p0 = e.tails[0].projection.value.data
        for k in 0..<rank0 {
            let expected = [0, 4, 9].reduce(0.0) { sum, row in
                sum + (0..<C).reduce(0.0) { $0 + Double(r.data[row * C + $1]) * Double(p0[k * C + $1]) }
            }
            #expect(abs(added[1][rank0 + k] - expected) < 1e-5)
        }

        let loss = {
            e.forward(ids: Self.ids, rows: rows, output: out.data)
            return LayerTestSupport.probe(out.data, r)
        }
        // Linear in each entry on its own, so a large step has no truncation error.
        let check = GradientCheck(step: 0.05, absoluteTolerance: 2e-5, relativeTolerance: 1e-4)
        #expect(parameters.map(\.name) == ["head.weight", "tails.0.weight", "tails.0.projection", "tails.1.weight", "tails.1.projection"])
        for (p, gradient) in zip(parameters, added) {
            // Head row 0 is the padding, zero by contract rather than by calculus.
            let entries = p.name == "head.weight" ? Array(C..<p.weight.count) : nil
            check.expectMatches(p.name, values: p.weight.value, analytic: gradient, entries: entries, loss)
        }
    }

    @Test func aTailAbsentFromTheBatchGetsNoGradient() throws {
        let e = try Self.fixture(seed: 5)
        let C = Self.C, ids: [Int32] = [0, 2, 8, 1, 8]
        var rng = SeededGenerator(seed: 50)
        let r = LayerTestSupport.normal([ids.count, C], &rng)
        e.zeroGradients()
        let out = Tensor(shape: [ids.count, C])
        e.forward(ids: ids, rows: ids.count, output: out.data)
        e.backward(ids: ids, rows: ids.count, outputGradient: r.data)
        #expect(e.tails[0].weight.gradient.values.allSatisfy { $0 == 0 })
        #expect(e.tails[0].projection.gradient.values.allSatisfy { $0 == 0 })
        #expect(e.tails[1].projection.gradient.values.contains { $0 != 0 })
        for (i, id) in ids.enumerated() {
            let got = (0..<C).map { Double(out.data[i * C + $0]) }
            #expect(LayerTestSupport.maxAbsDifference(got, Self.naive(e, item: Int(id))) <= 1e-5)
        }
    }

    @Test func oneClusterIsTheFullTable() throws {
        var rng = SeededGenerator(seed: 6)
        let e = BlockAdaptiveEmbedding(clusters: try ItemClusters(cutoffs: [], itemCount: 6), dimensions: 3, rng: &rng)
        #expect(e.tails.isEmpty && e.head.shape == [6, 3])
        let ids: [Int32] = [5, 0, 3]
        let out = Tensor(shape: [3, 3])
        e.forward(ids: ids, rows: 3, output: out.data)
        #expect(out.values == [Float](e.head.value.values[15..<18]) + [0, 0, 0] + e.head.value.values[9..<12])
    }

    /// E_0 and A_j ~ N(0, 1), P_j ~ U(±sqrt(3/d_j)): every item's embedding has unit variance
    /// per coordinate. (torch.nn.Linear's U(±1/sqrt(d_j)) would give the tails 1/3.)
    @Test func tailItemsStartAtTheScaleOfHeadItems() throws {
        var rng = SeededGenerator(seed: 7)
        let N = 3001, C = 64
        let e = BlockAdaptiveEmbedding(clusters: try ItemClusters(cutoffs: [1001, 2001], itemCount: N), dimensions: C, rng: &rng)
        #expect(e.tails.map(\.rank) == [16, 4])
        for j in 0..<3 {
            let items = e.clusters.range(of: j).filter { $0 != 0 }.map(Int32.init)
            let out = Tensor(shape: [items.count, C])
            e.forward(ids: items, rows: items.count, output: out.data)
            let values = out.values.map(Double.init)
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            // Rank 4 draws only 256 projection entries, so its variance estimate is the loosest (≈ ±0.06).
            #expect(abs(mean) < 0.1 && abs(variance - 1) < 0.2, "cluster \(j): mean \(mean), variance \(variance)")
        }
    }

    @Test func accountingCountsTheCompressedTableAsInput() throws {
        var rng = SeededGenerator(seed: 8)
        let N = 50, C = 8
        let configuration = ModelConfiguration(itemCount: N, embeddingSize: C, dilations: [1, 2], kernelSize: 3, maxLength: 5)
        let embedding = BlockAdaptiveEmbedding(clusters: try ItemClusters(cutoffs: [10, 30], itemCount: N), dimensions: C, rng: &rng)
        let model = SequentialRecommender(
            configuration: configuration, embedding: embedding,
            encoder: NextItNet(dimensions: C, dilations: [1, 2], kernelSize: 3, rng: &rng),
            output: FullSoftmax(itemCount: N, dimensions: C, rng: &rng))
        let accounting = ParameterAccounting(model: model)
        // ranks 8, 2, 1 (f = 4): 10·8 + (20·2 + 2·8) + (20·1 + 1·8)
        #expect(accounting.input == 80 + 56 + 28)
        #expect(accounting.uncompressedTotal == ParameterAccounting.uncompressed(configuration).total)
        #expect(accounting.compressionRatio > 1)
    }

    /// The whole model with this embedding: every parameter's gradient against finite
    /// differences, on a batch whose inputs hit every cluster, repeat item 4 and include padding.
    @Test(arguments: [[1, 2], [3]])
    func wholeModelGradientMatchesFiniteDifferences(dilations: [Int]) throws {
        let T = SequentialRecommenderTests.T, B = SequentialRecommenderTests.B, N = 11, C = 4
        var rng = SeededGenerator(seed: 9)
        // Clusters [0, 4), [4, 8), [8, 11) with ranks 4, 2, 1.
        let clusters = try ItemClusters(cutoffs: [4, 8], itemCount: N)
        let embedding = BlockAdaptiveEmbedding(clusters: clusters, dimensions: C, divisor: 2, rng: &rng)
        let model = SequentialRecommender(
            configuration: ModelConfiguration(itemCount: N, embeddingSize: C, dilations: dilations, kernelSize: 3, maxLength: T),
            embedding: embedding,
            encoder: NextItNet(dimensions: C, dilations: dilations, kernelSize: 3, rng: &rng),
            output: FullSoftmax(itemCount: N, dimensions: C, rng: &rng))
        SequentialRecommenderTests.keepReLUsAwayFromTheirKinks(model)
        var (inputs, targets) = SequentialRecommenderTests.batch()
        targets[T + 2] = 0
        #expect(Set(inputs.map { clusters.cluster(of: Int($0)) }) == [0, 1, 2])

        model.zeroGradients()
        #expect(ModelTestSupport.loss(model, inputs, targets, batch: B, length: T) != nil)
        let analytic = model.uniqueWeights().map { LayerTestSupport.doubles($0.weight.gradient) }
        let loss = { () -> Double in
            model.zeroGradients()
            return Double(ModelTestSupport.loss(model, inputs, targets, batch: B, length: T)!)
        }
        let check = GradientCheck(step: 5e-3, absoluteTolerance: 1e-4, relativeTolerance: 1e-3, maximumEntries: 64)
        for (p, gradient) in zip(model.uniqueWeights(), analytic) {
            var entries = check.entries(count: p.weight.count)
            if p.name == "item_embedding.head.weight" {
                #expect(gradient[0..<C].allSatisfy { $0 == 0 })
                entries.removeAll { $0 < C }
            }
            check.expectMatches(p.name, values: p.weight.value, analytic: gradient, entries: entries, loss)
        }
        let names = model.uniqueWeights().map(\.name)
        #expect(Array(names.prefix(5)) == ["item_embedding.head.weight", "item_embedding.tails.0.weight",
                                           "item_embedding.tails.0.projection", "item_embedding.tails.1.weight",
                                           "item_embedding.tails.1.projection"])
    }
}
