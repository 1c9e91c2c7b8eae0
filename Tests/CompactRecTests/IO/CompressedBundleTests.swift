import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// Bundles of CpRec models: every variant combination round-trips, shared weights are stored once.
@Suite("Compressed model bundles")
struct CompressedBundleTests {
    static let N = 9, T = 5

    static func configuration(_ input: InputEmbeddingKind, _ output: OutputLayerKind, _ sharing: SharingScheme) -> ModelConfiguration {
        ModelConfiguration(itemCount: N, embeddingSize: 8, dilations: [1, 2, 1], kernelSize: 2, maxLength: T,
                           inputEmbedding: input, outputLayer: output, sharing: sharing, cutoffs: [3, 6, N], rankDivisor: 2)
    }

    /// A few Adam steps so the weights differ from any fresh initialisation.
    static func trained(_ configuration: ModelConfiguration) -> SequentialRecommender {
        let model = SequentialRecommender(configuration: configuration, seed: 5)
        let adam = Adam(weights: model.uniqueWeights().map(\.weight), learningRate: 0.05)
        let (inputs, targets) = ModelTestSupport.trainingBatch([[1, 2, 3, 4, 7, 8], [8, 5, 1]], length: T)
        for _ in 0..<3 {
            model.zeroGradients()
            _ = model.trainingStep(inputs: inputs, targets: targets, batch: 2, length: T)
            adam.step()
        }
        return model
    }

    static let vocabulary = try! Vocabulary(
        originalIds: ["<pad>", "a", "b", "c", "d", "e", "f", "g", "h"], frequencies: [0, 8, 7, 6, 5, 4, 3, 2, 1])

    @Test(arguments: [
        (InputEmbeddingKind.blockAdaptive, OutputLayerKind.treeSoftmax, SharingScheme.crossBlock),
        (.full, .treeSoftmax, .crossLayer),
        (.blockAdaptive, .fullSoftmax, .adjacentBlock),
        (.blockAdaptive, .treeSoftmax, .adjacentLayer),
    ])
    func roundTripGivesIdenticalScores(input: InputEmbeddingKind, output: OutputLayerKind, sharing: SharingScheme) throws {
        let model = Self.trained(Self.configuration(input, output, sharing))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("compactrec-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try ModelBundle(model: model, vocabulary: Self.vocabulary, training: nil, data: [:]).write(to: directory)
        let loaded = try ModelBundle.read(from: directory)

        #expect(loaded.configuration.model == model.configuration)
        let histories: [[Int32]] = [[1], [2, 3, 8], [8, 8, 8, 8, 8, 8, 8], [5, 6, 7, 1, 2]]
        #expect(ModelTestSupport.bits(ModelTestSupport.scores(loaded.model, histories: histories))
                == ModelTestSupport.bits(ModelTestSupport.scores(model, histories: histories)))
        for history in histories {
            #expect(loaded.model.recommend(history: history, count: 4) == model.recommend(history: history, count: 4))
        }

        // Shared convolutions are stored once: the file holds exactly the distinct parameters.
        let file = try SafeTensors.read(path: directory + "/model.safetensors")
        #expect(file.tensors.count == model.uniqueWeights().count)
        let convSets = file.tensors.filter { $0.name.hasSuffix("weight") && $0.name.contains(".conv") }.count
        #expect(convSets == sharing.weightSetCount(blocks: 3))
        #expect(ParameterAccounting(model: loaded.model) == ParameterAccounting(model: model))
    }

    @Test func clusteredVariantsNeedCutoffs() {
        var c = Self.configuration(.blockAdaptive, .fullSoftmax, .none)
        c.cutoffs = nil
        #expect(throws: InputError.self) { try c.validate() }
        c.cutoffs = [3, 6, Self.N + 1]
        #expect(throws: InputError.self) { try c.validate() }
        c.cutoffs = [3, 6, Self.N]
        #expect(throws: Never.self) { try c.validate() }
    }

    @Test func configurationsWithoutVariantKeysDecodeAsUncompressed() throws {
        let json = #"{"itemCount": 9, "embeddingSize": 4, "dilations": [1, 2], "kernelSize": 3, "maxLength": 5, "layerNormEpsilon": 1e-05}"#
        let c = try JSONDecoder().decode(ModelConfiguration.self, from: Data(json.utf8))
        #expect(c.inputEmbedding == .full && c.outputLayer == .fullSoftmax && c.encoder.nextItNet?.sharing == SharingScheme.none)
        #expect(c.cutoffs == nil && c.rankDivisor == 4)
    }

    @Test func compressedModelIsSmallerAsTheFormulasSay() {
        let model = SequentialRecommender(configuration: Self.configuration(.blockAdaptive, .treeSoftmax, .crossLayer), seed: 1)
        let a = ParameterAccounting(model: model)
        let C = 8, k = 2
        // Input (METHODS §3.2): k_1·d + Σ (k_j·d_j + d_j·d) with d_j = 8/2^(j-1): 3·8 + (3·4 + 4·8) + (3·2 + 2·8).
        #expect(a.input == 3 * C + (3 * 4 + 4 * C) + (3 * 2 + 2 * C))
        // Middle: one shared conv set (k·C·C + C) and 3 blocks × 2 LayerNorms × 2C.
        #expect(a.middle == (k * C * C + C) + 3 * 2 * 2 * C)
        // Output: head C·(k_1 + 2) + (k_1 + 2); tails C·d_j + d_j·k_j + k_j.
        #expect(a.output == C * 5 + 5 + (C * 4 + 4 * 3 + 3) + (C * 2 + 2 * 3 + 3))
        #expect(a.uncompressedTotal == ParameterAccounting.uncompressed(model.configuration).total)
        #expect(a.compressionRatio > 1)
    }
}
