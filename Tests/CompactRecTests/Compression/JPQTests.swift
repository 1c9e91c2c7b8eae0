import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// RecJPQ item codes: the formulas, product-quantised scoring, gradients, code assignment,
/// tying, the run specification's knobs and the bundle's U8 codes.
@Suite("JPQ item codes")
struct JPQTests {
    static func table(itemCount N: Int, dimensions C: Int, splits m: Int, seed: UInt64) -> JPQEmbedding {
        var rng = SeededGenerator(seed: seed)
        let settings = ItemTableSettings(jpqSplits: m)
        return settings.makeTable(.jpq, itemCount: N, dimensions: C, clusters: nil, standardDeviation: 0.5, rng: &rng) as! JPQEmbedding
    }

    /// A SASRec model of N items, C = 8, with a jpq input and output (tied or not).
    static func configuration(itemCount N: Int, splits m: Int, input: InputEmbeddingKind = .jpq, output: OutputLayerKind = .jpq,
                              tied: Bool) -> ModelConfiguration {
        let jpq = ItemTableSettings(jpqSplits: m)
        return ModelConfiguration(
            itemCount: N, embeddingSize: 8, maxLength: 6, encoder: .sasRec(SASRecConfiguration(innerSize: 16)),
            inputEmbedding: input, outputLayer: output, inputTable: input == .jpq ? jpq : nil,
            outputTable: output == .jpq ? jpq : nil, tiedEmbeddings: tied)
    }

    // MARK: Formulas

