import ArgumentParser
import CompactRec

extension DataFormat: ExpressibleByArgument {}
extension InputEmbeddingKind: ExpressibleByArgument {}
extension OutputLayerKind: ExpressibleByArgument {}
extension SharingScheme: ExpressibleByArgument {}
extension EncoderKind: ExpressibleByArgument {}
extension ItemHash: ExpressibleByArgument {}
extension QuotientRemainderOperation: ExpressibleByArgument {}
extension JPQCodeAssignment: ExpressibleByArgument {}

/// Where the sequences come from: flags of the specification's data part.
struct DataOptions: ParsableArguments {
    @Option(name: .flag(.file), help: "Interaction file (.gz is read directly). See the README for the formats.")
    var data: String

    @Option(name: .flag(.test), help: "A separate test file of sessions: predict each one's last item from its prefix.")
    var test: String?

    @Option(name: .flag(.format), help: .withDefault("auto, pairs, user-seq, seq, atomic or movielens.", \.data.format))
    var format: DataFormat?

    @Flag(name: .flag(.validation), inversion: .prefixedNo,
          help: .withDefault("Hold out a validation item per user (second-last) for early stopping; --no-validation trains on it too.",
                             \.data.validation))
    var validation: Bool?

    func specify(_ flags: inout FlagSpecification) {
        flags.set(.file, \.data.file, data)
        flags.set(.test, \.data.test, test)
        flags.set(.format, \.data.format, format)
        flags.set(.validation, \.data.validation, validation)
    }
}

struct RuntimeOptions: ParsableArguments {
    @Option(help: "Threads for BLAS and CompactRec's kernels.")
    var threads = 2

    @Flag(help: "Print one JSON object with the results at the end (on stdout).")
    var json = false

    @Flag(help: "No progress output.")
    var quiet = false

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func apply() {
        BLAS.threads = threads
        Parallel.threads = threads
    }
}

