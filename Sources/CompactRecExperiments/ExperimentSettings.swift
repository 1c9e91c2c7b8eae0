import CompactRec

/// One configuration's settings in an experiment plan: a ``RunSpecification`` read from the
/// plan's keys (``RunSetting/planConfigurationKeys``: `inputEmbedding`, `rankDivisor`, …),
/// whose data, length, seed and training windows the plan's grid fills in
/// (``ExperimentRun/specification``).
///
/// Its JSON is a flat object of plan keys: every setting that has a value, defaults included,
/// so `hash` appears only when set. A run's key hashes it and `results.jsonl` records it, so it
/// must not change for the same settings (the shipped plans' keys are pinned by a test).
///
/// To add a setting: a property of the specification with its default, a ``RunSetting`` case,
/// its reading in ``set(_:to:reader:at:)`` and writing in ``planValue(_:)``; the command line
/// adds its flag.
@dynamicMemberLookup
public struct ExperimentSettings: Equatable, Sendable {
    public var specification = RunSpecification()

    public init() {}

    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<RunSpecification, Value>) -> Value {
        get { specification[keyPath: keyPath] }
        set { specification[keyPath: keyPath] = newValue }
    }

    /// Every key a plan may set in `defaults` or a configuration.
    public static let keys = RunSetting.planConfigurationKeys

    /// Sets `setting` from a plan value, checking its type; `path` names it in errors. The
    /// values are checked with the rest of the specification (``RunSpecification/validate(given:names:)``).
    mutating func set(_ setting: RunSetting, to value: PlanJSON, reader: PlanReader, at path: String) throws {
        func whole() throws -> Int { try reader.integer(value, at: path) }
        func number() throws -> Double { try reader.number(value, at: path) }
        func string() throws -> String { try reader.string(value, at: path) }
        func table(_ side: TableSide) -> WritableKeyPath<ModelSpecification, TableSpecification> {
            side == .input ? \.inputTable : \.outputTable
        }
        switch setting {
        case .inputEmbedding: specification.model.inputEmbedding = VariantName(name: try string())
        case .outputLayer: specification.model.outputLayer = VariantName(name: try string())
        case .sharing: specification.model.sharing = VariantName(name: try string())
        case .cutoffs:
            // The command line's syntax; a list of numbers is the explicit form written as JSON.
            if case .array = value {
                specification.model.cutoffs = try reader.integers(value, at: path, minimum: 1).map(String.init).joined(separator: ",")
            } else {
                specification.model.cutoffs = try string()
            }
        case .rankDivisor: specification.model.rankDivisor = try number()
        case .embeddingSize: specification.model.embeddingSize = try whole()
        case .dilations: specification.model.dilations = try reader.integers(value, at: path)
        case .kernelSize: specification.model.kernelSize = try whole()
        case .encoder: specification.model.encoder = VariantName(name: try string())
        case .layers: specification.model.layers = try whole()
        case .heads: specification.model.heads = try whole()
        case .innerSize: specification.model.innerSize = try whole()
        case .dropout: specification.model.dropout = try number()
        case .tieEmbeddings: specification.model.tieEmbeddings = try reader.bool(value, at: path)
        case .inputRatio, .outputRatio:
            specification.model[keyPath: table(setting == .inputRatio ? .input : .output)].ratio = try number()
        case .buckets, .outputBuckets:
            specification.model[keyPath: table(setting == .buckets ? .input : .output)].buckets = try whole()
        case .hash, .outputHash:
            specification.model[keyPath: table(setting == .hash ? .input : .output)].hash = VariantName(name: try string())
        case .qrCollisions, .outputQrCollisions:
            specification.model[keyPath: table(setting == .qrCollisions ? .input : .output)].qrCollisions = try whole()
        case .qrOperation, .outputQrOperation:
            specification.model[keyPath: table(setting == .qrOperation ? .input : .output)].qrOperation = VariantName(name: try string())
        case .rank, .outputRank:
            specification.model[keyPath: table(setting == .rank ? .input : .output)].rank = try whole()
        case .mixedAlpha, .outputMixedAlpha:
            specification.model[keyPath: table(setting == .mixedAlpha ? .input : .output)].mixedAlpha = try number()
        case .jpqSplits: specification.model.jpqSplits = try whole()
        case .jpqCodes: specification.model.jpqCodes = VariantName(name: try string())
        case .epochs: specification.training.epochs = try whole()
        case .batchSize: specification.training.batchSize = try whole()
        case .learningRate: specification.training.learningRate = try number()
        case .weightDecay: specification.training.weightDecay = try number()
        case .clipNorm: specification.training.clipNorm = try number()
        case .patience: specification.training.patience = try whole()
        case .teacher: specification.training.teacher = try string()
        case .distillWeight: specification.training.distillWeight = try number()
        case .temperature: specification.training.temperature = try number()
        case .validation: specification.data.validation = try reader.bool(value, at: path)
        case .maxLength, .seed, .trainWindows, .file, .test, .format:
            throw reader.fail(path, "unknown key; expected one of \(Self.keys.joined(separator: ", "))")
        }
    }

    /// `setting`'s value as a plan writes it, or nil when it has none (or a plan cannot set it).
    ///
    /// The encoder's settings appear only for the encoder that uses them, and the encoder itself
    /// only when it is not NextItNet, so that the records and run keys of plans written before
    /// SASRec existed stay as they were.
    func planValue(_ setting: RunSetting) -> PlanJSON? {
        let model = specification.model, training = specification.training
        if let scope = setting.encoderScope, model.encoder.name != scope.rawValue { return nil }
        func number(_ value: Int?) -> PlanJSON? { value.map { .number(Double($0)) } }
        func number(_ value: Double?) -> PlanJSON? { value.map { .number($0) } }
        func table(_ side: TableSide) -> TableSpecification { side == .input ? model.inputTable : model.outputTable }
        switch setting {
        case .inputEmbedding: return .string(model.inputEmbedding.name)
        case .outputLayer: return .string(model.outputLayer.name)
        case .sharing: return .string(model.sharing.name)
        case .cutoffs: return .string(model.cutoffs)
        case .rankDivisor: return number(model.rankDivisor)
        case .embeddingSize: return number(model.embeddingSize)
        case .dilations: return .array(model.dilations.map { .number(Double($0)) })
        case .kernelSize: return number(model.kernelSize)
        case .encoder: return model.encoder.kind == .nextitnet ? nil : .string(model.encoder.name)
        case .layers: return number(model.layers)
        case .heads: return number(model.heads)
        case .innerSize: return number(model.innerSize)
        case .dropout: return number(model.dropout)
        case .tieEmbeddings: return model.tieEmbeddings.map { .bool($0) }
        case .inputRatio, .outputRatio: return number(table(setting == .inputRatio ? .input : .output).ratio)
        case .buckets, .outputBuckets: return number(table(setting == .buckets ? .input : .output).buckets)
        case .hash, .outputHash: return table(setting == .hash ? .input : .output).hash.map { .string($0.name) }
        case .qrCollisions, .outputQrCollisions: return number(table(setting == .qrCollisions ? .input : .output).qrCollisions)
        case .qrOperation, .outputQrOperation:
            return table(setting == .qrOperation ? .input : .output).qrOperation.map { .string($0.name) }
        case .rank, .outputRank: return number(table(setting == .rank ? .input : .output).rank)
        case .mixedAlpha, .outputMixedAlpha: return number(table(setting == .mixedAlpha ? .input : .output).mixedAlpha)
        case .jpqSplits: return number(model.jpqSplits)
        case .jpqCodes: return model.jpqCodes.map { .string($0.name) }
        case .epochs: return number(training.epochs)
        case .batchSize: return number(training.batchSize)
        case .learningRate: return number(training.learningRate)
        case .weightDecay: return number(training.weightDecay)
        case .clipNorm: return number(training.clipNorm)
        case .patience: return number(training.patience)
        case .teacher: return training.teacher.map { .string($0) }
        // Only with a teacher, so that plans without one keep their run keys.
        case .distillWeight: return training.teacher == nil ? nil : number(training.distillWeight)
        case .temperature: return training.teacher == nil ? nil : number(training.temperature)
        case .validation: return .bool(specification.data.validation)
        case .maxLength, .seed, .trainWindows, .file, .test, .format: return nil
        }
    }
}

/// The flat object of plan keys, as run keys hash it and `results.jsonl` records it.
extension ExperimentSettings: Codable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for setting in RunSetting.allCases {
            if let value = planValue(setting) { try container.encode(value, forKey: Key(stringValue: setting.key)) }
        }
    }

    /// Reads a record's settings as a plan's: the same keys and types.
    public init(from decoder: any Decoder) throws {
        let fields = try [String: PlanJSON](from: decoder)
        let reader = PlanReader(source: "settings")
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            do {
                guard let setting = RunSetting(rawValue: key) else { throw reader.fail(key, "unknown key") }
                try set(setting, to: value, reader: reader, at: key)
            } catch let error as InputError {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [Key(stringValue: key)],
                                                        debugDescription: error.description))
            }
        }
    }
}
