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
    @Option(help: "f in d_j = d / f^(j-1): how much narrower each cluster's rank is (default 4).") var rankDivisor: Int?
    @OptionGroup(title: "Compressed input table (memcom, hashing, qr, low-rank, mixed-dim)") var inputTable: InputTableOptions
    @OptionGroup(title: "Compressed output item matrix (its own knobs; none falls back to the input's)") var outputTable: OutputTableOptions

    static let defaultRankDivisor = 4

    func validate() throws {
        _ = try parseIntegerList(dilations, name: "--dilations")
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
        var input = inputTable.request
        if inputEmbedding == .blockAdaptive, let ratio = input.ratio {
            guard rankDivisor == nil else {
                throw ValidationError("--rank-divisor and --input-ratio both size the block-adaptive input; give one")
            }
            config.rankDivisor = try TableSizing.rankDivisor(ratio: ratio, clusters: config.clusters!, dimensions: embeddingSize,
                                                             source: input.names.ratio)
            input.ratio = nil
        }
        config.inputTable = try input.resolve(inputEmbedding.table, kindName: inputEmbedding.rawValue, itemCount: itemCount,
                                              dimensions: embeddingSize, clusters: config.clusters, frequencies: frequencies)
        config.outputTable = try outputTable.request.resolve(
            outputLayer.table, kindName: outputLayer.rawValue, itemCount: itemCount, dimensions: embeddingSize,
            clusters: config.clusters, frequencies: frequencies)
        try config.validate()
        return config
    }

    /// One line describing the model, for progress output.
    static func describe(_ c: ModelConfiguration) -> String {
        var text = "NextItNet C=\(c.embeddingSize) dilations \(c.dilations) k=\(c.kernelSize) T=\(c.maxLength), "
            + "input \(c.inputEmbedding.rawValue), output \(c.outputLayer.rawValue), sharing \(c.sharing.rawValue)"
        if let cutoffs = c.cutoffs { text += ", clusters \(cutoffs), rank divisor \(c.rankDivisor)" }
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

    var request: TableRequest {
        TableRequest(side: "input embedding", names: .input, buckets: buckets, hash: hash, qrCollisions: qrCollisions,
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

    var request: TableRequest {
        TableRequest(side: "output layer", names: .output, buckets: outputBuckets, hash: outputHash,
                     qrCollisions: outputQrCollisions, qrOperation: outputQrOperation, rank: outputRank,
                     mixedAlpha: outputMixedAlpha, ratio: outputRatio)
    }
}

/// One side's table flags, checked against the kind they size and turned into settings.
struct TableRequest {
    struct Names {
        var buckets, hash, qrCollisions, qrOperation, rank, mixedAlpha, ratio: String
        var key: String
        /// Other kinds the ratio flag sizes, outside the compressed tables.
        var ratioAlsoSizes: [String]

        static let input = Names(buckets: "--buckets", hash: "--hash", qrCollisions: "--qr-collisions",
                                 qrOperation: "--qr-operation", rank: "--rank", mixedAlpha: "--mixed-alpha",
                                 ratio: "--input-ratio", key: "inputTable",
                                 ratioAlsoSizes: ["block-adaptive"])
        static let output = Names(buckets: "--output-buckets", hash: "--output-hash", qrCollisions: "--output-qr-collisions",
                                  qrOperation: "--output-qr-operation", rank: "--output-rank",
                                  mixedAlpha: "--output-mixed-alpha", ratio: "--output-ratio", key: "outputTable",
                                  ratioAlsoSizes: [])
    }

    var side: String
    var names: Names
    var buckets: Int?
    var hash: ItemHash?
    var qrCollisions: Int?
    var qrOperation: QuotientRemainderOperation?
    var rank: Int?
    var mixedAlpha: Double?
    var ratio: Double?

    /// The flag that sets `kind`'s size.
    func sizeFlag(_ kind: ItemTableKind) -> String {
        switch kind {
        case .memcom, .hashing: names.buckets
        case .qr: names.qrCollisions
        case .lowRank: names.rank
        case .mixedDim: names.mixedAlpha
        }
    }

    /// The settings of a `kind` table from these flags (nil when the side is not a compressed
    /// table); a flag that does not apply to the side's kind is an error, not ignored.
    func resolve(_ kind: ItemTableKind?, kindName: String, itemCount N: Int, dimensions C: Int, clusters: ItemClusters?,
                 frequencies: [Int]) throws -> ItemTableSettings? {
        let given: [(flag: String, kinds: [ItemTableKind])] = [
            (names.buckets, buckets != nil, [ItemTableKind.memcom, .hashing]), (names.hash, hash != nil, [.memcom, .hashing]),
            (names.qrCollisions, qrCollisions != nil, [.qr]), (names.qrOperation, qrOperation != nil, [.qr]),
            (names.rank, rank != nil, [.lowRank]), (names.mixedAlpha, mixedAlpha != nil, [.mixedDim]),
            (names.ratio, ratio != nil, ItemTableKind.allCases),
        ].filter(\.1).map { ($0.0, $0.2) }
        for (flag, kinds) in given where kind.map({ !kinds.contains($0) }) ?? true {
            let targets = kinds.map(\.rawValue) + (flag == names.ratio ? names.ratioAlsoSizes : [])
            throw ValidationError("\(flag) applies to a \(targets.joined(separator: ", ")) \(side), not \(kindName)")
        }
        guard let kind else { return nil }
        var settings = ItemTableSettings(buckets: buckets, hash: hash ?? .modulo, qrCollisions: qrCollisions,
                                         qrOperation: qrOperation ?? .multiply, rank: rank,
                                         mixedAlpha: mixedAlpha ?? ItemTableSettings.defaultMixedAlpha)
        let sizeGiven = given.contains { $0.flag == sizeFlag(kind) }
        if let ratio {
            guard !sizeGiven else { throw ValidationError("\(sizeFlag(kind)) and \(names.ratio) both size the \(kind.rawValue) \(side); give one") }
            settings = try TableSizing.sized(kind, ratio: ratio, settings: settings, itemCount: N, dimensions: C,
                                             clusters: clusters, frequencies: frequencies, source: names.ratio)
        } else if kind == .mixedDim {
            guard settings.mixedAlpha >= 0 && settings.mixedAlpha.isFinite else {
                throw ValidationError("\(names.mixedAlpha) expects a number ≥ 0 such as 0.3, got \(settings.mixedAlpha)")
            }
            settings.mixedDimensions = MixedDimensionEmbedding.dimensions(
                clusters: clusters!, frequencies: frequencies, embeddingSize: C, alpha: settings.mixedAlpha)
        } else if !sizeGiven {
            throw ValidationError("a \(kind.rawValue) \(side) needs \(sizeFlag(kind)) or \(names.ratio)")
        }
        do {
            try settings.validate(kind, itemCount: N, dimensions: C, clusters: clusters, key: names.key)
        } catch let error as InputError {
            throw InputError(source: sizeFlag(kind), "\(error.message) (\(names.key) \(error.location ?? ""))")
        }
        return settings
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
