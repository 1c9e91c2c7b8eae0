import ArgumentParser
import CompactRec

extension DataFormat: ExpressibleByArgument {}
extension InputEmbeddingKind: ExpressibleByArgument {}
extension OutputLayerKind: ExpressibleByArgument {}
extension SharingScheme: ExpressibleByArgument {}

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
    @Option(help: "Item embedding: full or block-adaptive (CpRec).") var inputEmbedding: InputEmbeddingKind = .full
    @Option(help: "Output layer: full-softmax or tree-softmax (CpRec).") var outputLayer: OutputLayerKind = .fullSoftmax
    @Option(help: "Conv weight sharing: none, cross-layer, cross-block, adjacent-layer or adjacent-block.")
    var sharing: SharingScheme = .none
    @Option(help: ArgumentHelp(
        "Item clusters for block-adaptive / tree-softmax: cut-offs '2000,10000', 'auto:3' (shares 4/7, 2/7, 1/7 of interactions) or 'shares:0.6,0.25,0.15'."))
    var cutoffs = "auto:3"
    @Option(help: "f in d_j = d / f^(j-1): how much narrower each cluster's rank is.") var rankDivisor = 4

    func validate() throws {
        _ = try parseIntegerList(dilations, name: "--dilations")
    }

    /// The configuration for a catalogue whose training frequencies (by item index) are given.
    func configuration(itemCount: Int, frequencies: [Int]) throws -> ModelConfiguration {
        var config = ModelConfiguration(
            itemCount: itemCount, embeddingSize: embeddingSize,
            dilations: try parseIntegerList(dilations, name: "--dilations"), kernelSize: kernelSize, maxLength: maxLength,
            inputEmbedding: inputEmbedding, outputLayer: outputLayer, sharing: sharing, rankDivisor: rankDivisor)
        if config.usesClusters {
            config.cutoffs = try ItemClusters.parse(cutoffs, frequencies: frequencies).cutoffs
        }
        try config.validate()
        return config
    }

    /// One line describing the model, for progress output.
    static func describe(_ c: ModelConfiguration) -> String {
        var text = "NextItNet C=\(c.embeddingSize) dilations \(c.dilations) k=\(c.kernelSize) T=\(c.maxLength), "
            + "input \(c.inputEmbedding.rawValue), output \(c.outputLayer.rawValue), sharing \(c.sharing.rawValue)"
        if let cutoffs = c.cutoffs { text += ", clusters \(cutoffs), rank divisor \(c.rankDivisor)" }
        return text
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