/// The model's shape and its compression variants: flags of the specification's model part.
struct ModelOptions: ParsableArguments {
    @Option(name: .flag(.embeddingSize), help: .withDefault("Embedding size C (the paper's d).", \.model.embeddingSize))
    var embeddingSize: Int?
    @Option(name: .flag(.encoder), help: .withDefault("Sequence encoder: nextitnet or sasrec.", \.model.encoder))
    var encoder: EncoderKind?
    @Option(name: .flag(.dilations), help: .withDefault("Dilation of each residual block; a block's convolutions dilate r and 2r.",
                                                        \.model.dilations))
    var dilations: String?
    @Option(name: .flag(.kernelSize), help: .withDefault("Convolution kernel size.", \.model.kernelSize)) var kernelSize: Int?
    @Option(name: .flag(.layers), help: .withDefault("SASRec: Transformer blocks.", \.model.layers)) var layers: Int?
    @Option(name: .flag(.heads), help: .withDefault("SASRec: attention heads (they split the embedding size).", \.model.heads))
    var heads: Int?
    @Option(name: .flag(.innerSize), help: .withDefault("SASRec: the feed-forward network's hidden width.", \.model.innerSize))
    var innerSize: Int?
    @Option(name: .flag(.dropout), help: .withDefault(
        "SASRec: dropout rate on hidden states and attention weights while training.", \.model.dropout))
    var dropout: Double?
    @Flag(name: .flag(.tieEmbeddings), inversion: .prefixedNo, help: ArgumentHelp(
        "Score with the input table itself (one item table); default: on for sasrec, off for nextitnet, where both tables are full or both jpq."))
    var tieEmbeddings: Bool?
    @Option(name: .flag(.maxLength), help: .withDefault("Longest history read (T).", \.model.maxLength)) var maxLength: Int?
    @Option(name: .flag(.inputEmbedding), help: .withDefault(
        "Item embedding: full, block-adaptive (CpRec), memcom, hashing, qr, low-rank, mixed-dim or jpq (RecJPQ item codes).", \.model.inputEmbedding))
    var inputEmbedding: InputEmbeddingKind?
    @Option(name: .flag(.outputLayer), help: .withDefault(
        "Output layer: full-softmax, tree-softmax (CpRec), or a full softmax over a compressed item matrix: memcom, hashing, qr, low-rank, mixed-dim or jpq.",
        \.model.outputLayer))
    var outputLayer: OutputLayerKind?
    @Option(name: .flag(.sharing), help: .withDefault(
        "Conv weight sharing: none, cross-layer, cross-block, adjacent-layer or adjacent-block.", \.model.sharing))
    var sharing: SharingScheme?
    @Option(name: .flag(.cutoffs), help: .withDefault(
        "Item clusters for block-adaptive / tree-softmax / mixed-dim: cut-offs '2000,10000', 'auto:3' (shares 4/7, 2/7, 1/7 of interactions) or 'shares:0.6,0.25,0.15'.",
        \.model.cutoffs))
    var cutoffs: String?
    @Option(name: .flag(.rankDivisor), help: .withDefault(
        "f ≥ 1 in d_j = ⌊d / f^(j-1)⌋ for block-adaptive / tree-softmax: how much narrower each cluster's rank is (need not be whole).",
        \.model.rankDivisor))
    var rankDivisor: Double?
    @Option(name: .flag(.jpqSplits), help: ArgumentHelp(
        "jpq: splits m of the embedding, one code byte each (must divide the embedding size). (default: \(ModelSpecification.defaultJpqSplits))"))
    var jpqSplits: Int?
    @Option(name: .flag(.jpqCodes), help: ArgumentHelp(
        "jpq: how item codes are assigned before training: svd (of the user–item matrix) or random. (default: \(ModelSpecification.defaultJpqCodes.rawValue))"))
    var jpqCodes: JPQCodeAssignment?
    @OptionGroup(title: "Compressed input table (memcom, hashing, qr, low-rank, mixed-dim)") var inputTable: InputTableOptions
    @OptionGroup(title: "Compressed output item matrix (its own knobs; none falls back to the input's)") var outputTable: OutputTableOptions

    func specify(_ flags: inout FlagSpecification) throws {
        flags.set(.embeddingSize, \.model.embeddingSize, embeddingSize)
        flags.set(.encoder, \.model.encoder, encoder.map(VariantName.init))
        flags.set(.layers, \.model.layers, layers)
        flags.set(.heads, \.model.heads, heads)
        flags.set(.innerSize, \.model.innerSize, innerSize)
        flags.set(.dropout, \.model.dropout, dropout)
        flags.set(.tieEmbeddings, \.model.tieEmbeddings, tieEmbeddings)
        flags.set(.dilations, \.model.dilations, try dilations.map { try parseIntegerList($0, name: RunSetting.dilations.flag) })
        flags.set(.kernelSize, \.model.kernelSize, kernelSize)
        flags.set(.maxLength, \.model.maxLength, maxLength)
        flags.set(.inputEmbedding, \.model.inputEmbedding, inputEmbedding.map(VariantName.init))
        flags.set(.outputLayer, \.model.outputLayer, outputLayer.map(VariantName.init))
        flags.set(.sharing, \.model.sharing, sharing.map(VariantName.init))
        flags.set(.cutoffs, \.model.cutoffs, cutoffs)
        flags.set(.rankDivisor, \.model.rankDivisor, rankDivisor)
        flags.set(.jpqSplits, \.model.jpqSplits, jpqSplits)
        flags.set(.jpqCodes, \.model.jpqCodes, jpqCodes.map(VariantName.init))
        inputTable.specify(&flags)
        outputTable.specify(&flags)
    }

