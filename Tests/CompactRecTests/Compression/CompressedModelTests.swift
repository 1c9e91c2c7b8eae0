import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// Whole models with a compressed input table or output item matrix: configuration, accounting,
/// bundles (the hash survives a reload), and a short training run per variant.
@Suite("Compressed table models")
struct CompressedModelTests {
    static let N = 9, C = 8, T = 5

    /// Each table kind at N = 9, C = 8, with the parameter count of its formula worked out by hand.
    static let tables: [(ItemTableKind, ItemTableSettings, Int)] = [
        (.memcom, ItemTableSettings(buckets: 4, hash: .multiplicative), 4 * 8 + 9),
        (.hashing, ItemTableSettings(buckets: 4, hash: .modulo), 4 * 8),
        (.qr, ItemTableSettings(qrCollisions: 3, qrOperation: .multiply), (3 + 3) * 8),
        (.qr, ItemTableSettings(qrCollisions: 2, qrOperation: .add), (5 + 2) * 8),
        (.lowRank, ItemTableSettings(rank: 2), 9 * 2 + 2 * 8),
        // Clusters [0, 3), [3, 6), [6, 9) of widths 8, 2, 1: 3·8 + (3·2 + 2·8) + (3·1 + 1·8).
        (.mixedDim, ItemTableSettings(mixedAlpha: 0.5, mixedDimensions: [8, 2, 1]), 24 + 22 + 11),
    ]

    static func configuration(input: ItemTableKind?, output: ItemTableKind?, settings: ItemTableSettings) -> ModelConfiguration {
        ModelConfiguration(
            itemCount: N, embeddingSize: C, dilations: [1, 2], kernelSize: 2, maxLength: T,
            inputEmbedding: input.map { InputEmbeddingKind(rawValue: $0.rawValue)! } ?? .full,
            outputLayer: output.map { OutputLayerKind(rawValue: $0.rawValue)! } ?? .fullSoftmax,
            cutoffs: [3, 6, N], inputTable: input == nil ? nil : settings, outputTable: output == nil ? nil : settings)
    }

    @Test(arguments: 0..<6)
    func accountingCountsExactlyTheTablesTensors(_ index: Int) throws {
        let (kind, settings, formula) = Self.tables[index]
        for (input, output) in [(kind, nil), (nil, kind), (kind, kind)] as [(ItemTableKind?, ItemTableKind?)] {
            let configuration = Self.configuration(input: input, output: output, settings: settings)
            try configuration.validate()
            let model = SequentialRecommender(configuration: configuration, seed: 1)
            let a = ParameterAccounting(model: model), full = ParameterAccounting.uncompressed(configuration)
            #expect(a.input == (input == nil ? Self.N * Self.C : formula), "\(kind) input")
            // The output adds the full [N] bias to its item matrix.
            #expect(a.output == (output == nil ? Self.C * Self.N + Self.N : formula + Self.N), "\(kind) output")
            #expect(a.middle == full.middle && a.uncompressedTotal == full.total)
            #expect(a.total == model.uniqueWeights().reduce(0) { $0 + $1.weight.count })
        }
    }

    /// A few Adam steps so no weight is at its initial value.
    static func trained(_ configuration: ModelConfiguration) -> SequentialRecommender {
        let model = SequentialRecommender(configuration: configuration, seed: 5)
        let adam = Adam(weights: model.uniqueWeights().map(\.weight), learningRate: 0.05)
        let (inputs, targets) = ModelTestSupport.trainingBatch([[1, 2, 3, 4, 7, 8], [8, 5, 1], [5, 6, 2, 6]], length: T)
        for _ in 0..<3 {
            model.zeroGradients()
            _ = model.trainingStep(inputs: inputs, targets: targets, batch: 3, length: T)
            adam.step()
        }
        return model
    }