    @Test func parameterAndByteFormulas() throws {
        let N = 300, C = 8
        let sasrec = ParameterAccounting.uncompressed(Self.configuration(itemCount: N, splits: 4, tied: true)).middle
        // (input, output, tied, parameters of the input, of the output, code bytes)
        let cases: [(InputEmbeddingKind, OutputLayerKind, Bool, Int, Int, Int)] = [
            (.jpq, .jpq, true, 256 * C, N, N * 4),                   // one table: 256·C floats, N·m bytes once
            (.jpq, .jpq, false, 256 * C, 256 * C + N, 2 * N * 4),    // two tables, two code tensors
            (.jpq, .fullSoftmax, false, 256 * C, C * N + N, N * 4),
            (.full, .jpq, false, N * C, 256 * C + N, N * 4),
        ]
        for (input, output, tied, inputCount, outputCount, codeBytes) in cases {
            let configuration = Self.configuration(itemCount: N, splits: 4, input: input, output: output, tied: tied)
            try configuration.validate()
            let formula = ParameterAccounting(configuration: configuration)
            #expect(formula.input == inputCount && formula.output == outputCount && formula.middle == sasrec, "\(input) \(output) \(tied)")
            #expect(formula.codeBytes == codeBytes)
            // Codes are bytes, not floats: 4 bytes a parameter plus 1 a code byte.
            #expect(formula.bytes == 4 * (inputCount + sasrec + outputCount) + codeBytes)
            #expect(formula.dictionary["bytes_codes"] == Double(codeBytes))
            let model = SequentialRecommender(configuration: configuration, seed: 1)
            #expect(ParameterAccounting(model: model) == formula, "the built model agrees with the formulas")
        }
        // The float count does not depend on m: m·256·(C/m).
        for m in [1, 2, 4, 8] {
            #expect(ItemTableSettings(jpqSplits: m).parameterCount(.jpq, itemCount: N, dimensions: C, clusters: nil) == 256 * C)
            #expect(ItemTableSettings(jpqSplits: m).codeBytes(.jpq, itemCount: N) == N * m)
        }
        #expect(ParameterAccounting(configuration: Self.configuration(itemCount: N, splits: 4, input: .full, output: .fullSoftmax,
                                                                      tied: true)).dictionary["bytes_codes"] == nil)
    }

    @Test func splitsMustDivideTheEmbeddingSize() {
        var settings = ItemTableSettings(jpqSplits: 3)
        #expect { try settings.validate(.jpq, itemCount: 10, dimensions: 8, clusters: nil, key: "inputTable") } throws: {
            "\($0)".contains("divides the embedding size C = 8, got 3")
        }
        settings.jpqSplits = nil
        #expect(throws: InputError.self) { try settings.validate(.jpq, itemCount: 10, dimensions: 8, clusters: nil, key: "inputTable") }
        // Tied tables must be one table: the same settings on both sides.
        var configuration = Self.configuration(itemCount: 20, splits: 4, tied: true)
        configuration.outputTable = ItemTableSettings(jpqSplits: 2)
        #expect(throws: InputError.self) { try configuration.validate() }
        var full = Self.configuration(itemCount: 20, splits: 4, input: .jpq, output: .fullSoftmax, tied: true)
        #expect { try full.validate() } throws: { "\($0)".contains("or a jpq input and a jpq output") }
        full.tiedEmbeddings = false
        #expect(throws: Never.self) { try full.validate() }
    }

    // MARK: Scoring

    /// The PQ sum of m lookups equals the product with the reconstructed [N, C] table, for the
    /// unrolled splits (4, 8) and the general loop (2, 3), over more than 256 items.
    @Test(arguments: [(16, 4), (16, 8), (16, 2), (12, 3), (8, 1)])
    func pqScoringEqualsTheDenseProductOfTheReconstructedTable(_ shape: (Int, Int)) {
        let (C, m) = shape, N = 1000, B = 5
        let table = Self.table(itemCount: N, dimensions: C, splits: m, seed: 7)
        var rng = SeededGenerator(seed: 8)
        let hidden = LayerTestSupport.normal([B, C], &rng)
        let out = Tensor(shape: [B, N])
        out.fill(.nan)
        table.scoreItems(hidden: hidden.data, rows: B, output: out.data)
        let E = table.reconstructed()
        #expect(E[0..<C].allSatisfy { $0 == 0 }, "padding's row is zero")
        var worst = 0.0
        for b in 0..<B {
            for x in 0..<N {
                let dense = (0..<C).reduce(0.0) { $0 + Double(hidden.data[b * C + $1]) * Double(E[x * C + $1]) }
                worst = max(worst, abs(dense - Double(out.data[b * N + x])))
            }
            #expect(out.data[b * N] == 0)
        }
        #expect(worst <= 1e-4, "C = \(C), m = \(m): \(worst)")
        // The reconstructed table is the concatenation of each item's sub-ids' vectors.
        let x = 777, w = C / m
        for s in 0..<m {
            let row = Array(table.subItems.value.values[((s * 256 + table.codes.code(item: x, split: s)) * w)...].prefix(w))
            #expect(Array(E[(x * C + s * w)..<(x * C + s * w + w)]) == row)
        }
    }

    /// Full ranking and exact top-K over a JPQ output score every item with the PQ kernel and
    /// agree with ranking the dense scores.
    @Test func topKOfAJPQOutputIsTheTopOfItsScores() {
        let N = 600, C = 8, B = 3
        var rng = SeededGenerator(seed: 9)
        let layer = CompressedSoftmax(items: Self.table(itemCount: N, dimensions: C, splits: 4, seed: 10), rng: &rng)
        let hidden = LayerTestSupport.normal([B, C], &rng)
        var statistics = RankingStatistics()
        let best = layer.topK(hidden: hidden.data, rows: B, k: 10, pruning: .none, statistics: &statistics)
        let scores = Tensor(shape: [B, N])
        layer.scores(hidden: hidden.data, rows: B, output: scores.data)
        for b in 0..<B {
            let row = (1..<N).map { (item: $0, score: scores.data[b * N + $0]) }
                .sorted { $0.score != $1.score ? $0.score > $1.score : $0.item < $1.item }
            #expect(best[b].map(\.item) == row.prefix(10).map(\.item))
        }
    }

    // MARK: Gradients

    /// The entries of S some item in `ids` uses, for a check that is not vacuous: the other
    /// rows of a split take no gradient.
    static func usedEntries(_ table: JPQEmbedding, items: some Sequence<Int>) -> [Int] {
        let w = table.splitWidth
        var entries = Set<Int>()
        for x in items where x != 0 {
            for s in 0..<table.splits {
                for c in 0..<w { entries.insert((s * 256 + table.codes.code(item: x, split: s)) * w + c) }
            }
        }
        return entries.sorted()
    }

    @Test func embeddingGradientsMatchFiniteDifferences() {
        let N = 30, C = 6, m = 3
        let table = Self.table(itemCount: N, dimensions: C, splits: m, seed: 11)
        let ids: [Int32] = [5, 0, 1, 29, 5, 3, 17, 0, 6]
        var rng = SeededGenerator(seed: 12)
        let r = LayerTestSupport.normal([ids.count, C], &rng)
        let before = LayerTestSupport.prefillGradient(table.subItems, &rng)
        table.backward(ids: ids, rows: ids.count, outputGradient: r.data)
        let added = LayerTestSupport.accumulated(table.subItems, since: before)
        let out = Tensor(shape: [ids.count, C])
        let loss = {
            table.forward(ids: ids, rows: ids.count, output: out.data)
            return LayerTestSupport.probe(out.data, r)
        }
        let used = Self.usedEntries(table, items: ids.map(Int.init))
        let check = GradientCheck(step: 0.05, absoluteTolerance: 2e-5, relativeTolerance: 1e-4)
        check.expectMatches("jpq sub_items", values: table.subItems.value, analytic: added, entries: used, loss)
        // Rows no item of the batch uses take nothing (padding's code included).
        let unused = Set(0..<table.subItems.count).subtracting(used)
        #expect(unused.allSatisfy { added[$0] == 0 })
    }

    @Test func outputGradientsMatchFiniteDifferences() {
        let N = 40, C = 8, m = 4
        var rng = SeededGenerator(seed: 13)
        let layer = CompressedSoftmax(items: Self.table(itemCount: N, dimensions: C, splits: m, seed: 14), rng: &rng)
        let table = layer.items as! JPQEmbedding
        let targets: [Int32] = [6, 1, 39, 3, 6, 9]
        let M = targets.count
        let hidden = LayerTestSupport.normal([M, C], &rng)
        let dH = Tensor(shape: [M, C])
        let before = LayerTestSupport.prefillGradient(table.subItems, &rng)
        _ = layer.lossAndBackward(hidden: hidden.data, targets: targets, rows: M, hiddenGradient: dH.data)
        let added = LayerTestSupport.accumulated(table.subItems, since: before)
        let scores = Tensor(shape: [M, N])
        let loss = {
            layer.scores(hidden: hidden.data, rows: M, output: scores.data)
            return LayerTestSupport.meanCrossEntropy(scores.data, rows: M, width: N, targets: targets)
        }
        let check = GradientCheck(step: 1e-2, absoluteTolerance: 2e-5, relativeTolerance: 1e-3)
        check.expectMatches("jpq output sub_items", values: table.subItems.value, analytic: added,
                            entries: Self.usedEntries(table, items: 1..<N), loss)
        check.expectMatches("jpq output hidden", values: hidden, analytic: LayerTestSupport.doubles(dH), loss)
    }

    // MARK: Tying

    @Test func tiedJPQSharesOneTableAndItsCodes() throws {
        let configuration = Self.configuration(itemCount: 30, splits: 4, tied: true)
        try configuration.validate()
        let model = SequentialRecommender(configuration: configuration, seed: 2)
        let input = try #require(model.embedding as? JPQEmbedding)
        let output = try #require(model.output as? CompressedSoftmax)
        #expect(output.items === input)
        let tables = model.uniqueWeights().filter { $0.weight === input.subItems }
        #expect(tables.map(\.name) == ["item_embedding.sub_items"], "stored once, under the input's name")
        #expect(model.namedItemCodes().map(\.name) == ["item_embedding.codes"])
        // Both uses add to the one gradient: a step's gradient is the input's plus the output's.
        let (inputs, targets) = ModelTestSupport.trainingBatch([[1, 2, 3, 4, 7], [8, 5, 1, 12], [5, 6, 29]], length: 6)
        model.zeroGradients()
        _ = model.trainingStep(inputs: inputs, targets: targets, batch: 3, length: 6, dropoutSeed: 1)
        let both = input.subItems.gradient.values
        let used = Set(Self.usedEntries(input, items: inputs.map(Int.init)))
        let onlyOutput = Set(Self.usedEntries(input, items: 1..<30)).subtracting(used)
        #expect(onlyOutput.contains { both[$0] != 0 }, "the output's scoring reaches rows no input used")
        #expect(used.contains { both[$0] != 0 })
    }

    // MARK: Code assignment

    /// Two blocks of co-bought items: ten users buy items 1–4, six users buy items 5–8. AᵀA has
    /// eigenvalues 40 and 24 with the blocks' indicator vectors / 2, so the first component's
    /// loadings are ½ on items 1–4 and 0 elsewhere, the second's ½ on items 5–8.
    @Test func svdCodesPutCoboughtItemsTogether() {
        let N = 9, m = 2
        let sequences: [[Int32]] = Array(repeating: [1, 2, 3, 4, 2], count: 10) + Array(repeating: [8, 7, 6, 5], count: 6)
        let loadings = ItemCodeAssignment.svdLoadings(sequences: sequences, itemCount: N, components: m, seed: 3)
        let expected: [[Double]] = [[0, 0.5, 0.5, 0.5, 0.5, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5]]
        for s in 0..<m {
            #expect(zip(loadings[s], expected[s]).allSatisfy { abs($0 - $1) < 1e-9 }, "component \(s): \(loadings[s])")
        }
        let codes = ItemCodeAssignment.codes(.svd, sequences: sequences, itemCount: N, splits: m, seed: 3)
        func code(_ x: Int, _ s: Int) -> Int { Int(codes[x * m + s]) }
        let first = 1...4, second = 5...8
        // Quantile buckets of 8 items: ranks 0…7 → 0, 32, …, 224; each block takes one half.
        #expect(Set(first.map { code($0, 0) }) == [128, 160, 192, 224] && Set(second.map { code($0, 0) }) == [0, 32, 64, 96])
        #expect(Set(second.map { code($0, 1) }) == [128, 160, 192, 224] && Set(first.map { code($0, 1) }) == [0, 32, 64, 96])
        #expect(codes[0..<m].allSatisfy { $0 == 0 }, "padding's code")
        // The same data and seed give the same codes.
        #expect(ItemCodeAssignment.codes(.svd, sequences: sequences, itemCount: N, splits: m, seed: 3) == codes)
    }

    /// Quantile buckets are ranks: n items, the r-th smallest loading gets ⌊r·256 / n⌋; with
    /// more items than sub-ids each bucket holds n/256 consecutive items.
    @Test func quantileBucketsAreRanks() {
        let N = 513  // 512 items, two per bucket
        let loadings = [(0..<N).map { -Double($0) }]  // item x is the (512 − x)-th smallest
        let codes = ItemCodeAssignment.quantileCodes(loadings: loadings, itemCount: N, components: 1)
        for x in 1..<N { #expect(Int(codes[x]) == (512 - x) * 256 / 512) }
        let load = Dictionary(grouping: codes.dropFirst(), by: { $0 }).mapValues(\.count)
        #expect(load.count == 256 && load.values.allSatisfy { $0 == 2 })
    }

    @Test func randomCodesAreSeededAndUseEverySubId() {
        let a = ItemCodeAssignment.codes(.random, sequences: [], itemCount: 5000, splits: 4, seed: 1)
        #expect(a == ItemCodeAssignment.codes(.random, sequences: [], itemCount: 5000, splits: 4, seed: 1))
        #expect(a != ItemCodeAssignment.codes(.random, sequences: [], itemCount: 5000, splits: 4, seed: 2))
        #expect(Set(a.dropFirst(4)).count == 256)
    }

    // MARK: Runs and bundles

    static func specification(splits: Int?, tie: Bool? = nil) -> (RunSpecification, Set<RunSetting>) {
        var specification = RunSpecification()
        specification.model.encoder = VariantName(.sasrec)
        specification.model.embeddingSize = 8
        specification.model.maxLength = 6
        specification.model.innerSize = 16
        specification.model.inputEmbedding = VariantName(.jpq)
        specification.model.outputLayer = VariantName(.jpq)
        specification.model.jpqSplits = splits
        specification.model.tieEmbeddings = tie
        var given: Set<RunSetting> = [.encoder, .inputEmbedding, .outputLayer]
        if splits != nil { given.insert(.jpqSplits) }
        if tie != nil { given.insert(.tieEmbeddings) }
        return (specification, given)
    }

    @Test func runSpecificationTiesJPQForSASRecAndChecksTheSplits() throws {
        let (specification, given) = Self.specification(splits: 4)
        try specification.validate(given: given, names: .planKeys)
        let configuration = try specification.modelConfiguration(itemCount: 20, frequencies: Array(repeating: 1, count: 20),
                                                                 given: given, names: .planKeys)
        #expect(configuration.tiedEmbeddings, "SASRec ties a jpq pair by default")
        #expect(configuration.inputTable == ItemTableSettings(jpqSplits: 4, jpqCodes: .svd) && configuration.outputTable == configuration.inputTable)
        let untied = Self.specification(splits: nil, tie: false)
        let c = try untied.0.modelConfiguration(itemCount: 20, frequencies: Array(repeating: 1, count: 20), given: untied.1,
                                                names: .planKeys)
        #expect(!c.tiedEmbeddings && c.inputTable?.jpqSplits == ModelSpecification.defaultJpqSplits)

        let (bad, badGiven) = Self.specification(splits: 3)
        #expect { try bad.validate(given: badGiven, names: .planKeys) } throws: {
            ($0 as? RunSpecificationError)?.setting == .jpqSplits && "\($0)".contains("jpqSplits must divide the embedding size (8)")
        }
        var full = RunSpecification()
        full.model.jpqSplits = 4
        #expect { try full.validate(given: [.jpqSplits], names: .planKeys) } throws: {
            "\($0)".contains("applies to a jpq input embedding or a jpq output layer")
        }
        var ratio = Self.specification(splits: 4)
        ratio.0.model.inputTable.ratio = 8
        #expect(throws: RunSpecificationError.self) { try ratio.0.validate(given: ratio.1.union([.inputRatio]), names: .planKeys) }
    }

    /// A tied JPQ SASRec trained a few steps from SVD codes: the loss falls, and the bundle holds
    /// the codes as a U8 tensor [N, m] and gives back the same codes and the same scores.
    @Test func trainsAndRoundTripsThroughABundleWithItsCodes() throws {
        let N = 40
        let (specification, given) = Self.specification(splits: 4)
        let frequencies = (0..<N).map { $0 == 0 ? 0 : 100 - 2 * $0 }
        let configuration = try specification.modelConfiguration(itemCount: N, frequencies: frequencies, given: given, names: .planKeys)
        let model = SequentialRecommender(configuration: configuration, seed: 3)
        let sequences: [[Int32]] = [[1, 2, 3, 4, 7, 8, 30], [8, 5, 1, 12], [5, 6, 2, 6, 39], [1, 2, 3, 9], [30, 31, 32, 33]]
        model.assignItemCodes(sequences: sequences, seed: 3)
        let codes = try #require(model.namedItemCodes().first?.codes.bytes)
        #expect(codes == ItemCodeAssignment.codes(.svd, sequences: sequences, itemCount: N, splits: 4, seed: 3))
        let adam = Adam(weights: model.uniqueWeights().map(\.weight), learningRate: 0.02)
        let (inputs, targets) = ModelTestSupport.trainingBatch(sequences, length: 6)
        var losses: [Float] = []
        for step in 0..<8 {
            model.zeroGradients()
            losses.append(model.trainingStep(inputs: inputs, targets: targets, batch: sequences.count, length: 6, dropoutSeed: UInt64(step))!)
            adam.step()
        }
        #expect(losses.allSatisfy(\.isFinite) && losses.last! < losses.first!, "\(losses)")
        try IOTestSupport.withTemporaryDirectory { directory in
            let vocabulary = try Vocabulary(originalIds: (0..<N).map { $0 == 0 ? "<pad>" : "i\($0)" }, frequencies: frequencies)
            try ModelBundle(model: model, vocabulary: vocabulary, training: nil, data: [:]).write(to: directory + "/b")
            let file = try SafeTensors.read(path: directory + "/b/model.safetensors", accepting: [.uint8])
            let stored = try #require(file.stored("item_embedding.codes"))
            #expect(stored.dtype == .uint8 && stored.shape == [N, 4] && stored.bytes == codes)
            #expect(file.tensors.map(\.name).contains("item_embedding.sub_items"))
            #expect(!file.tensors.map(\.name).contains { $0.hasPrefix("output.items") }, "the tied table is stored once")

            let bundle = try ModelBundle.read(from: directory + "/b")
            #expect(bundle.model.namedItemCodes().first?.codes.bytes == codes)
            let histories: [[Int32]] = [[1], [2, 3, 4], [5, 6, 7, 1, 2, 8, 9, 10]]
            #expect(ModelTestSupport.bits(ModelTestSupport.scores(bundle.model, histories: histories))
                    == ModelTestSupport.bits(ModelTestSupport.scores(model, histories: histories)))
            #expect(ParameterAccounting(model: bundle.model).codeBytes == N * 4)
        }
    }

    @Test func aBundleWithoutItsCodesIsRefused() throws {
        let configuration = Self.configuration(itemCount: 20, splits: 4, tied: true)
        let model = SequentialRecommender(configuration: configuration, seed: 1)
        try IOTestSupport.withTemporaryDirectory { directory in
            let tensors = model.uniqueWeights().map { NamedTensor(name: $0.name, shape: $0.weight.shape, values: $0.weight.value.values) }
            try SafeTensors.write(tensors, to: directory + "/model.safetensors")
            let file = try SafeTensors.read(path: directory + "/model.safetensors", accepting: [.uint8])
            #expect { _ = try model.loadItemCodes(from: file) } throws: {
                "\($0)".contains("item_embedding.codes") && "\($0)".contains("expected the JPQ item codes as a U8 tensor [20, 4]")
            }
            // A code tensor of the wrong shape names its shape.
            let wrong = StoredTensor(name: "item_embedding.codes", dtype: .uint8, shape: [20, 2], bytes: Array(repeating: 1, count: 40))
            try writeAtomically(try SafeTensors.encode(tensors, stored: [wrong]), to: directory + "/wrong.safetensors")
            let misshapen = try SafeTensors.read(path: directory + "/wrong.safetensors", accepting: [.uint8])
            #expect { _ = try model.loadItemCodes(from: misshapen) } throws: { "\($0)".contains("expected shape [20, 4], found [20, 2]") }
            // A reader that takes F32 alone refuses U8 with a sentence.
            #expect { _ = try SafeTensors.read(path: directory + "/wrong.safetensors") } throws: {
                "\($0)".contains("dtype is \"U8\", expected \"F32\"")
            }
        }
    }
}

