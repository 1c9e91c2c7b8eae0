/// The side of the encoder a compressed table is on, and the settings of its knobs there
/// (`buckets` on the input side, `outputBuckets` on the output side).
public enum TableSide: Sendable {
    case input, output

    /// "input embedding", "output layer": the part the table is.
    public var part: String {
        switch self {
        case .input: "input embedding"
        case .output: "output layer"
        }
    }

    public var ratio: RunSetting { self == .input ? .inputRatio : .outputRatio }
    public var buckets: RunSetting { self == .input ? .buckets : .outputBuckets }
    public var hash: RunSetting { self == .input ? .hash : .outputHash }
    public var qrCollisions: RunSetting { self == .input ? .qrCollisions : .outputQrCollisions }
    public var qrOperation: RunSetting { self == .input ? .qrOperation : .outputQrOperation }
    public var rank: RunSetting { self == .input ? .rank : .outputRank }
    public var mixedAlpha: RunSetting { self == .input ? .mixedAlpha : .outputMixedAlpha }

    /// The knob that sets a `kind` table's size.
    public func size(_ kind: ItemTableKind) -> RunSetting { setting(knob: kind.sizeKnob) }

    /// The run setting of a table knob (``ItemTableVariant/knobs``) on this side: `buckets` is
    /// `outputBuckets` on the output side; a jpq table's knobs are one setting for both sides.
    public func setting(knob: String) -> RunSetting {
        switch knob {
        case "buckets": buckets
        case "hash": hash
        case "qrCollisions": qrCollisions
        case "qrOperation": qrOperation
        case "rank": rank
        case "mixedAlpha": mixedAlpha
        case "jpqSplits": .jpqSplits
        case "jpqCodes": .jpqCodes
        default: preconditionFailure("no run setting for the table knob \(knob)")
        }
    }
}
