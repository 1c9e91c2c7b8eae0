import Testing

@testable import CompactRec
@testable import CompactRecRuntime

struct AccountingCase: Sendable, CustomTestStringConvertible {
    let items: Int, channels: Int, dilations: [Int], kernelSize: Int
    var testDescription: String { "N=\(items) C=\(channels) dilations=\(dilations) k=\(kernelSize)" }

    static let all: [AccountingCase] = [
        AccountingCase(items: 11, channels: 4, dilations: [1, 2], kernelSize: 3),
        AccountingCase(items: 50, channels: 8, dilations: [1, 4, 1, 4], kernelSize: 3),
        AccountingCase(items: 7, channels: 5, dilations: [2], kernelSize: 2),
        AccountingCase(items: 2, channels: 1, dilations: [1], kernelSize: 1),
        AccountingCase(items: 101, channels: 16, dilations: [1, 2, 4], kernelSize: 5),
    ]
}

@Suite("ParameterAccounting")
struct ParameterAccountingTests {
    @Test(arguments: AccountingCase.all)
    func countsMatchTheNextItNetFormula(_ c: AccountingCase) {
        let N = c.items, C = c.channels, k = c.kernelSize, blocks = c.dilations.count
        let model = ModelTestSupport.model(items: N, channels: C, dilations: c.dilations, kernelSize: k, length: 5, seed: 1)
        let accounting = ParameterAccounting(model: model)
        // METHODS §2/§6 by hand: table N·C; per block two convolutions of k·C·C weights + C
        // biases and two LayerNorms of C gains + C biases; softmax C·N weights + N biases.
        let input = N * C
        let middle = blocks * (2 * (k * C * C + C) + 2 * (C + C))
        let output = C * N + N
        #expect(accounting.input == input)
        #expect(accounting.middle == middle)
        #expect(accounting.output == output)
        #expect(accounting.total == input + middle + output)
        #expect(accounting.uncompressedTotal == input + middle + output)
        #expect(accounting.compressionRatio == 1)
        #expect(accounting.bytes == 4 * (input + middle + output))
        #expect(ParameterAccounting.uncompressed(model.configuration) == accounting)

        let unique = model.uniqueWeights()
        #expect(unique.reduce(0) { $0 + $1.weight.count } == accounting.total)
        #expect(model.parameterCount == accounting.total)
        #expect(unique.reduce(0) { $0 + $1.weight.shape.reduce(1, *) } == accounting.total)

        let dictionary = accounting.dictionary
        #expect(dictionary["params"] == Double(input + middle + output))
        #expect(dictionary["params_input"] == Double(input))
        #expect(dictionary["params_middle"] == Double(middle))
        #expect(dictionary["params_output"] == Double(output))
        #expect(dictionary["compression_ratio"] == 1)
    }

    @Test func namesAndShapesAreTheDottedPaths() throws {
        let N = 13, C = 3, k = 2
        let model = ModelTestSupport.model(items: N, channels: C, dilations: [1, 4], kernelSize: k, length: 5, seed: 2)
        let expected: [(String, [Int])] = [
            ("item_embedding.weight", [N, C]),
            ("blocks.0.conv1.weight", [C, k, C]), ("blocks.0.conv1.bias", [C]),
            ("blocks.0.ln1.weight", [C]), ("blocks.0.ln1.bias", [C]),
            ("blocks.0.conv2.weight", [C, k, C]), ("blocks.0.conv2.bias", [C]),
            ("blocks.0.ln2.weight", [C]), ("blocks.0.ln2.bias", [C]),
            ("blocks.1.conv1.weight", [C, k, C]), ("blocks.1.conv1.bias", [C]),
            ("blocks.1.ln1.weight", [C]), ("blocks.1.ln1.bias", [C]),
            ("blocks.1.conv2.weight", [C, k, C]), ("blocks.1.conv2.bias", [C]),
            ("blocks.1.ln2.weight", [C]), ("blocks.1.ln2.bias", [C]),
            ("output.weight", [C, N]), ("output.bias", [N]),
        ]
        let named = model.namedWeights(prefix: "")
        #expect(named.map(\.name) == expected.map(\.0))
        #expect(named.map(\.weight.shape) == expected.map(\.1))
        #expect(model.uniqueWeights().map(\.name) == expected.map(\.0))
        #expect(Set(named.map { ObjectIdentifier($0.weight) }).count == expected.count)
        #expect(model.namedWeights(prefix: "m").first?.name == "m.item_embedding.weight")

        // Block i's convolutions dilate r and 2r.
        let encoder = try #require(model.encoder as? NextItNet)
        #expect(encoder.blocks.map(\.conv1.dilation) == [1, 4])
        #expect(encoder.blocks.map(\.conv2.dilation) == [2, 8])
        #expect(encoder.blocks.allSatisfy { $0.conv1.kernelSize == k && $0.conv2.kernelSize == k })
    }

    @Test func aSharedConvolutionIsCountedOnceAndTheRatioReflectsIt() {
        let N = 20, C = 4, k = 3, dilations = [1, 2, 1]
        let configuration = ModelConfiguration(itemCount: N, embeddingSize: C, dilations: dilations, kernelSize: k, maxLength: 5)
        var rng = SeededGenerator(seed: 4)
        // Cross-layer sharing: one weight set for all six convolutions (each with its dilation).
        let shared = CausalConv1d(channels: C, kernelSize: k, dilation: 1, rng: &rng)
        let encoder = NextItNet(dimensions: C, dilations: dilations, kernelSize: k) { _, _, r in
            CausalConv1d(channels: C, kernelSize: k, dilation: r, weight: shared.weight, bias: shared.bias)
        }
        let model = SequentialRecommender(
            configuration: configuration, embedding: Embedding(count: N, dimensions: C, rng: &rng), encoder: encoder,
            output: FullSoftmax(itemCount: N, dimensions: C, rng: &rng))
        let accounting = ParameterAccounting(model: model)
        let middle = (k * C * C + C) + dilations.count * 2 * (C + C)
        #expect(accounting.middle == middle)
        #expect(accounting.total == N * C + middle + C * N + N)
        let uncompressed = N * C + dilations.count * (2 * (k * C * C + C) + 4 * C) + C * N + N
        #expect(accounting.uncompressedTotal == uncompressed)
        #expect(abs(accounting.compressionRatio - Double(uncompressed) / Double(accounting.total)) < 1e-12)
        #expect(model.namedWeights(prefix: "").count == 1 + dilations.count * 8 + 2)
        let unique = model.uniqueWeights().map(\.name)
        #expect(unique.contains("blocks.0.conv1.weight") && !unique.contains("blocks.0.conv2.weight"))
        #expect(!unique.contains("blocks.2.conv1.weight"))
        #expect(unique.contains("blocks.2.ln2.weight"))  // LayerNorms are never shared
    }
}
