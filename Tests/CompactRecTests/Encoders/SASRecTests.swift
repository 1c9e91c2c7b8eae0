import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// SASRec: gradients of every parameter against finite differences (with and without dropout),
/// the serving path against the full forward, padding that is never attended to, causality,
/// and a bundle that round-trips.
@Suite("SASRec")
struct SASRecTests {
    static let T = 6, B = 2, N = 11, C = 4

    static func configuration(layers: Int = 2, heads: Int = 2, inner: Int = 6, dropout: Float = 0, length T: Int = T,
                              tied: Bool = false, sharing: SharingScheme = .none) -> ModelConfiguration {
        ModelConfiguration(
            itemCount: N, embeddingSize: C, maxLength: T,
            encoder: .sasRec(SASRecConfiguration(layers: layers, heads: heads, innerSize: inner, dropout: dropout,
                                                 attentionDropout: dropout, sharing: sharing)),
            tiedEmbeddings: tied)
    }

    /// A model whose weights are far from RecBole's N(0, 0.02²) start, so that every path
    /// carries a gradient well above the finite differences' noise.
    static func model(layers: Int = 2, heads: Int = 2, dropout: Float = 0, length T: Int = T, tied: Bool = false,
                      sharing: SharingScheme = .none, seed: UInt64 = 5) -> SequentialRecommender {
        let model = SequentialRecommender(
            configuration: configuration(layers: layers, heads: heads, dropout: dropout, length: T, tied: tied, sharing: sharing),
            seed: seed)
        var rng = SeededGenerator(seed: seed &+ 100)
        for named in model.uniqueWeights() {
            let p = named.weight.value
            if named.name.hasSuffix("ln1.weight") || named.name.hasSuffix("ln2.weight") || named.name.hasSuffix("ln_input.weight") {
                for i in 0..<p.count { p.data[i] = 0.6 + 0.8 * rng.nextUniform() }
            } else if named.name == "item_embedding.weight" {
                p.fillNormal(std: 1, using: &rng)
                p.data.update(repeating: 0, count: C)
            } else {
                p.fillNormal(std: 0.5, using: &rng)
            }
        }
        return model
    }

    static let sequences: [[Int32]] = [[3, 7, 1, 9], [2, 5, 10, 4, 4, 8, 6, 1]]