/// A checkpoint of a JPQ model holds its codes, and restoring puts them back with the weights.
@Suite("JPQ checkpoints")
struct JPQCheckpointTests {
    @Test func restoringACheckpointRestoresTheCodes() throws {
        let configuration = JPQTests.configuration(itemCount: RunData.items, splits: 4, tied: true)
        let options = CheckpointSupport.options(epochs: 1)
        let model = SequentialRecommender(configuration: configuration, seed: 5)
        model.assignItemCodes(sequences: CheckpointSupport.train, seed: 5)
        let codes = try #require(model.namedItemCodes().first?.codes.bytes)
        let trainer = Trainer(model: model, options: options)
        _ = try trainer.fit(train: CheckpointSupport.train, validation: CheckpointSupport.validation)
        try IOTestSupport.withTemporaryDirectory { directory in
            let writer = CheckpointSupport.writer(directory)
            _ = try writer.save(trainer)
            let other = SequentialRecommender(configuration: configuration, seed: 6)  // other weights, other (random) codes
            #expect(other.namedItemCodes().first?.codes.bytes != codes)
            try Trainer(model: other, options: options).restore(from: TrainingCheckpoint.read(from: directory))
            #expect(other.namedItemCodes().first?.codes.bytes == codes)
            #expect(ModelTestSupport.bits(ModelTestSupport.weights(other)) == ModelTestSupport.bits(ModelTestSupport.weights(model)))
        }
    }
}
