import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// The compressed tables as input embeddings: MEmCom, hashing, quotient-remainder, low-rank, mixed dimensions.
@Suite("Compressed item embeddings")
struct CompressedEmbeddingTests {
    /// Padding twice, item 5 three times, items 1 and 6 (one bucket under modulo 5) and every
    /// mixed-dim bucket.
    static let ids: [Int32] = [5, 0, 1, 12, 5, 3, 7, 0, 6, 5, 2, 8, 11]

    @Test(arguments: TableVariant.all)
    func parameterCountsNamesAndShapesFollowTheFormulas(_ v: TableVariant) {
        let table = v.make(seed: 1)
        #expect(table.parameterCount == v.formula)
        #expect(v.settings.parameterCount(v.kind, itemCount: TableVariant.N, dimensions: TableVariant.C,
                                          clusters: TableVariant.clusters) == v.formula)
        let named = table.namedWeights(prefix: "item_embedding")
        #expect(named.map(\.name) == v.tensors.map { "item_embedding." + $0 })
        #expect(named.map(\.weight.shape) == v.shapes)
        #expect(table.itemCount == TableVariant.N && table.dimensions == TableVariant.C)
    }

    @Test(arguments: TableVariant.all)
    func forwardIsTheDefinitionAndPaddingIsZero(_ v: TableVariant) {
        let table = v.perturbed(seed: 2)
        let C = TableVariant.C, rows = Self.ids.count
        let out = Tensor(shape: [rows, C])
        out.fill(.nan)
        table.forward(ids: Self.ids, rows: rows, output: out.data)
        for (i, id) in Self.ids.enumerated() {
            let got = (0..<C).map { Double(out.data[i * C + $0]) }
            #expect(LayerTestSupport.maxAbsDifference(got, TableReference.embedding(table, item: Int(id))) <= 1e-5,
                    "row \(i), item \(id)")
            if id == 0 { #expect(got.allSatisfy { $0 == 0 }, "padding row \(i): \(got)") }
        }
        // Every item gets its own vector: no two items alike once the parameters moved
        // (except under the hashing trick, where colliding items share theirs by design).
        let all = TableReference.matrix(table)
        let distinct = Set(all.dropFirst().map { $0.map { ($0 * 1e6).rounded() } }).count
        #expect(distinct == (v.kind == .hashing ? 5 : TableVariant.N - 1))
    }

    @Test(arguments: TableVariant.all)
    func gradientsOfEveryTableMatchFiniteDifferences(_ v: TableVariant) {
        let table = v.perturbed(seed: 3)
        let C = TableVariant.C, rows = Self.ids.count
        var rng = SeededGenerator(seed: 30)
        let r = LayerTestSupport.normal([rows, C], &rng)
        let parameters = table.uniqueWeights()
        let before = parameters.map { LayerTestSupport.prefillGradient($0.weight, &rng) }
        table.backward(ids: Self.ids, rows: rows, outputGradient: r.data)
        let added = zip(parameters, before).map { LayerTestSupport.accumulated($0.0.weight, since: $0.1) }

        for (name, range) in TableVariant.paddingEntries(table) {
            let index = parameters.firstIndex { $0.name == name }!
            #expect(added[index][range].allSatisfy { $0 == 0 }, "\(name): padding took a gradient")
        }
        let out = Tensor(shape: [rows, C])
        let loss = {
            table.forward(ids: Self.ids, rows: rows, output: out.data)
            return LayerTestSupport.probe(out.data, r)
        }
        // e(x) is linear in each single entry (even Q ⊙ R and w · U), so a large step is exact.
        let check = GradientCheck(step: 0.05, absoluteTolerance: 2e-5, relativeTolerance: 1e-4)
        #expect(parameters.map(\.name) == v.tensors)
        for (p, gradient) in zip(parameters, added) {
            check.expectMatches("\(v.name) \(p.name)", values: p.weight.value, analytic: gradient, loss)
        }
    }

    /// Every variant starts with unit-variance coordinates, as the full table's N(0, 1) rows
    /// (QR-multiply around a mean of 1, see its documentation).
    @Test(arguments: TableVariant.all.filter { $0.kind != .mixedDim })
    func initialisationKeepsTheFullTablesScale(_ v: TableVariant) {
        var rng = SeededGenerator(seed: 4)
        let N = 4001, C = 64
        var settings = v.settings
        if v.kind == .lowRank { settings.rank = 8 }
        if v.kind == .memcom || v.kind == .hashing { settings.buckets = 3000 }
        if v.kind == .qr { settings.qrCollisions = 64 }
        let table = settings.makeTable(v.kind, itemCount: N, dimensions: C, clusters: nil, standardDeviation: 1, rng: &rng)
        let ids = (1..<Int32(N)).map { $0 }
        let out = Tensor(shape: [ids.count, C])
        table.forward(ids: ids, rows: ids.count, output: out.data)
        let values = out.values.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        let expectedMean = v.kind == .qr && settings.qrOperation == .multiply ? 1.0 : 0.0
        #expect(abs(mean - expectedMean) < 0.1 && abs(variance - 1) < 0.15, "\(v.name): mean \(mean), variance \(variance)")
    }

    @Test func mixedDimensionWidthsFollowGinartsRule() throws {
        // Buckets {1, 2}, {3…6}, {7…10}: 40, 10 and 5 interactions per item (the padding's 99 is ignored).
        let clusters = try ItemClusters(cutoffs: [3, 7], itemCount: 11)
        let frequencies = [99, 40, 40, 10, 10, 10, 10, 5, 5, 5, 5]
        #expect(MixedDimensionEmbedding.popularity(clusters: clusters, frequencies: frequencies) == [40, 10, 5])
        func widths(_ alpha: Double) -> [Int] {
            MixedDimensionEmbedding.dimensions(clusters: clusters, frequencies: frequencies, embeddingSize: 16, alpha: alpha)
        }
        // d_j = round(16 · (p_j / 40)^α): α = 0.5 gives 16 · 0.5 and 16 · 0.354 = 5.66.
        #expect(widths(0.5) == [16, 8, 6])
        #expect(widths(1) == [16, 4, 2])
        #expect(widths(0) == [16, 16, 16])
        #expect(widths(4) == [16, 1, 1])  // 16/256 rounds to 0, raised to 1
        #expect(widths(0.3) == [16, 11, 9])  // 16 · 0.660 = 10.56, 16 · 0.536 = 8.57
    }

    @Test func collidingItemsGetDistinctEmbeddingsOnceTheirWeightsDiffer() throws {
        // Items 1 and 6 share row 1 of U under x mod 5.
        let N = 13, C = 4, T = 5
        func trained(_ kind: InputEmbeddingKind) -> SequentialRecommender {
            let configuration = ModelConfiguration(
                itemCount: N, embeddingSize: C, dilations: [1, 2], kernelSize: 2, maxLength: T, inputEmbedding: kind,
                inputTable: ItemTableSettings(buckets: 5, hash: .modulo))
            let model = SequentialRecommender(configuration: configuration, seed: 5)
            let adam = Adam(weights: model.uniqueWeights().map(\.weight), learningRate: 0.05)
            let (inputs, targets) = ModelTestSupport.trainingBatch([[1, 2, 3, 9, 10], [6, 4, 12, 6], [11, 1, 7]], length: T)
            for _ in 0..<3 {
                model.zeroGradients()
                _ = model.trainingStep(inputs: inputs, targets: targets, batch: 3, length: T)
                adam.step()
            }
            return model
        }
        func embeddings(_ model: SequentialRecommender, _ ids: [Int32]) -> [[Float]] {
            let out = Tensor(shape: [ids.count, C])
            model.embedding.forward(ids: ids, rows: ids.count, output: out.data)
            return (0..<ids.count).map { ModelTestSupport.row(out.values, $0, width: C) }
        }

        let fresh = SequentialRecommender(configuration: trained(.memcom).configuration, seed: 5)
        let before = embeddings(fresh, [1, 6])
        #expect(ModelTestSupport.bits(before[0]) == ModelTestSupport.bits(before[1]), "w starts at 1: one vector")

        let memcom = trained(.memcom)
        let e = try #require(memcom.embedding as? MEmComEmbedding)
        let w1 = e.weights.value.data[1], w6 = e.weights.value.data[6]
        #expect(w1 != w6 && w1 != 1 && w6 != 1)
        #expect(e.weights.value.data[0] == 0, "the padding's weight never moves")
        let after = embeddings(memcom, [1, 6])
        #expect(after[0] != after[1])
        // Still one direction: e(1) / w[1] = e(6) / w[6] = U[1].
        for c in 0..<C {
            #expect(abs(after[0][c] / w1 - after[1][c] / w6) < 1e-5)
            #expect(abs(after[0][c] / w1 - e.table.value.data[1 * C + c]) < 1e-5)
        }

        let hashing = embeddings(trained(.hashing), [1, 6])
        #expect(ModelTestSupport.bits(hashing[0]) == ModelTestSupport.bits(hashing[1]), "the hashing trick cannot tell them apart")
    }

    @Test func theHashesAreTheNamedFunctions() {
        #expect(ItemHash.modulo.bucket(of: 1234, buckets: 1000) == 234)
        // ((1234 · 2654435761) mod 2³²) · 1000 / 2³² = 2 808 649 522 · 1000 / 4 294 967 296 = 653.94
        #expect(ItemHash.multiplicative.bucket(of: 1234, buckets: 1000) == 653)
        #expect(ItemHash.multiplicative.bucket(of: 0, buckets: 7) == 0)
        let buckets = ItemHash.multiplicative.buckets(itemCount: 5000, buckets: 97)
        #expect(buckets.allSatisfy { $0 >= 0 && $0 < 97 })
        // Every row is used, and none by more than twice its share.
        let load = Dictionary(grouping: buckets, by: { $0 }).mapValues(\.count)
        #expect(load.count == 97 && load.values.allSatisfy { $0 < 2 * 5000 / 97 })
        var rng = SeededGenerator(seed: 6)
        let e = MEmComEmbedding(itemCount: 50, dimensions: 2, buckets: 7, hash: .multiplicative, rng: &rng)
        #expect(e.buckets == (0..<50).map { Int32(ItemHash.multiplicative.bucket(of: $0, buckets: 7)) })
    }
}