    @Test(arguments: [(2, 2, Float(0), false, SharingScheme.none), (1, 1, Float(0), false, .none), (2, 2, Float(0.3), false, .none),
                      (1, 2, Float(0.3), true, .none), (2, 2, Float(0.2), false, .crossLayer)])
    func lossGradientMatchesFiniteDifferencesForEveryParameter(layers: Int, heads: Int, dropout: Float, tied: Bool,
                                                              sharing: SharingScheme) {
        let T = Self.T, B = Self.B
        let model = Self.model(layers: layers, heads: heads, dropout: dropout, tied: tied, sharing: sharing)
        var (inputs, targets) = ModelTestSupport.trainingBatch(Self.sequences, length: T)
        targets[T + 2] = 0  // a masked position inside a row as well
        let seed: UInt64 = 0xD0D0
        let loss = { () -> Double in
            model.zeroGradients()
            return Double(model.trainingStep(inputs: inputs, targets: targets, batch: B, length: T, dropoutSeed: seed)!)
        }
        _ = loss()
        let analytic = model.uniqueWeights().map { LayerTestSupport.doubles($0.weight.gradient) }
        let check = GradientCheck(step: 2e-3, absoluteTolerance: 2e-4, relativeTolerance: 2e-3, maximumEntries: 48)
        var names: [String] = []
        for (p, gradient) in zip(model.uniqueWeights(), analytic) {
            names.append(p.name)
            var entries = check.entries(count: p.weight.count)
            if p.name == "item_embedding.weight" && !tied {
                #expect(gradient[0..<Self.C].allSatisfy { $0 == 0 })
                entries.removeAll { $0 < Self.C }
            }
            // q·b_k is the same for every key of a query, and softmax ignores a shift: the key
            // bias has no gradient at all, and the analytic one must be (numerically) zero too.
            let keyBias = p.name.hasSuffix("attention.key.bias")
            if keyBias { #expect(gradient.allSatisfy { abs($0) < 1e-5 }, "\(p.name): \(gradient)") }
            check.expectMatches(p.name, values: p.weight.value, analytic: gradient, entries: entries, mayBeZero: keyBias, loss)
        }
        let block = ["query", "key", "value", "output"].flatMap { ["attention.\($0).weight", "attention.\($0).bias"] }
            + ["ln1.weight", "ln1.bias", "ffn_in.weight", "ffn_in.bias", "ffn_out.weight", "ffn_out.bias", "ln2.weight", "ln2.bias"]
        // A shared set appears once, under block 0's names.
        let blocks = (0..<layers).flatMap { l in
            block.filter { l == 0 || sharing != .crossLayer || $0.hasPrefix("ln") }.map { "blocks.\(l).\($0)" }
        }
        // A tied output's table is the input's: one parameter, under the input's name.
        #expect(names == ["item_embedding.weight", "positions", "ln_input.weight", "ln_input.bias"] + blocks
                + (tied ? ["output.bias"] : ["output.weight", "output.bias"]))
        #expect(model.parameterCount == ParameterAccounting(configuration: model.configuration).total)
        #expect(ParameterAccounting(model: model) == ParameterAccounting(configuration: model.configuration))
        // SASRec's uncompressed reference is tied (one table): an untied model is the larger one.
        let accounting = ParameterAccounting(model: model)
        if sharing == .none { #expect(tied ? accounting.compressionRatio == 1 : accounting.compressionRatio < 1) }
    }

    @Test func dropoutChangesTheLossAndTheSameSeedGivesTheSameLoss() {
        let model = Self.model(dropout: 0.5)
        let (inputs, targets) = ModelTestSupport.trainingBatch(Self.sequences, length: Self.T)
        func loss(_ seed: UInt64) -> Float {
            model.zeroGradients()
            return model.trainingStep(inputs: inputs, targets: targets, batch: Self.B, length: Self.T, dropoutSeed: seed)!
        }
        #expect(loss(1) == loss(1))
        #expect(loss(1) != loss(2))
        // Serving never drops: the scores are those of a model without dropout.
        let plain = Self.model(dropout: 0)
        let histories: [[Int32]] = [[3, 7], [2, 5, 10, 4, 4, 8, 6]]
        #expect(ModelTestSupport.scores(model, histories: histories) == ModelTestSupport.scores(plain, histories: histories))
    }

    @Test func theLastPositionPathEqualsTheFullForward() {
        for layers in [1, 3] {
            let model = Self.model(layers: layers, length: 7)
            let T = 7, B = 3
            let inputs: [Int32] = [0, 0, 0, 0, 3, 7, 1, /**/ 2, 5, 10, 4, 4, 8, 6, /**/ 0, 0, 0, 0, 0, 0, 9]
            let full = ModelTestSupport.hiddenStates(model, inputs, batch: B, length: T)
            let last = inputs.withUnsafeBufferPointer {
                Array(UnsafeBufferPointer(start: model.finalHidden(inputs: $0.baseAddress!, batch: B, length: T), count: B * Self.C))
            }
            for s in 0..<B {
                for c in 0..<Self.C {
                    let a = full[(s * T + T - 1) * Self.C + c], b = last[s * Self.C + c]
                    #expect(abs(a - b) <= 1e-5 * max(1, abs(a)), "layers \(layers) sequence \(s) channel \(c): \(a) vs \(b)")
                }
            }
        }
    }

    @Test func paddingIsNeverAttendedTo() {
        // The same history in a window of its own length and left-padded to T: the same hidden
        // states at its positions, though the padding's positions have embeddings of their own.
        let model = Self.model()
        let history: [Int32] = [3, 7, 1]
        let short = ModelTestSupport.hiddenStates(model, history, batch: 1, length: 3)
        let padded = ModelTestSupport.hiddenStates(model, [0, 0, 0] + history, batch: 1, length: 6)
        let worst = zip(short, padded[(3 * Self.C)...]).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-5)
        // And without the masking the padding would matter: a different padded prefix changes it.
        let other = ModelTestSupport.hiddenStates(model, [0, 0, 5] + history, batch: 1, length: 6)
        #expect(zip(other[(3 * Self.C)...], padded[(3 * Self.C)...]).contains { abs($0 - $1) > 1e-3 })
    }

    @Test func aPositionSeesOnlyItsPast() {
        let model = Self.model()
        let a: [Int32] = [3, 7, 1, 9, 2, 4], b: [Int32] = [3, 7, 1, 5, 8, 8]
        let ha = ModelTestSupport.hiddenStates(model, a, batch: 1, length: 6)
        let hb = ModelTestSupport.hiddenStates(model, b, batch: 1, length: 6)
        let C = Self.C
        #expect(Array(ha[0..<(3 * C)]) == Array(hb[0..<(3 * C)]))
        #expect(Array(ha[(3 * C)...]) != Array(hb[(3 * C)...]))
    }

