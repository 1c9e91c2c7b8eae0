import ArgumentParser
import CompactRec

extension DataFormat: ExpressibleByArgument {}

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

/// The model's shape; later the compression variants join here.
struct ModelOptions: ParsableArguments {
    @Option(help: "Embedding size C (the paper's d).") var embeddingSize = 64
    @Option(help: "Dilation of each residual block; a block's convolutions dilate r and 2r.") var dilations = "1,4,1,4"
    @Option(help: "Convolution kernel size.") var kernelSize = 3
    @Option(name: .customLong("max-len"), help: "Longest history read (T).") var maxLength = 50

    func validate() throws {
        _ = try parseIntegerList(dilations, name: "--dilations")
    }

    func configuration(itemCount: Int) throws -> ModelConfiguration {
        let config = ModelConfiguration(
            itemCount: itemCount, embeddingSize: embeddingSize,
            dilations: try parseIntegerList(dilations, name: "--dilations"), kernelSize: kernelSize, maxLength: maxLength)
        try config.validate()
        return config
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