    @Test(arguments: 0..<6)
    func aReloadedBundleEmbedsAndScoresBitForBit(_ index: Int) throws {
        let (kind, settings, _) = Self.tables[index]
        let model = Self.trained(Self.configuration(input: kind, output: kind, settings: settings))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("compactrec-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try ModelBundle(model: model, vocabulary: CompressedBundleTests.vocabulary, training: nil, data: [:]).write(to: directory)
        let loaded = try ModelBundle.read(from: directory)
        #expect(loaded.configuration.model == model.configuration)
        #expect(loaded.configuration.model.inputTable == settings && loaded.configuration.model.outputTable == settings)

        // Every item's input embedding, and the output's item vectors, bit for bit.
        let ids = (0..<Int32(Self.N)).map { $0 }
        func embeddings(_ table: any ItemEmbedding) -> [UInt32] {
            let out = Tensor(shape: [Self.N, Self.C])
            table.forward(ids: ids, rows: Self.N, output: out.data)
            return ModelTestSupport.bits(out.values)
        }
        #expect(embeddings(loaded.model.embedding) == embeddings(model.embedding))
        let loadedOutput = try #require(loaded.model.output as? CompressedSoftmax)
        let output = try #require(model.output as? CompressedSoftmax)
        #expect(embeddings(loadedOutput.items) == embeddings(output.items))
        let histories: [[Int32]] = [[1], [2, 3, 8], [8, 8, 8, 8, 8, 8, 8], [5, 6, 7, 1, 2]]
        #expect(ModelTestSupport.bits(ModelTestSupport.scores(loaded.model, histories: histories))
                == ModelTestSupport.bits(ModelTestSupport.scores(model, histories: histories)))
        #expect(ParameterAccounting(model: loaded.model) == ParameterAccounting(model: model))

        // The hash is rebuilt from config.json alone, identical to training's.
        if let trainedTable = model.embedding as? MEmComEmbedding, let loadedTable = loaded.model.embedding as? MEmComEmbedding {
            #expect(trainedTable.buckets == loadedTable.buckets && loadedTable.hash == .multiplicative)
            #expect(loadedTable.buckets == ItemHash.multiplicative.buckets(itemCount: Self.N, buckets: 4))
        }
        let config = try String(contentsOfFile: directory + "/config.json", encoding: .utf8)
        #expect(config.contains("\"inputTable\"") && config.contains("\"outputTable\""))
    }

    @Test func configurationsWithoutTableKeysStillDecode() throws {
        let old = #"{"itemCount": 9, "embeddingSize": 4, "dilations": [1, 2], "kernelSize": 3, "maxLength": 5, "layerNormEpsilon": 1e-05, "inputEmbedding": "block-adaptive", "cutoffs": [3, 9], "rankDivisor": 2}"#
        let c = try JSONDecoder().decode(ModelConfiguration.self, from: Data(old.utf8))
        #expect(c.inputEmbedding == .blockAdaptive && c.outputLayer == .fullSoftmax && c.rankDivisor == 2)
        #expect(c.inputTable == nil && c.outputTable == nil)
        try c.validate()

        // A table with only its size knob takes the other knobs' defaults.
        let sparse = #"{"itemCount": 9, "embeddingSize": 4, "dilations": [1], "kernelSize": 3, "maxLength": 5, "layerNormEpsilon": 1e-05, "inputEmbedding": "memcom", "inputTable": {"buckets": 3}}"#
        let s = try JSONDecoder().decode(ModelConfiguration.self, from: Data(sparse.utf8))
        #expect(s.inputTable == ItemTableSettings(buckets: 3, hash: .modulo, qrOperation: .multiply, mixedAlpha: 0.3))
        try s.validate()

        // Encoding and decoding a configuration with both tables is the identity.
        let both = Self.configuration(input: .qr, output: .mixedDim,
                                      settings: ItemTableSettings(qrCollisions: 2, qrOperation: .add, mixedDimensions: [8, 4, 1]))
        #expect(try JSONDecoder().decode(ModelConfiguration.self, from: JSONEncoder().encode(both)) == both)
    }