    /// One line describing the model, for progress output.
    static func describe(_ c: ModelConfiguration) -> String {
        var text = "\(c.encoder.summary), C=\(c.embeddingSize) T=\(c.maxLength), "
            + "input \(c.inputEmbedding.rawValue), output \(c.outputLayer.rawValue)\(c.tiedEmbeddings ? " (tied to the input)" : "")"
        if let cutoffs = c.cutoffs { text += ", clusters \(cutoffs), rank divisor \(String(format: "%g", c.rankDivisor))" }
        for (kind, settings, side) in [(c.inputEmbedding.table, c.inputTable, "input"), (c.outputLayer.table, c.outputTable, "output")] {
            guard let kind, let settings else { continue }
            let knobs = Output.tableFields(kind, settings).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            text += ", \(side) " + knobs.joined(separator: " ")
        }
        return text
    }
}

/// The knobs of a compressed input table, as flags; none has a value unless given.
struct InputTableOptions: ParsableArguments {
    @Option(name: .flag(.buckets), help: "m, the rows of a memcom or hashing input's shared table.") var buckets: Int?
    @Option(name: .flag(.hash), help: ArgumentHelp("The hash of a memcom or hashing input: modulo (x mod m) or multiplicative. (default: \(TableSpecification.defaultHash.rawValue))"))
    var hash: ItemHash?
    @Option(name: .flag(.qrCollisions), help: "c of a qr input: items per quotient row, e(x) = Q[x / c] ⊙ R[x mod c].") var qrCollisions: Int?
    @Option(name: .flag(.qrOperation), help: ArgumentHelp("How a qr input combines its two rows: multiply or add. (default: \(TableSpecification.defaultQrOperation.rawValue))"))
    var qrOperation: QuotientRemainderOperation?
    @Option(name: .flag(.rank), help: "r of a low-rank input: e(x) = A[x] · P.") var rank: Int?
    @Option(name: .flag(.mixedAlpha), help: ArgumentHelp("α of a mixed-dim input: bucket j is round(C · (p_j / p_1)^α) wide. (default: \(TableSpecification.defaultMixedAlpha))"))
    var mixedAlpha: Double?
    @Option(name: .flag(.inputRatio), help: "Choose the input table's size knob (m, c, r, α, or block-adaptive's rank divisor) so that N·C / its parameters is closest to this ratio.")
    var inputRatio: Double?

    func specify(_ flags: inout FlagSpecification) {
        flags.set(.buckets, \.model.inputTable.buckets, buckets)
        flags.set(.hash, \.model.inputTable.hash, hash.map(VariantName.init))
        flags.set(.qrCollisions, \.model.inputTable.qrCollisions, qrCollisions)
        flags.set(.qrOperation, \.model.inputTable.qrOperation, qrOperation.map(VariantName.init))
        flags.set(.rank, \.model.inputTable.rank, rank)
        flags.set(.mixedAlpha, \.model.inputTable.mixedAlpha, mixedAlpha)
        flags.set(.inputRatio, \.model.inputTable.ratio, inputRatio)
    }
}

/// The knobs of a compressed output item matrix, as flags; none has a value unless given.
struct OutputTableOptions: ParsableArguments {
    @Option(name: .flag(.outputBuckets), help: "m, the rows of a memcom or hashing output's shared table.") var outputBuckets: Int?
    @Option(name: .flag(.outputHash), help: ArgumentHelp("The hash of a memcom or hashing output: modulo or multiplicative. (default: \(TableSpecification.defaultHash.rawValue))"))
    var outputHash: ItemHash?
    @Option(name: .flag(.outputQrCollisions), help: "c of a qr output: items per quotient row.") var outputQrCollisions: Int?
    @Option(name: .flag(.outputQrOperation), help: ArgumentHelp("How a qr output combines its two rows: multiply or add. (default: \(TableSpecification.defaultQrOperation.rawValue))"))
    var outputQrOperation: QuotientRemainderOperation?
    @Option(name: .flag(.outputRank), help: "r of a low-rank output.") var outputRank: Int?
    @Option(name: .flag(.outputMixedAlpha), help: ArgumentHelp("α of a mixed-dim output. (default: \(TableSpecification.defaultMixedAlpha))"))
    var outputMixedAlpha: Double?
    @Option(name: .flag(.outputRatio), help: "Choose the output item matrix's size knob so that N·C / its parameters (bias excluded) is closest to this ratio.")
    var outputRatio: Double?

