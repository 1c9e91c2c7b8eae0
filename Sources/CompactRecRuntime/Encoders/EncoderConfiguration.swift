/// Which sequence encoder a model has, with its own settings: the backbone as a configuration of
/// its own, so that a second one (SASRec) is one more case here and one folder beside NextItNet/.
///
/// Stored in `config.json` as `"encoder": {"kind": "nextitnet", "dilations": [1, 4, 1, 4], …}`.
public enum EncoderConfiguration: Codable, Sendable, Equatable {
    case nextItNet(NextItNetConfiguration)

    /// The name in `config.json` and in logs.
    public var kind: String {
        switch self {
        case .nextItNet: "nextitnet"
        }
    }

    public func validate() throws {
        switch self {
        case .nextItNet(let c): try c.validate()
        }
    }

    /// The encoder, initialised from `rng`.
    public func makeEncoder(channels C: Int, rng: inout SeededGenerator) -> any SequenceEncoder {
        switch self {
        case .nextItNet(let c): c.makeEncoder(channels: C, rng: &rng)
        }
    }

    /// Its parameters as configured, and without any sharing (the uncompressed reference).
    public func parameterCount(channels C: Int) -> Int {
        switch self {
        case .nextItNet(let c): c.parameterCount(channels: C)
        }
    }

    public func uncompressedParameterCount(channels C: Int) -> Int {
        switch self {
        case .nextItNet(let c): c.uncompressedParameterCount(channels: C)
        }
    }

    /// Useful floating-point operations of a training step over `rows` positions.
    public func trainingFlops(rows: Double, channels C: Int) -> Double {
        switch self {
        case .nextItNet(let c): c.trainingFlops(rows: rows, channels: C)
        }
    }

    /// Floats of the forward activations and of the backward's buffers over `rows` positions.
    public func activationFloats(rows: Double, channels C: Int) -> Double {
        switch self {
        case .nextItNet(let c): c.activationFloats(rows: rows, channels: C)
        }
    }

    public func backwardFloats(rows: Double, channels C: Int) -> Double {
        switch self {
        case .nextItNet(let c): c.backwardFloats(rows: rows, channels: C)
        }
    }

    public var summary: String {
        switch self {
        case .nextItNet(let c): c.summary
        }
    }

    /// The NextItNet settings, when the encoder is one.
    public var nextItNet: NextItNetConfiguration? {
        switch self {
        case .nextItNet(let c): c
        }
    }

    private enum CodingKeys: String, CodingKey { case kind }

    public init(from decoder: any Decoder) throws {
        let kind = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .kind)
        switch kind {
        case "nextitnet": self = .nextItNet(try NextItNetConfiguration(from: decoder))
        default:
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [CodingKeys.kind],
                                                    debugDescription: "unknown encoder kind '\(kind)'; this CompactRec knows nextitnet"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        switch self {
        case .nextItNet(let c): try c.encode(to: encoder)
        }
    }
}