    @Test func sharingSchemesShareWhatTheyStateAndTheGradientAddsUpOverTheUses() {
        for (scheme, attentionSets, feedForwardSets) in [(SharingScheme.none, 3, 3), (.crossLayer, 1, 1), (.crossBlock, 1, 3),
                                                         (.adjacentBlock, 2, 2)] {
            let model = Self.model(layers: 3, sharing: scheme)
            let encoder = model.encoder as! SASRec
            let attention = Set(encoder.blocks.map { ObjectIdentifier($0.attention.query.weight) })
            let feedForward = Set(encoder.blocks.map { ObjectIdentifier($0.feedForwardIn.weight) })
            #expect(attention.count == attentionSets && feedForward.count == feedForwardSets, "\(scheme)")
            #expect(Set(encoder.blocks.map { ObjectIdentifier($0.norm1.gain) }).count == 3, "LayerNorms are never shared")
            #expect(model.parameterCount == ParameterAccounting(configuration: model.configuration).total, "\(scheme)")
        }
        // The unshared model is what `none` draws, and the reference of every scheme's ratio.
        let shared = ParameterAccounting(model: Self.model(layers: 3, sharing: .crossLayer))
        #expect(shared.uncompressedTotal == ParameterAccounting(model: Self.model(layers: 3, tied: true, sharing: .none)).total)
        #expect(throws: InputError.self) { try SASRecConfiguration(sharing: .adjacentLayer).validate(channels: 64) }
    }

    @Test func theParameterFormulaCountsTheModelsParameters() {
        for (layers, heads, inner) in [(1, 1, 6), (2, 2, 6), (3, 4, 16)] {
            let config = SASRecConfiguration(layers: layers, heads: heads, innerSize: inner)
            let encoder = SASRec(configuration: config, dimensions: 8, maxLength: 9, rng: &Self.rng)
            #expect(config.parameterCount(channels: 8, maxLength: 9) == encoder.parameterCount)
        }
    }

    nonisolated(unsafe) static var rng = SeededGenerator(seed: 1)

    @Test func settingsThatCannotBuildAnEncoderAreRefused() {
        #expect(throws: InputError.self) { try SASRecConfiguration(heads: 3).validate(channels: 64) }
        #expect(throws: InputError.self) { try SASRecConfiguration(dropout: 1).validate(channels: 64) }
        #expect(throws: InputError.self) { try SASRecConfiguration(layers: 0).validate(channels: 64) }
        #expect(throws: Never.self) { try SASRecConfiguration().validate(channels: 64) }
    }

    @Test func aBundleRoundTripsWithTheSameScores() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let model = Self.model(dropout: 0.2)
            let vocabulary = try Vocabulary(originalIds: (0..<Self.N).map { $0 == 0 ? "<pad>" : "i\($0)" },
                                            frequencies: (0..<Self.N).map { $0 == 0 ? 0 : 20 - $0 })
            try ModelBundle(model: model, vocabulary: vocabulary, training: nil, data: [:]).write(to: directory + "/b")
            let bundle = try ModelBundle.read(from: directory + "/b")
            #expect(bundle.model.configuration == model.configuration)
            #expect(bundle.model.encoder is SASRec)
            let histories: [[Int32]] = [[1], [2, 3, 4], [5, 6, 7, 1, 2, 8, 9, 10]]
            #expect(ModelTestSupport.bits(ModelTestSupport.scores(bundle.model, histories: histories))
                    == ModelTestSupport.bits(ModelTestSupport.scores(model, histories: histories)))
        }
    }
}

@Suite("Dropout and GELU")
struct DropoutAndGELUTests {
    @Test func dropoutKeepsItsShareScalesAndRepeats() {
        let dropout = Dropout(rate: 0.3, seed: 42)
        let n = 200_000
        var kept = 0
        for i in 0..<n {
            let f = dropout.factor(i)
            #expect(f == 0 || f == 1 / Float(0.7))
            if f != 0 { kept += 1 }
        }
        // Binomial: the standard deviation of the kept share is sqrt(0.21 / n) ≈ 0.001.
        #expect(abs(Double(kept) / Double(n) - 0.7) < 0.005)
        #expect((0..<1000).map(dropout.factor) == (0..<1000).map(Dropout(rate: 0.3, seed: 42).factor))
        #expect((0..<1000).map(dropout.factor) != (0..<1000).map(dropout.site(1).factor))
        #expect((0..<1000).map(dropout.factor) != (0..<1000).map(Dropout(rate: 0.3, seed: 43).factor))
        #expect((0..<1000).allSatisfy { Dropout(rate: 0, seed: 9).factor($0) == 1 })
    }

