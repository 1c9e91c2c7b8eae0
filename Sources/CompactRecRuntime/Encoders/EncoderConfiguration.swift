/// Which sequence encoder a model has, with its own settings: the backbone as a configuration of
/// its own, one case here and one folder beside this file per backbone (NextItNet/, SASRec/).
///
/// Stored in `config.json` as `"encoder": {"kind": "nextitnet", "dilations": [1, 4, 1, 4], …}`
/// or `"encoder": {"kind": "sasrec", "layers": 2, "heads": 2, …}`.
public enum EncoderConfiguration: Codable, Sendable, Equatable {
    case nextItNet(NextItNetConfiguration)
    case sasRec(SASRecConfiguration)

    /// Every kind's name, as `kind` gives it.
    public static let kinds = EncoderKind.allCases.map(\.rawValue)

    /// Which backbone.
    public var encoderKind: EncoderKind {
        switch self {
        case .nextItNet: .nextitnet
        case .sasRec: .sasrec
        }
    }

    /// The name in `config.json`, in logs and on the command line (`--encoder`).
    public var kind: String { encoderKind.rawValue }

    /// Throws a sentence naming the first setting that cannot build the encoder for `channels`.
    public func validate(channels C: Int? = nil) throws {
        switch self {
        case .nextItNet(let c): try c.validate()
        case .sasRec(let c): try c.validate(channels: C)
        }
    }

    /// The encoder for windows of up to `maxLength` items, initialised from `rng`.
    public func makeEncoder(channels C: Int, maxLength T: Int, rng: inout SeededGenerator) -> any SequenceEncoder {
        switch self {
        case .nextItNet(let c): c.makeEncoder(channels: C, rng: &rng)
        case .sasRec(let c): c.makeEncoder(channels: C, maxLength: T, rng: &rng)
        }
    }

    /// The standard deviation of the item embedding's initial weights that this backbone expects
    /// (NextItNet: 1, as torch.nn.Embedding; SASRec: 0.02, as RecBole).
    public var itemEmbeddingStandardDeviation: Float {
        switch self {
        case .nextItNet: 1
        case .sasRec: SASRecConfiguration.initialStandardDeviation
        }
    }

    /// Its parameters as configured.
    public func parameterCount(channels C: Int, maxLength T: Int) -> Int {
        switch self {
        case .nextItNet(let c): c.parameterCount(channels: C)
        case .sasRec(let c): c.parameterCount(channels: C, maxLength: T)
        }
    }

    /// Its parameters without any sharing (the uncompressed reference).
    public func uncompressedParameterCount(channels C: Int, maxLength T: Int) -> Int {
        switch self {
        case .nextItNet(let c): c.uncompressedParameterCount(channels: C)
        case .sasRec(let c): c.uncompressedParameterCount(channels: C, maxLength: T)
        }
    }

    /// Useful floating-point operations of a training step over `rows` positions of windows of `maxLength`.
    public func trainingFlops(rows: Double, channels C: Int, maxLength T: Int) -> Double {
        switch self {
        case .nextItNet(let c): c.trainingFlops(rows: rows, channels: C)
        case .sasRec(let c): c.trainingFlops(rows: rows, channels: C, maxLength: T)
        }
    }

    /// Floats of the forward activations and of the backward's buffers over `rows` positions.
    public func activationFloats(rows: Double, channels C: Int) -> Double {
        switch self {
        case .nextItNet(let c): c.activationFloats(rows: rows, channels: C)
        case .sasRec(let c): c.activationFloats(rows: rows, channels: C)
        }
    }

    public func backwardFloats(rows: Double, channels C: Int) -> Double {
        switch self {
        case .nextItNet(let c): c.backwardFloats(rows: rows, channels: C)
        case .sasRec(let c): c.backwardFloats(rows: rows, channels: C)
        }
    }

    public var summary: String {
        switch self {
        case .nextItNet(let c): c.summary
        case .sasRec(let c): c.summary
        }
    }

    /// The NextItNet settings, when the encoder is one.
    public var nextItNet: NextItNetConfiguration? {
        if case .nextItNet(let c) = self { c } else { nil }
    }

    /// The SASRec settings, when the encoder is one.
    public var sasRec: SASRecConfiguration? {
        if case .sasRec(let c) = self { c } else { nil }
    }

    private enum CodingKeys: String, CodingKey { case kind }

    public init(from decoder: any Decoder) throws {
        let kind = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .kind)
        switch kind {
        case "nextitnet": self = .nextItNet(try NextItNetConfiguration(from: decoder))
        case "sasrec": self = .sasRec(try SASRecConfiguration(from: decoder))
        default:
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [CodingKeys.kind],
                                                    debugDescription: "unknown encoder kind '\(kind)'; this CompactRec knows \(Self.kinds.joined(separator: ", "))"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        switch self {
        case .nextItNet(let c): try c.encode(to: encoder)
        case .sasRec(let c): try c.encode(to: encoder)
        }
    }
}
