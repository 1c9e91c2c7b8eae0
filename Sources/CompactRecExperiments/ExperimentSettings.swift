import CompactRec

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
    public var rankDivisor: Double = 4
    public var embeddingSize = 64
    public var dilations = [1, 4, 1, 4]
    public var kernelSize = 3
    /// The input table's knobs (memcom, hashing, qr, low-rank, mixed-dim), as `train`'s
    /// `--input-ratio`, `--buckets`, `--hash`, `--qr-collisions`, `--qr-operation`, `--rank` and
    /// `--mixed-alpha`; nil is "not given". With a block-adaptive input, the ratio picks the rank
    /// divisor (and `rankDivisor` is not used).
    public var inputRatio: Double?
    public var buckets: Int?
    public var hash: String?
    public var qrCollisions: Int?
    public var qrOperation: String?
    public var rank: Int?
    public var mixedAlpha: Double?
    /// The output item matrix's knobs, as `--output-ratio`, `--output-buckets`, … .
    public var outputRatio: Double?
    public var outputBuckets: Int?
    public var outputHash: String?
    public var outputQrCollisions: Int?
    public var outputQrOperation: String?
    public var outputRank: Int?
    public var outputMixedAlpha: Double?

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
        "kernelSize", "inputRatio", "buckets", "hash", "qrCollisions", "qrOperation", "rank", "mixedAlpha",
        "outputRatio", "outputBuckets", "outputHash", "outputQrCollisions", "outputQrOperation", "outputRank",
        "outputMixedAlpha", "epochs", "batchSize", "learningRate", "weightDecay", "clipNorm", "patience", "validation",
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
        case "rankDivisor":
            rankDivisor = try reader.number(value, at: path)
            guard rankDivisor >= 1 else { throw reader.fail(path, "expected a rank divisor of at least 1, found \(PlanJSON.format(rankDivisor))") }
        case "embeddingSize": embeddingSize = try reader.integer(value, at: path, minimum: 1)
        case "dilations":
            dilations = try reader.integers(value, at: path, minimum: 1)
            if dilations.isEmpty { throw reader.fail(path, "expected at least one dilation") }
        case "kernelSize": kernelSize = try reader.integer(value, at: path, minimum: 1)
        case "inputRatio", "outputRatio":
            let ratio = try reader.number(value, at: path)
            guard ratio >= 1 else { throw reader.fail(path, "expected a ratio of at least 1, found \(PlanJSON.format(ratio))") }
            if key == "inputRatio" { inputRatio = ratio } else { outputRatio = ratio }
        case "buckets": buckets = try reader.integer(value, at: path, minimum: 1)
        case "outputBuckets": outputBuckets = try reader.integer(value, at: path, minimum: 1)
        case "hash": hash = try reader.string(value, at: path)
        case "outputHash": outputHash = try reader.string(value, at: path)
        case "qrCollisions": qrCollisions = try reader.integer(value, at: path, minimum: 1)
        case "outputQrCollisions": outputQrCollisions = try reader.integer(value, at: path, minimum: 1)
        case "qrOperation": qrOperation = try reader.string(value, at: path)
        case "outputQrOperation": outputQrOperation = try reader.string(value, at: path)
        case "rank": rank = try reader.integer(value, at: path, minimum: 1)
        case "outputRank": outputRank = try reader.integer(value, at: path, minimum: 1)
        case "mixedAlpha", "outputMixedAlpha":
            let alpha = try reader.number(value, at: path)
            guard alpha >= 0 else { throw reader.fail(path, "expected α ≥ 0, found \(PlanJSON.format(alpha))") }
            if key == "mixedAlpha" { mixedAlpha = alpha } else { outputMixedAlpha = alpha }
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
        for (key, name) in [("hash", hash), ("outputHash", outputHash)] {
            if let name, ItemHash(rawValue: name) == nil {
                return (key, "'\(name)' is not a hash this build has (it has \(known(ItemHash.self)))")
            }
        }
        for (key, name) in [("qrOperation", qrOperation), ("outputQrOperation", outputQrOperation)] {
            if let name, QuotientRemainderOperation(rawValue: name) == nil {
                return (key, "'\(name)' is not a quotient-remainder operation this build has (it has \(known(QuotientRemainderOperation.self)))")
            }
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
        let input = ItemTableRequest(
            side: .input, names: .planInput, buckets: buckets, hash: hash.flatMap(ItemHash.init(rawValue:)),
            qrCollisions: qrCollisions, qrOperation: qrOperation.flatMap(QuotientRemainderOperation.init(rawValue:)),
            rank: rank, mixedAlpha: mixedAlpha, ratio: inputRatio)
        let output = ItemTableRequest(
            side: .output, names: .planOutput, buckets: outputBuckets, hash: outputHash.flatMap(ItemHash.init(rawValue:)),
            qrCollisions: outputQrCollisions,
            qrOperation: outputQrOperation.flatMap(QuotientRemainderOperation.init(rawValue:)),
            rank: outputRank, mixedAlpha: outputMixedAlpha, ratio: outputRatio)
        do {
            try config.resolveTables(input: input, output: output, rankDivisorGiven: false, frequencies: frequencies)
        } catch let error as InputError {
            throw ExperimentSettingError(key: Self.keys.contains(error.source) ? error.source : nil, message: error.message)
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