    @Test(arguments: [
        (ItemTableKind.memcom, ItemTableSettings(), "inputTable.buckets"),
        (.memcom, ItemTableSettings(buckets: 0), "inputTable.buckets"),
        (.hashing, ItemTableSettings(buckets: 9), "inputTable.buckets"),  // N buckets: one per item and the padding
        (.qr, ItemTableSettings(), "inputTable.qrCollisions"),
        (.qr, ItemTableSettings(qrCollisions: 10), "inputTable.qrCollisions"),
        (.lowRank, ItemTableSettings(rank: 9), "inputTable.rank"),
        (.lowRank, ItemTableSettings(rank: 0), "inputTable.rank"),
        (.mixedDim, ItemTableSettings(mixedAlpha: -1, mixedDimensions: [8, 2, 1]), "inputTable.mixedAlpha"),
        (.mixedDim, ItemTableSettings(mixedDimensions: nil), "inputTable.mixedDimensions"),
        (.mixedDim, ItemTableSettings(mixedDimensions: [8, 2]), "inputTable.mixedDimensions"),
        (.mixedDim, ItemTableSettings(mixedDimensions: [4, 2, 1]), "inputTable.mixedDimensions"),
        (.mixedDim, ItemTableSettings(mixedDimensions: [8, 0, 1]), "inputTable.mixedDimensions"),
    ])
    func everyKnobIsValidatedWithItsName(kind: ItemTableKind, settings: ItemTableSettings, location: String) {
        let c = Self.configuration(input: kind, output: nil, settings: settings)
        #expect { try c.validate() } throws: { error in
            guard let error = error as? InputError else { return false }
            return error.location == location && error.message.contains(kind.rawValue)
        }
        // The same knob on the output side names outputTable.
        let output = Self.configuration(input: nil, output: kind, settings: settings)
        #expect { try output.validate() } throws: { error in
            (error as? InputError)?.location == location.replacingOccurrences(of: "input", with: "output")
        }
    }

    @Test func aCompressedKindNeedsItsSettingsAndMixedDimItsClusters() {
        var c = Self.configuration(input: .lowRank, output: nil, settings: ItemTableSettings(rank: 2))
        c.inputTable = nil
        #expect { try c.validate() } throws: { "\($0)".contains("inputTable") }
        var mixed = Self.configuration(input: nil, output: .mixedDim, settings: ItemTableSettings(mixedDimensions: [8, 2, 1]))
        #expect(throws: Never.self) { try mixed.validate() }
        mixed.cutoffs = nil
        #expect(throws: InputError.self) { try mixed.validate() }
    }

    /// RunData (every sequence a run of consecutive items) with each variant on one side and the
    /// full layer on the other: the loss falls well below its start near log(30) = 3.4.
    @Test(arguments: [
        (ItemTableKind.memcom, ItemTableSettings(buckets: 8)),
        (.hashing, ItemTableSettings(buckets: 20)),
        (.qr, ItemTableSettings(qrCollisions: 6, qrOperation: .multiply)),
        (.qr, ItemTableSettings(qrCollisions: 6, qrOperation: .add)),
        (.lowRank, ItemTableSettings(rank: 4)),
        (.mixedDim, ItemTableSettings(mixedDimensions: [16, 8, 4])),
    ])
    func aTinyTrainingRunLowersTheLoss(kind: ItemTableKind, settings: ItemTableSettings) throws {
        let train = RunData.sequences(200, seed: 1)
        for side in ["input", "output"] {
            let configuration = ModelConfiguration(
                itemCount: RunData.items, embeddingSize: 16, dilations: [1, 2], kernelSize: 3, maxLength: 8,
                inputEmbedding: side == "input" ? InputEmbeddingKind(rawValue: kind.rawValue)! : .full,
                outputLayer: side == "output" ? OutputLayerKind(rawValue: kind.rawValue)! : .fullSoftmax,
                cutoffs: [6, 15, RunData.items],
                inputTable: side == "input" ? settings : nil, outputTable: side == "output" ? settings : nil)
            try configuration.validate()
            let model = SequentialRecommender(configuration: configuration, seed: 7)
            let summary = try Trainer(model: model, options: RunData.options(epochs: 3)).fit(train: train, validation: [])
            let losses = summary.epochs.map(\.loss)
            #expect(losses[0] > 2.5 && losses[2] < 0.7 * losses[0] && losses[2] < losses[1], "\(kind) \(side): \(losses)")
        }
    }
}
