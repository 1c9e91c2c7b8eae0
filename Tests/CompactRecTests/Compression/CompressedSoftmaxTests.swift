import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// The compressed tables as output item matrices: cheap scoring against the materialised
/// product, and the training loss's gradients through the same structure.
@Suite("CompressedSoftmax")
struct CompressedSoftmaxTests {
    static func layer(_ v: TableVariant, seed: UInt64) -> CompressedSoftmax {
        let s = CompressedSoftmax.itemStandardDeviation(dimensions: TableVariant.C)
        var rng = SeededGenerator(seed: seed &+ 7)
        let layer = CompressedSoftmax(items: v.perturbed(standardDeviation: s, seed: seed), rng: &rng)
        return layer
    }

    /// h · E(all)ᵀ + b in Double, E from the definitions (row 0 zero).
    static func materialisedScores(_ layer: CompressedSoftmax, hidden: Tensor, rows B: Int) -> [[Double]] {
        let E = TableReference.matrix(layer.items), C = layer.dimensions
        return (0..<B).map { b in
            (0..<layer.itemCount).map { x in
                (0..<C).reduce(Double(layer.bias.value.data[x])) { $0 + Double(hidden.data[b * C + $1]) * E[x][$1] }
            }
        }
    }

    @Test(arguments: TableVariant.all)
    func cheapScoringEqualsTheMaterialisedProduct(_ v: TableVariant) {
        let layer = Self.layer(v, seed: 11)
        var rng = SeededGenerator(seed: 12)
        let B = 5, N = TableVariant.N
        let hidden = LayerTestSupport.normal([B, TableVariant.C], std: 2, &rng)
        let out = Tensor(shape: [B, N])
        out.fill(.nan)
        layer.scores(hidden: hidden.data, rows: B, output: out.data)
        let expected = Self.materialisedScores(layer, hidden: hidden, rows: B)
        for b in 0..<B {
            let got = (0..<N).map { Double(out.data[b * N + $0]) }
            #expect(LayerTestSupport.maxAbsDifference(got, expected[b]) <= 1e-5, "\(v.name) row \(b)")
            // Padding embeds to zeros: its score is its bias alone, whatever its junk parameters hold.
            #expect(out.data[b * N] == layer.bias.value.data[0])
        }
        #expect(layer.parameterCount == v.formula + N, "the table plus a full [N] bias")
        #expect(layer.namedWeights(prefix: "output").map(\.name) == v.tensors.map { "output.items." + $0 } + ["output.bias"])
    }

    @Test(arguments: TableVariant.all)
    func lossAndEveryGradientMatchFiniteDifferences(_ v: TableVariant) {
        let layer = Self.layer(v, seed: 21)
        var rng = SeededGenerator(seed: 22)
        let C = TableVariant.C, N = TableVariant.N
        // Every mixed-dim bucket, item 1 and its modulo-5 neighbour 6, a repeated target.
        let targets: [Int32] = [6, 1, 12, 3, 6, 9]
        let M = targets.count
        let hidden = LayerTestSupport.normal([M, C], std: 2, &rng)
        let dH = Tensor(shape: [M, C])
        dH.fill(.nan)
        let parameters = layer.uniqueWeights()
        let before = parameters.map { LayerTestSupport.prefillGradient($0.weight, &rng) }
        let reported = layer.lossAndBackward(hidden: hidden.data, targets: targets, rows: M, hiddenGradient: dH.data)
        let added = zip(parameters, before).map { LayerTestSupport.accumulated($0.0.weight, since: $0.1) }

        // The loss is the mean cross-entropy of the materialised scores.
        let exact = Self.materialisedScores(layer, hidden: hidden, rows: M).enumerated().reduce(0.0) { sum, row in
            let top = row.element.max()!
            return sum + log(row.element.reduce(0) { $0 + exp($1 - top) }) + top - row.element[Int(targets[row.offset])]
        } / Double(M)
        #expect(abs(Double(reported) - exact) <= 1e-5 * exact, "\(v.name): loss \(reported), Double \(exact)")

        for (name, range) in TableVariant.paddingEntries(layer.items) {
            let index = parameters.firstIndex { $0.name == "items." + name }!
            #expect(added[index][range].allSatisfy { $0 == 0 }, "\(name): padding took a gradient")
        }
        let scores = Tensor(shape: [M, N])
        let loss = {
            layer.scores(hidden: hidden.data, rows: M, output: scores.data)
            return LayerTestSupport.meanCrossEntropy(scores.data, rows: M, width: N, targets: targets)
        }
        let check = GradientCheck(step: 1e-2, absoluteTolerance: 2e-5, relativeTolerance: 1e-3)
        #expect(parameters.map(\.name) == v.tensors.map { "items." + $0 } + ["bias"])
        for (p, gradient) in zip(parameters, added) {
            check.expectMatches("\(v.name) \(p.name)", values: p.weight.value, analytic: gradient, loss)
        }
        check.expectMatches("\(v.name) hidden", values: hidden, analytic: LayerTestSupport.doubles(dH), loss)
    }

    /// Scores start at the full softmax's scale, so no variant begins with a sharper softmax.
    @Test(arguments: TableVariant.all.filter { $0.kind != .mixedDim })
    func itemVectorsStartAtTheFullSoftmaxScale(_ v: TableVariant) {
        var rng = SeededGenerator(seed: 31)
        let N = 4001, C = 64
        var settings = v.settings
        if v.kind == .lowRank { settings.rank = 8 }
        if v.kind == .memcom || v.kind == .hashing { settings.buckets = 3000 }
        if v.kind == .qr { settings.qrCollisions = 64 }
        let s = CompressedSoftmax.itemStandardDeviation(dimensions: C)
        let table = settings.makeTable(v.kind, itemCount: N, dimensions: C, clusters: nil, standardDeviation: s, rng: &rng)
        let ids = (1..<Int32(N)).map { $0 }
        let out = Tensor(shape: [ids.count, C])
        table.forward(ids: ids, rows: ids.count, output: out.data)
        let values = out.values.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        // FullSoftmax's U(±1/sqrt(C)) has variance 1/(3C).
        let target = 1 / (3 * Double(C))
        #expect(abs(variance / target - 1) < 0.15, "\(v.name): variance \(variance), full softmax \(target)")
    }
}
