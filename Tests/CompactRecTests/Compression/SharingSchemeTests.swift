import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

struct SharingCase: Sendable, CustomTestStringConvertible {
    let scheme: SharingScheme, blocks: Int
    var testDescription: String { "\(scheme.rawValue), \(blocks) block(s)" }

    static let all: [SharingCase] = SharingScheme.allCases.flatMap { s in (1...4).map { SharingCase(scheme: s, blocks: $0) } }
}

@Suite("SharingScheme")
struct SharingSchemeTests {
    /// Which convolutions share, written out for 4 blocks (block 0 conv1, block 0 conv2,
    /// block 1 conv1, …): equal labels share one weight set. Fewer blocks take a prefix; for
    /// adjacent-block with 3 blocks that leaves the odd last block with its own two sets.
    static let labels: [SharingScheme: [Int]] = [
        .none: [0, 1, 2, 3, 4, 5, 6, 7],
        .crossLayer: [0, 0, 0, 0, 0, 0, 0, 0],
        .crossBlock: [0, 1, 0, 1, 0, 1, 0, 1],
        .adjacentLayer: [0, 0, 1, 1, 2, 2, 3, 3],
        .adjacentBlock: [0, 1, 0, 1, 2, 3, 2, 3],
    ]

    static let dilations = [1, 2, 4, 8]

    static func convolutions(_ encoder: NextItNet) -> [CausalConv1d] {
        encoder.blocks.flatMap { [$0.conv1, $0.conv2] }
    }

    /// A small model whose encoder shares by `scheme`; C = 4, k = 3, N = 11.
    static func model(_ scheme: SharingScheme, dilations: [Int], seed: UInt64) -> SequentialRecommender {
        let N = 11, C = 4
        var rng = SeededGenerator(seed: seed)
        return SequentialRecommender(
            configuration: ModelConfiguration(itemCount: N, embeddingSize: C, dilations: dilations, kernelSize: 3,
                                              maxLength: SequentialRecommenderTests.T),
            embedding: Embedding(count: N, dimensions: C, rng: &rng),
            encoder: NextItNet(dimensions: C, dilations: dilations, kernelSize: 3, sharing: scheme, rng: &rng),
            output: FullSoftmax(itemCount: N, dimensions: C, rng: &rng))
    }

    @Test(arguments: SharingCase.all)
    func exactlyTheRightConvolutionsShareAndCountsMatchTheFormula(_ c: SharingCase) throws {
        let C = 3, k = 2, blocks = c.blocks
        var rng = SeededGenerator(seed: 1)
        let encoder = NextItNet(dimensions: C, dilations: Array(Self.dilations.prefix(blocks)), kernelSize: k,
                                sharing: c.scheme, rng: &rng)
        let convs = Self.convolutions(encoder)
        let labels = try #require(Self.labels[c.scheme]).prefix(2 * blocks).map { $0 }
        #expect(convs.count == 2 * blocks)
        for u in convs.indices {
            // Each convolution keeps its own dilation: r for conv1, 2r for conv2.
            #expect(convs[u].dilation == Self.dilations[u / 2] * (u % 2 + 1))
            for v in convs.indices {
                let same = labels[u] == labels[v]
                #expect((convs[u].weight === convs[v].weight) == same, "weights of convolutions \(u), \(v)")
                #expect((convs[u].bias === convs[v].bias) == same, "biases of convolutions \(u), \(v)")
            }
        }
        let sets = Set(labels).count
        #expect(Set(convs.map { ObjectIdentifier($0.weight) }).count == sets)
        #expect(Set(convs.map { ObjectIdentifier($0.bias) }).count == sets)
        #expect(c.scheme.weightSetCount(blocks: blocks) == sets)

        // LayerNorms are never shared, with each other or with a convolution.
        let norms = encoder.blocks.flatMap { [$0.norm1.gain, $0.norm1.bias, $0.norm2.gain, $0.norm2.bias] }
        let convParameters = convs.flatMap { [$0.weight, $0.bias] }
        #expect(Set((norms + convParameters).map(ObjectIdentifier.init)).count == 4 * blocks + 2 * sets)

        // Every use is listed; each set once in uniqueWeights, under its first use's name.
        #expect(encoder.namedWeights(prefix: "").count == 8 * blocks)
        var expectedNames: [String] = []
        var seen = Set<Int>()
        for b in 0..<blocks {
            for (position, norm) in ["ln1", "ln2"].enumerated() {
                if seen.insert(labels[2 * b + position]).inserted {
                    expectedNames += ["blocks.\(b).conv\(position + 1).weight", "blocks.\(b).conv\(position + 1).bias"]
                }
                expectedNames += ["blocks.\(b).\(norm).weight", "blocks.\(b).\(norm).bias"]
            }
        }
        #expect(encoder.uniqueWeights().map(\.name) == expectedNames)

        // METHODS §3.4/§6: distinct sets × (k·C·C + C) + blocks × 2 LayerNorms × 2C.
        let middle = sets * (k * C * C + C) + blocks * 2 * 2 * C
        #expect(SharingScheme.middleParameterCount(scheme: c.scheme, blocks: blocks, channels: C, kernelSize: k) == middle)
        #expect(encoder.parameterCount == middle)
        #expect(encoder.uniqueWeights().count == 2 * sets + 4 * blocks)
    }