    func specify(_ flags: inout FlagSpecification) {
        flags.set(.outputBuckets, \.model.outputTable.buckets, outputBuckets)
        flags.set(.outputHash, \.model.outputTable.hash, outputHash.map(VariantName.init))
        flags.set(.outputQrCollisions, \.model.outputTable.qrCollisions, outputQrCollisions)
        flags.set(.outputQrOperation, \.model.outputTable.qrOperation, outputQrOperation.map(VariantName.init))
        flags.set(.outputRank, \.model.outputTable.rank, outputRank)
        flags.set(.outputMixedAlpha, \.model.outputTable.mixedAlpha, outputMixedAlpha)
        flags.set(.outputRatio, \.model.outputTable.ratio, outputRatio)
    }
}

/// How to train: flags of the specification's training part.
struct TrainingFlags: ParsableArguments {
    @Option(name: .flag(.batchSize), help: .withDefault("Sequences per batch.", \.training.batchSize)) var batchSize: Int?
    @Option(name: .flag(.epochs), help: .withDefault("Training epochs (at most, with --patience).", \.training.epochs)) var epochs: Int?
    @Option(name: .flag(.learningRate), help: .withDefault("Adam learning rate.", \.training.learningRate)) var learningRate: Double?
    @Option(name: .flag(.weightDecay), help: .withDefault("L2 weight decay added to the gradient.", \.training.weightDecay))
    var weightDecay: Double?
    @Option(name: .flag(.clipNorm), help: "Clip the global gradient norm to this value.") var clipNorm: Double?
    @Option(name: .flag(.patience), help: "Stop after this many epochs without a better validation NDCG@10.") var patience: Int?
    @Option(name: .flag(.teacher), help: "A model bundle trained on the same data to distil from (its logits teach the student).")
    var teacher: String?
    @Option(name: .flag(.distillWeight), help: .withDefault("α: the KL term's share of the loss, with --teacher.", \.training.distillWeight))
    var distillWeight: Double?
    @Option(name: .flag(.temperature), help: .withDefault("τ: the softmax temperature of distillation, with --teacher.", \.training.temperature))
    var temperature: Double?
    @Option(name: .flag(.seed), help: .withDefault("Random seed: the same seed, data and threads give the same model.", \.training.seed))
    var seed: UInt64?
    @Flag(name: .flag(.trainWindows), inversion: .prefixedNo,
          help: "Cut training histories longer than T + 1 items into windows of T + 1, so every item is a target once (the default); with --no-train-windows only a history's last T + 1 items are trained on.")
    var trainWindows: Bool?

    func specify(_ flags: inout FlagSpecification) {
        flags.set(.batchSize, \.training.batchSize, batchSize)
        flags.set(.epochs, \.training.epochs, epochs)
        flags.set(.learningRate, \.training.learningRate, learningRate)
        flags.set(.weightDecay, \.training.weightDecay, weightDecay)
        flags.set(.clipNorm, \.training.clipNorm, clipNorm)
        flags.set(.patience, \.training.patience, patience)
        flags.set(.teacher, \.training.teacher, teacher)
        flags.set(.distillWeight, \.training.distillWeight, distillWeight)
        flags.set(.temperature, \.training.temperature, temperature)
        flags.set(.seed, \.training.seed, seed)
        flags.set(.trainWindows, \.training.trainWindows, trainWindows)
    }
}

/// Parses "1,4,1,4".
func parseIntegerList(_ text: String, name: String) throws -> [Int] {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false)
    let values = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !parts.isEmpty, values.count == parts.count else {
        throw ValidationError("\(name) expects comma-separated whole numbers such as 1,4,1,4; got '\(text)'")
    }
    return values
}