    @Test func geluMatchesTheErfFormulaAndItsDerivative() {
        let xs = stride(from: -8.0, through: 8.0, by: 0.01).map { Float($0) }
        var out = [Float](repeating: 0, count: xs.count), dx = out
        let ones = [Float](repeating: 1, count: xs.count)
        GELU.forward(xs, into: &out, count: xs.count)
        GELU.backward(input: xs, outputGradient: ones, inputGradient: &dx, count: xs.count)
        for (i, x) in xs.enumerated() {
            let d = Double(x)
            let exact = 0.5 * d * (1 + erf(d / 2.0.squareRoot()))
            let derivative = 0.5 * (1 + erf(d / 2.0.squareRoot())) + d * exp(-d * d / 2) / (2 * Double.pi).squareRoot()
            #expect(abs(Double(out[i]) - exact) < 2e-6 * max(1, abs(d)), "gelu(\(x))")
            #expect(abs(Double(dx[i]) - derivative) < 2e-6 * max(1, abs(d)), "gelu'(\(x))")
        }
    }
}

/// Every item-table variant composes with SASRec: the configuration a run asks for builds, a
/// few steps lower the loss, and the model's answers survive a bundle.
@Suite("SASRec with every compression variant")
struct SASRecCompositionTests {
    static let N = 40, T = 6

    static let variants: [(input: InputEmbeddingKind, output: OutputLayerKind, given: Set<RunSetting>)] = [
        (.blockAdaptive, .treeSoftmax, [.cutoffs]), (.memcom, .fullSoftmax, [.inputRatio]), (.full, .memcom, [.outputRatio]),
        (.hashing, .hashing, [.inputRatio, .outputRatio]), (.qr, .qr, [.inputRatio, .outputRatio]),
        (.lowRank, .lowRank, [.inputRatio, .outputRatio]), (.mixedDim, .mixedDim, [.inputRatio, .outputRatio]),
        (.full, .treeSoftmax, [.cutoffs]),
    ]

    @Test(arguments: 0..<8)
    func trainsAndRoundTrips(_ index: Int) throws {
        let variant = Self.variants[index]
        var specification = RunSpecification()
        specification.model.encoder = VariantName(.sasrec)
        specification.model.embeddingSize = 8
        specification.model.maxLength = Self.T
        specification.model.innerSize = 16
        specification.model.inputEmbedding = VariantName(variant.input)
        specification.model.outputLayer = VariantName(variant.output)
        specification.model.cutoffs = "10,25"
        specification.model.inputTable.ratio = 2
        specification.model.outputTable.ratio = 2
        let given = variant.given.union([.encoder, .inputEmbedding, .outputLayer])
        try specification.validate(given: given, names: .planKeys)
        let frequencies = (0..<Self.N).map { $0 == 0 ? 0 : 100 - 2 * $0 }
        let configuration = try specification.modelConfiguration(itemCount: Self.N, frequencies: frequencies, given: given,
                                                                 names: .planKeys)
        #expect(configuration.encoder.sasRec != nil && !configuration.tiedEmbeddings)
        let model = SequentialRecommender(configuration: configuration, seed: 3)
        #expect(model.encoder is SASRec)
        let adam = Adam(weights: model.uniqueWeights().map(\.weight), learningRate: 0.02)
        let (inputs, targets) = ModelTestSupport.trainingBatch([[1, 2, 3, 4, 7, 8, 30], [8, 5, 1, 12], [5, 6, 2, 6, 39]], length: Self.T)
        var losses: [Float] = []
        for step in 0..<8 {
            model.zeroGradients()
            losses.append(model.trainingStep(inputs: inputs, targets: targets, batch: 3, length: Self.T, dropoutSeed: UInt64(step))!)
            adam.step()
        }
        #expect(losses.allSatisfy(\.isFinite) && losses.last! < losses.first!, "\(variant): \(losses)")
        try IOTestSupport.withTemporaryDirectory { directory in
            let vocabulary = try Vocabulary(originalIds: (0..<Self.N).map { $0 == 0 ? "<pad>" : "i\($0)" }, frequencies: frequencies)
            try ModelBundle(model: model, vocabulary: vocabulary, training: nil, data: [:]).write(to: directory + "/b")
            let bundle = try ModelBundle.read(from: directory + "/b")
            let histories: [[Int32]] = [[1], [2, 3, 4], [5, 6, 7, 1, 2, 8, 9, 10]]
            #expect(ModelTestSupport.bits(ModelTestSupport.scores(bundle.model, histories: histories))
                    == ModelTestSupport.bits(ModelTestSupport.scores(model, histories: histories)))
        }
    }
}
