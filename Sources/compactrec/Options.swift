import ArgumentParser
import CompactRec

extension DataFormat: ExpressibleByArgument {}
extension InputEmbeddingKind: ExpressibleByArgument {}
extension OutputLayerKind: ExpressibleByArgument {}
extension SharingScheme: ExpressibleByArgument {}
extension ItemHash: ExpressibleByArgument {}
extension QuotientRemainderOperation: ExpressibleByArgument {}

struct DataOptions: ParsableArguments {
    @Option(help: "Interaction file (.gz is read directly). See the README for the formats.")
    var data: String

    @Option(help: "A separate test file of sessions: predict each one's last item from its prefix.")
    var test: String?

    @Option(help: "auto, pairs, user-seq, seq, atomic or movielens.")
    var format: DataFormat = .auto

    @Flag(inversion: .prefixedNo, help: "Hold out a validation item per user (second-last) for early stopping; --no-validation trains on it too.")
    var validation = true

    func load() throws -> SequenceDataset {
        try SequenceDataset.load(path: data, testPath: test, format: format, validation: validation)
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

/// The model's shape and its compression variants.
struct ModelOptions: ParsableArguments {
    @Option(help: "Embedding size C (the paper's d).") var embeddingSize = 64
    @Option(help: "Dilation of each residual block; a block's convolutions dilate r and 2r.") var dilations = "1,4,1,4"
    @Option(help: "Convolution kernel size.") var kernelSize = 3
    @Option(name: .customLong("max-len"), help: "Longest history read (T).") var maxLength = 50
    @Option(help: "Item embedding: full, block-adaptive (CpRec), memcom, hashing, qr, low-rank or mixed-dim.")
    var inputEmbedding: InputEmbeddingKind = .full
    @Option(help: "Output layer: full-softmax, tree-softmax (CpRec), or a full softmax over a compressed item matrix: memcom, hashing, qr, low-rank or mixed-dim.")
    var outputLayer: OutputLayerKind = .fullSoftmax
    @Option(help: "Conv weight sharing: none, cross-layer, cross-block, adjacent-layer or adjacent-block.")
    var sharing: SharingScheme = .none
    @Option(help: ArgumentHelp(
        "Item clusters for block-adaptive / tree-softmax / mixed-dim: cut-offs '2000,10000', 'auto:3' (shares 4/7, 2/7, 1/7 of interactions) or 'shares:0.6,0.25,0.15'."))
    var cutoffs = "auto:3"
    @Option(help: "f ≥ 1 in d_j = ⌊d / f^(j-1)⌋: how much narrower each cluster's rank is (default 4; need not be whole).") var rankDivisor: Double?
    @OptionGroup(title: "Compressed input table (memcom, hashing, qr, low-rank, mixed-dim)") var inputTable: InputTableOptions
    @OptionGroup(title: "Compressed output item matrix (its own knobs; none falls back to the input's)") var outputTable: OutputTableOptions

    static let defaultRankDivisor = 4.0

    func validate() throws {
        _ = try parseIntegerList(dilations, name: "--dilations")
        if let f = rankDivisor, !(f >= 1 && f.isFinite) {
            throw ValidationError("--rank-divisor must be a number of at least 1, such as 4 or 1.5; got \(f)")
        }
    }

    /// The configuration for a catalogue whose training frequencies (by item index) are given.
    func configuration(itemCount: Int, frequencies: [Int]) throws -> ModelConfiguration {
        var config = ModelConfiguration(
            itemCount: itemCount, embeddingSize: embeddingSize,
            dilations: try parseIntegerList(dilations, name: "--dilations"), kernelSize: kernelSize, maxLength: maxLength,
            inputEmbedding: inputEmbedding, outputLayer: outputLayer, sharing: sharing,
            rankDivisor: rankDivisor ?? Self.defaultRankDivisor)
        if config.usesClusters {
            config.cutoffs = try ItemClusters.parse(cutoffs, frequencies: frequencies).cutoffs
        }
        try config.resolveTables(input: inputTable.request, output: outputTable.request,
                                 rankDivisorGiven: rankDivisor != nil, frequencies: frequencies)
        try config.validate()
        return config
    }

    /// One line describing the model, for progress output.
    static func describe(_ c: ModelConfiguration) -> String {
        var text = "\(c.encoder.summary), C=\(c.embeddingSize) T=\(c.maxLength), "
            + "input \(c.inputEmbedding.rawValue), output \(c.outputLayer.rawValue)"
        if let cutoffs = c.cutoffs { text += ", clusters \(cutoffs), rank divisor \(String(format: "%g", c.rankDivisor))" }
        for (kind, settings, side) in [(c.inputEmbedding.table, c.inputTable, "input"), (c.outputLayer.table, c.outputTable, "output")] {
            guard let kind, let settings else { continue }
            let knobs = Output.tableFields(kind, settings).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            text += ", \(side) " + knobs.joined(separator: " ")
        }
        return text
    }
}

/// The knobs of a compressed input table, as flags.
struct InputTableOptions: ParsableArguments {
    @Option(help: "m, the rows of a memcom or hashing input's shared table.") var buckets: Int?
    @Option(help: "The hash of a memcom or hashing input: modulo (x mod m, the default) or multiplicative.") var hash: ItemHash?
    @Option(help: "c of a qr input: items per quotient row, e(x) = Q[x / c] ⊙ R[x mod c].") var qrCollisions: Int?
    @Option(help: "How a qr input combines its two rows: multiply (the default) or add.") var qrOperation: QuotientRemainderOperation?
    @Option(help: "r of a low-rank input: e(x) = A[x] · P.") var rank: Int?
    @Option(help: "α of a mixed-dim input: bucket j is round(C · (p_j / p_1)^α) wide (default 0.3).") var mixedAlpha: Double?
    @Option(help: "Choose the input table's size knob (m, c, r, α, or block-adaptive's rank divisor) so that N·C / its parameters is closest to this ratio.")
    var inputRatio: Double?

    var request: ItemTableRequest {
        ItemTableRequest(side: .input, names: .commandLineInput, buckets: buckets, hash: hash, qrCollisions: qrCollisions,
                         qrOperation: qrOperation, rank: rank, mixedAlpha: mixedAlpha, ratio: inputRatio)
    }
}

/// The knobs of a compressed output item matrix, as flags.
struct OutputTableOptions: ParsableArguments {
    @Option(help: "m, the rows of a memcom or hashing output's shared table.") var outputBuckets: Int?
    @Option(help: "The hash of a memcom or hashing output: modulo (the default) or multiplicative.") var outputHash: ItemHash?
    @Option(help: "c of a qr output: items per quotient row.") var outputQrCollisions: Int?
    @Option(help: "How a qr output combines its two rows: multiply (the default) or add.") var outputQrOperation: QuotientRemainderOperation?
    @Option(help: "r of a low-rank output.") var outputRank: Int?
    @Option(help: "α of a mixed-dim output (default 0.3).") var outputMixedAlpha: Double?
    @Option(help: "Choose the output item matrix's size knob so that N·C / its parameters (bias excluded) is closest to this ratio.")
    var outputRatio: Double?

    var request: ItemTableRequest {
        ItemTableRequest(side: .output, names: .commandLineOutput, buckets: outputBuckets, hash: outputHash,
                         qrCollisions: outputQrCollisions, qrOperation: outputQrOperation, rank: outputRank,
                         mixedAlpha: outputMixedAlpha, ratio: outputRatio)
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
