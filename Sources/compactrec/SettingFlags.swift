import ArgumentParser
import CompactRec

/// The command line's flag for every setting of a run specification: the one table that names
/// them, read by the option declarations and by the errors (`--rank-divisor must be …`).
extension RunSetting {
    /// The flag without its dashes; `validation` is also `--no-validation`.
    var longName: String {
        switch self {
        case .inputEmbedding: "input-embedding"
        case .outputLayer: "output-layer"
        case .sharing: "sharing"
        case .cutoffs: "cutoffs"
        case .rankDivisor: "rank-divisor"
        case .embeddingSize: "embedding-size"
        case .dilations: "dilations"
        case .kernelSize: "kernel-size"
        case .encoder: "encoder"
        case .layers: "layers"
        case .heads: "heads"
        case .innerSize: "inner-size"
        case .dropout: "dropout"
        case .tieEmbeddings: "tie-embeddings"
        case .maxLength: "max-len"
        case .inputRatio: "input-ratio"
        case .buckets: "buckets"
        case .hash: "hash"
        case .qrCollisions: "qr-collisions"
        case .qrOperation: "qr-operation"
        case .rank: "rank"
        case .mixedAlpha: "mixed-alpha"
        case .outputRatio: "output-ratio"
        case .outputBuckets: "output-buckets"
        case .outputHash: "output-hash"
        case .outputQrCollisions: "output-qr-collisions"
        case .outputQrOperation: "output-qr-operation"
        case .outputRank: "output-rank"
        case .outputMixedAlpha: "output-mixed-alpha"
        case .jpqSplits: "jpq-splits"
        case .jpqCodes: "jpq-codes"
        case .epochs: "epochs"
        case .batchSize: "batch-size"
        case .learningRate: "learning-rate"
        case .weightDecay: "weight-decay"
        case .clipNorm: "clip-norm"
        case .patience: "patience"
        case .teacher: "teacher"
        case .distillWeight: "distill-weight"
        case .temperature: "temperature"
        case .seed: "seed"
        case .trainWindows: "train-windows"
        case .file: "data"
        case .test: "test"
        case .format: "format"
        case .validation: "validation"
        }
    }

    /// `--rank-divisor`.
    var flag: String { "--" + longName }
}

extension RunSettingNames {
    /// The command line's flags.
    static let flags = RunSettingNames { $0.flag }
}

extension NameSpecification {
    /// The flag of `setting`.
    static func flag(_ setting: RunSetting) -> NameSpecification { .customLong(setting.longName) }
}

extension ArgumentHelp {
    /// `text` followed by the specification's default, as ArgumentParser writes one:
    /// "Convolution kernel size. (default: 3)". Options are optional so that a flag given is
    /// told from one left out; the default lives in ``RunSpecification`` alone.
    static func withDefault<Value>(_ text: String, _ keyPath: KeyPath<RunSpecification, Value>) -> ArgumentHelp {
        let value = RunSpecification.defaults[keyPath: keyPath]
        let shown: String = switch value {
        case let list as [Int]: list.map(String.init).joined(separator: ",")
        case let format as DataFormat: format.rawValue
        default: "\(value)"
        }
        return ArgumentHelp("\(text) (default: \(shown))")
    }
}

/// A run specification as flags set it, and which flags the user gave.
struct FlagSpecification {
    var specification = RunSpecification()
    var given: Set<RunSetting> = []

    /// Sets `setting` when its flag was given (`value` not nil).
    mutating func set<Value>(_ setting: RunSetting, _ keyPath: WritableKeyPath<RunSpecification, Value>, _ value: Value?) {
        guard let value else { return }
        specification[keyPath: keyPath] = value
        given.insert(setting)
    }

    /// Sets a setting that has no value unless given; without this overload a flag left out
    /// would be wrapped as a given nil.
    mutating func set<Value>(_ setting: RunSetting, _ keyPath: WritableKeyPath<RunSpecification, Value?>, _ value: Value?) {
        guard let value else { return }
        specification[keyPath: keyPath] = value
        given.insert(setting)
    }

    /// The run, its settings checked (``TrainingRun/init(_:given:names:)``).
    func run() throws -> TrainingRun {
        try TrainingRun(specification, given: given, names: .flags)
    }
}
