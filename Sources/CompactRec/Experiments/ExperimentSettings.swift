/// One configuration's model and training settings in an experiment plan: the same settings,
/// values and defaults as `compactrec train`'s options, under camelCase keys
/// (`--input-embedding` → `inputEmbedding`, `--rank-divisor` → `rankDivisor`).
///
/// To add an option: a property (with the CLI's default), its key in ``keys``, one case in
/// ``set(_:to:reader:at:)``, and its use in ``modelConfiguration(itemCount:frequencies:maxLength:)``
/// or ``trainingOptions(seed:)``. Variant names stay strings so a plan can name a variant this
/// build does not have; ``unsupported()`` says which, before any run starts.
public struct ExperimentSettings: Codable, Equatable, Sendable {
    // Model (as ModelOptions in the command line).
    public var inputEmbedding = InputEmbeddingKind.full.rawValue
    public var outputLayer = OutputLayerKind.fullSoftmax.rawValue
    public var sharing = SharingScheme.none.rawValue
    public var cutoffs = "auto:3"
    public var rankDivisor = 4
    public var embeddingSize = 64
    public var dilations = [1, 4, 1, 4]
    public var kernelSize = 3
    /// Input-embedding compression ratio for the hashing-style variants (memcom, hashing, qr,
    /// low-rank, mixed-dim); accepted in plans ahead of those variants.
    public var inputRatio: Double?
    /// Rows of a hashed table, for the same variants; accepted ahead of them.
    public var buckets: Int?

    // Training (as the train command's options).
    public var epochs = 10
    public var batchSize = 128
    public var learningRate = 0.001
    public var weightDecay = 0.0
    public var clipNorm: Double?
    public var patience: Int?
    /// Hold out a validation item per user (per-user data) or the last 5 % of sessions.
    public var validation = true

    public init() {}

    /// Every key a plan may set in `defaults` or a configuration.
    public static let keys = [
        "inputEmbedding", "outputLayer", "sharing", "cutoffs", "rankDivisor", "embeddingSize", "dilations",
        "kernelSize", "inputRatio", "buckets", "epochs", "batchSize", "learningRate", "weightDecay", "clipNorm",
        "patience", "validation",
    ]

    /// Sets `key` from a plan value, checking its type and range; `path` names it in errors.
    mutating func set(_ key: String, to value: PlanJSON, reader: PlanReader, at path: String) throws {
        switch key {
        case "inputEmbedding": inputEmbedding = try reader.string(value, at: path)
        case "outputLayer": outputLayer = try reader.string(value, at: path)
        case "sharing": sharing = try reader.string(value, at: path)
        case "cutoffs":
            // The command line's syntax; a list of numbers is the explicit form written as JSON.
            if case .array = value {
                cutoffs = try reader.integers(value, at: path, minimum: 1).map(String.init).joined(separator: ",")
            } else {
                cutoffs = try reader.string(value, at: path)
            }
        case "rankDivisor": rankDivisor = try reader.integer(value, at: path, minimum: 1)
        case "embeddingSize": embeddingSize = try reader.integer(value, at: path, minimum: 1)
        case "dilations":
            dilations = try reader.integers(value, at: path, minimum: 1)
            if dilations.isEmpty { throw reader.fail(path, "expected at least one dilation") }
        case "kernelSize": kernelSize = try reader.integer(value, at: path, minimum: 1)
        case "inputRatio":
            let ratio = try reader.number(value, at: path)
            guard ratio >= 1 else { throw reader.fail(path, "expected a ratio of at least 1, found \(PlanJSON.format(ratio))") }
            inputRatio = ratio
        case "buckets": buckets = try reader.integer(value, at: path, minimum: 1)
        case "epochs": epochs = try reader.integer(value, at: path, minimum: 1)
        case "batchSize": batchSize = try reader.integer(value, at: path, minimum: 1)
        case "learningRate":
            learningRate = try reader.number(value, at: path)
            guard learningRate > 0 else { throw reader.fail(path, "expected a positive learning rate") }
        case "weightDecay":
            weightDecay = try reader.number(value, at: path)
            guard weightDecay >= 0 else { throw reader.fail(path, "expected a weight decay of at least 0") }
        case "clipNorm":
            let norm = try reader.number(value, at: path)
            guard norm > 0 else { throw reader.fail(path, "expected a positive gradient norm") }
            clipNorm = norm
        case "patience": patience = try reader.integer(value, at: path, minimum: 1)
        case "validation": validation = try reader.bool(value, at: path)
        default:
            throw reader.fail(path, "unknown key; expected one of \(Self.keys.joined(separator: ", "))")
        }
    }