    @Test func sharedSetsKeepTheirFirstUsesName() {
        var rng = SeededGenerator(seed: 2)
        let encoder = NextItNet(dimensions: 2, dilations: [1, 2, 4], kernelSize: 2, sharing: .adjacentBlock, rng: &rng)
        #expect(encoder.uniqueWeights().map(\.name) == [
            "blocks.0.conv1.weight", "blocks.0.conv1.bias", "blocks.0.ln1.weight", "blocks.0.ln1.bias",
            "blocks.0.conv2.weight", "blocks.0.conv2.bias", "blocks.0.ln2.weight", "blocks.0.ln2.bias",
            "blocks.1.ln1.weight", "blocks.1.ln1.bias", "blocks.1.ln2.weight", "blocks.1.ln2.bias",
            "blocks.2.conv1.weight", "blocks.2.conv1.bias", "blocks.2.ln1.weight", "blocks.2.ln1.bias",
            "blocks.2.conv2.weight", "blocks.2.conv2.bias", "blocks.2.ln2.weight", "blocks.2.ln2.bias",
        ])
        let crossLayer = NextItNet(dimensions: 2, dilations: [1, 2], kernelSize: 2, sharing: .crossLayer, rng: &rng)
        let names = crossLayer.uniqueWeights().map(\.name)
        #expect(names.filter { $0.contains("conv") } == ["blocks.0.conv1.weight", "blocks.0.conv1.bias"])
        // The model-level names a bundle stores.
        let model = Self.model(.crossBlock, dilations: [1, 2], seed: 3)
        #expect(model.uniqueWeights().map(\.name).filter { $0.contains("conv") }
                == ["blocks.0.conv1.weight", "blocks.0.conv1.bias", "blocks.0.conv2.weight", "blocks.0.conv2.bias"])
    }

    @Test func noSharingDrawsTheSameWeightsAsTheUnsharedInitialiser() {
        var a = SeededGenerator(seed: 4), b = SeededGenerator(seed: 4)
        let shared = NextItNet(dimensions: 5, dilations: [1, 4, 2], kernelSize: 3, sharing: .none, rng: &a)
        let plain = NextItNet(dimensions: 5, dilations: [1, 4, 2], kernelSize: 3, rng: &b)
        #expect(shared.uniqueWeights().map(\.name) == plain.uniqueWeights().map(\.name))
        #expect(ModelTestSupport.bits(ModelTestSupport.weights(shared)) == ModelTestSupport.bits(ModelTestSupport.weights(plain)))
        #expect(a == b)
    }

    @Test func rawValuesAreTheCommandLineNames() throws {
        #expect(SharingScheme.allCases.map(\.rawValue) == ["none", "cross-layer", "cross-block", "adjacent-layer", "adjacent-block"])
        #expect(SharingScheme(rawValue: "adjacent-block") == .adjacentBlock)
        #expect(SharingScheme(rawValue: "adjacent_block") == nil)
        let json = try JSONEncoder().encode([SharingScheme.crossBlock])
        #expect(String(decoding: json, as: UTF8.self) == #"["cross-block"]"#)
        #expect(try JSONDecoder().decode([SharingScheme].self, from: json) == [.crossBlock])
    }

    /// A shared weight's gradient is the sum of what each use contributes: the same model
    /// without sharing, every convolution holding the shared values, gives per-use gradients
    /// that must add up to the shared one.
    @Test(arguments: SharingScheme.allCases)
    func sharedGradientIsTheSumOverUses(_ scheme: SharingScheme) throws {
        let T = SequentialRecommenderTests.T, B = SequentialRecommenderTests.B
        let shared = Self.model(scheme, dilations: [1, 2, 1], seed: 5)
        let independent = Self.model(.none, dilations: [1, 2, 1], seed: 6)
        let sharedUses = shared.namedWeights(prefix: ""), independentUses = independent.namedWeights(prefix: "")
        #expect(sharedUses.map(\.name) == independentUses.map(\.name))
        for (s, i) in zip(sharedUses, independentUses) { i.weight.value.copy(from: s.weight.value) }

        let (inputs, targets) = SequentialRecommenderTests.batch()
        shared.zeroGradients()
        independent.zeroGradients()
        let a = try #require(ModelTestSupport.loss(shared, inputs, targets, batch: B, length: T))
        let b = try #require(ModelTestSupport.loss(independent, inputs, targets, batch: B, length: T))
        #expect(a == b)

        var sums: [ObjectIdentifier: [Double]] = [:]
        for (s, i) in zip(sharedUses, independentUses) {
            let g = LayerTestSupport.doubles(i.weight.gradient)
            let key = ObjectIdentifier(s.weight)
            sums[key] = zip(sums[key] ?? [Double](repeating: 0, count: g.count), g).map(+)
        }
        for p in shared.uniqueWeights() {
            let expected = try #require(sums[ObjectIdentifier(p.weight)])
            let got = LayerTestSupport.doubles(p.weight.gradient)
            let scale = max(1e-3, expected.map(abs).max() ?? 0)
            #expect(LayerTestSupport.maxAbsDifference(got, expected) <= 1e-5 * scale, "\(p.name)")
        }
    }

    /// The whole model's gradient with respect to the shared weights against finite differences.
    @Test(arguments: [SharingScheme.crossLayer, .adjacentBlock, .crossBlock, .adjacentLayer])
    func sharedWeightGradientMatchesFiniteDifferences(_ scheme: SharingScheme) throws {
        let T = SequentialRecommenderTests.T, B = SequentialRecommenderTests.B
        // Three blocks: adjacent-block shares blocks 0 and 1 and leaves block 2 alone.
        let model = Self.model(scheme, dilations: [1, 2, 1], seed: 7)
        SequentialRecommenderTests.keepReLUsAwayFromTheirKinks(model)
        var (inputs, targets) = SequentialRecommenderTests.batch()
        targets[T + 2] = 0
        model.zeroGradients()
        #expect(ModelTestSupport.loss(model, inputs, targets, batch: B, length: T) != nil)
        let parameters = model.uniqueWeights()
        let analytic = parameters.map { LayerTestSupport.doubles($0.weight.gradient) }
        let loss = { () -> Double in
            model.zeroGradients()
            return Double(ModelTestSupport.loss(model, inputs, targets, batch: B, length: T)!)
        }
        // A weight used at six places has a larger third derivative than one used once: at the
        // whole-model test's 5e-3 step, central differences of the cross-layer weight were off
        // by 0.2 % (shrinking as step², so truncation, not a ReLU kink), while below 2e-3 the
        // Float rounding noise of the loss (∝ 1 / step) takes over. At 3e-3 truncation is
        // ≈ 0.07 % and noise ≈ 5/3 of the 5e-3 budget, hence these tolerances (worst entry seen:
        // 0.3 of its allowance).
        let check = GradientCheck(step: 3e-3, absoluteTolerance: 2e-4, relativeTolerance: 2e-3, maximumEntries: 48)
        var checked = 0
        for (p, gradient) in zip(parameters, analytic) where p.name.contains("conv") {
            check.expectMatches(p.name, values: p.weight.value, analytic: gradient, loss)
            checked += 1
        }
        #expect(checked == 2 * scheme.weightSetCount(blocks: 3))
    }
}