    /// The first setting this build cannot run, as (key, why), or nil. Needs no data, so a
    /// whole plan is checked before its first run.
    public func unsupported() -> (key: String, message: String)? {
        func known<E: RawRepresentable & CaseIterable>(_: E.Type) -> String where E.RawValue == String {
            E.allCases.map(\.rawValue).joined(separator: ", ")
        }
        if InputEmbeddingKind(rawValue: inputEmbedding) == nil {
            return ("inputEmbedding", "'\(inputEmbedding)' is not an input embedding this build has (it has \(known(InputEmbeddingKind.self)))")
        }
        if OutputLayerKind(rawValue: outputLayer) == nil {
            return ("outputLayer", "'\(outputLayer)' is not an output layer this build has (it has \(known(OutputLayerKind.self)))")
        }
        if SharingScheme(rawValue: sharing) == nil {
            return ("sharing", "'\(sharing)' is not a sharing scheme this build has (it has \(known(SharingScheme.self)))")
        }
        if inputRatio != nil {
            return ("inputRatio", "no input embedding in this build takes a ratio (it has \(known(InputEmbeddingKind.self)))")
        }
        if buckets != nil {
            return ("buckets", "no input embedding in this build takes a bucket count (it has \(known(InputEmbeddingKind.self)))")
        }
        if patience != nil && !validation {
            return ("patience", "patience needs a validation split; set validation to true")
        }
        return nil
    }

    /// The model for a catalogue of `itemCount` items (with padding) whose training frequencies
    /// are given, reading histories of `maxLength`: what `train`'s model options build.
    /// - Throws: ``ExperimentSettingError`` naming the key at fault (the caller adds the plan).
    public func modelConfiguration(itemCount: Int, frequencies: [Int], maxLength: Int) throws -> ModelConfiguration {
        if let problem = unsupported() { throw ExperimentSettingError(key: problem.key, message: problem.message) }
        var config = ModelConfiguration(
            itemCount: itemCount, embeddingSize: embeddingSize, dilations: dilations, kernelSize: kernelSize,
            maxLength: maxLength, inputEmbedding: InputEmbeddingKind(rawValue: inputEmbedding)!,
            outputLayer: OutputLayerKind(rawValue: outputLayer)!, sharing: SharingScheme(rawValue: sharing)!,
            rankDivisor: rankDivisor)
        if config.usesClusters {
            do {
                config.cutoffs = try ItemClusters.parse(cutoffs, frequencies: frequencies).cutoffs
            } catch let error as InputError {
                throw ExperimentSettingError(key: "cutoffs", message: error.message)
            }
        }
        do {
            try config.validate()
        } catch let error as InputError {
            throw ExperimentSettingError(key: nil, message: error.message)
        }
        return config
    }

    /// The training options for one seed: what `train`'s options build.
    public func trainingOptions(seed: UInt64) throws -> TrainingOptions {
        var options = TrainingOptions()
        options.epochs = epochs
        options.batchSize = batchSize
        options.learningRate = Float(learningRate)
        options.weightDecay = Float(weightDecay)
        options.gradientClipNorm = clipNorm.map(Float.init)
        options.patience = patience
        options.seed = seed
        do {
            try options.validate()
        } catch let error as InputError {
            throw ExperimentSettingError(key: nil, message: error.message)
        }
        return options
    }
}

/// A configuration's setting that cannot build a model or training run; `key` is nil when
/// the problem lies in a combination of settings.
public struct ExperimentSettingError: Error, Sendable {
    public var key: String?
    public var message: String
}
