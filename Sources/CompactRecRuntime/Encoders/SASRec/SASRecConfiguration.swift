/// SASRec's shape (Kang & McAuley, ICDM 2018, as RecBole 1.2.1 builds it): learned positions,
/// `layers` Transformer blocks of causal multi-head self-attention and a feed-forward network,
/// each sub-layer followed by dropout, a residual sum and LayerNorm (post-norm).
///
/// Defaults are RecBole's: 2 layers, 2 heads, inner size 256, dropout 0.5 on hidden states and
/// on attention weights, GELU, LayerNorm epsilon 1e-12, weights from N(0, 0.02²).
public struct SASRecConfiguration: Codable, Sendable, Equatable {
    public var layers: Int
    public var heads: Int
    /// The feed-forward network's hidden width (C → inner → C).
    public var innerSize: Int
    /// Dropout on the embedded input and on each sub-layer's output (training only).
    public var dropout: Float
    /// Dropout on the attention weights (training only).
    public var attentionDropout: Float
    public var layerNormEpsilon: Float
    /// CpRec's sharing of the blocks' weights, in its SASRec meaning (see `SharingScheme.sasRecSets`).
    public var sharing: SharingScheme

    public init(layers: Int = 2, heads: Int = 2, innerSize: Int = 256, dropout: Float = 0.5,
                attentionDropout: Float = 0.5, layerNormEpsilon: Float = 1e-12, sharing: SharingScheme = .none) {
        self.sharing = sharing
        self.layers = layers
        self.heads = heads
        self.innerSize = innerSize
        self.dropout = dropout
        self.attentionDropout = attentionDropout
        self.layerNormEpsilon = layerNormEpsilon
    }

    private enum CodingKeys: String, CodingKey { case layers, heads, innerSize, dropout, attentionDropout, layerNormEpsilon, sharing }

    /// `sharing` was added after the first SASRec bundles: absent, it is `none`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        layers = try c.decode(Int.self, forKey: .layers)
        heads = try c.decode(Int.self, forKey: .heads)
        innerSize = try c.decode(Int.self, forKey: .innerSize)
        dropout = try c.decode(Float.self, forKey: .dropout)
        attentionDropout = try c.decode(Float.self, forKey: .attentionDropout)
        layerNormEpsilon = try c.decode(Float.self, forKey: .layerNormEpsilon)
        sharing = try c.decodeIfPresent(SharingScheme.self, forKey: .sharing) ?? .none
    }

    /// The standard deviation of every weight matrix and of the position table at initialisation.
    public static let initialStandardDeviation: Float = 0.02

    /// The largest values `validate()` accepts, so that no size computed from a configuration
    /// overflows whatever a config.json says.
    public enum Limits {
        public static let layers = 1_024
        public static let heads = 1_024
        public static let innerSize = 1 << 20
    }

    /// Throws a sentence naming the first setting that cannot build the encoder for `channels`.
    public func validate(channels C: Int? = nil) throws {
        func within(_ value: Int, _ range: ClosedRange<Int>, _ name: String) throws {
            guard range.contains(value) else {
                throw InputError(source: "model configuration", "\(name) must lie in \(range.lowerBound)...\(range.upperBound), got \(value)")
            }
        }
        try within(layers, 1...Limits.layers, "SASRec's number of layers")
        try within(heads, 1...Limits.heads, "SASRec's number of heads")
        try within(innerSize, 1...Limits.innerSize, "SASRec's inner size")
        if let C, C % heads != 0 {
            throw InputError(source: "model configuration",
                             "the embedding size (\(C)) must be a multiple of SASRec's number of heads (\(heads))")
        }
        for (rate, name) in [(dropout, "SASRec's dropout"), (attentionDropout, "SASRec's attention dropout")]
        where !(rate >= 0 && rate < 1) {
            throw InputError(source: "model configuration", "\(name) must lie in [0, 1), got \(rate)")
        }
        if !sharing.appliesToSASRec {
            throw InputError(source: "model configuration", "SASRec has no \(sharing.rawValue) sharing: a block's attention and "
                             + "feed-forward network have different shapes (none, cross-layer, cross-block and adjacent-block apply)")
        }
        if !(layerNormEpsilon > 0 && layerNormEpsilon.isFinite) {
            throw InputError(source: "model configuration", "layer-norm epsilon must be positive and finite, got \(layerNormEpsilon)")
        }
    }

    /// The encoder for histories of up to `maxLength` items, initialised from `rng`.
    public func makeEncoder(channels C: Int, maxLength T: Int, rng: inout SeededGenerator) -> SASRec {
        SASRec(configuration: self, dimensions: C, maxLength: T, rng: &rng)
    }

    /// Parameters: the position table `T·C`, the input LayerNorm `2C`, per distinct attention
    /// set four `C×C` projections with biases, per distinct feed-forward set `C·I + I + I·C + C`,
    /// and per layer two LayerNorms `4C` (never shared).
    public func parameterCount(channels C: Int, maxLength T: Int) -> Int {
        let sets = sharing.appliesToSASRec ? sharing.sasRecSetCounts(blocks: layers) : (attention: layers, feedForward: layers)
        return T * C + 2 * C + sets.attention * 4 * (C * C + C) + sets.feedForward * (C * innerSize + innerSize + innerSize * C + C)
            + layers * 2 * 2 * C
    }

    /// Parameters without sharing (the uncompressed reference).
    public func uncompressedParameterCount(channels C: Int, maxLength T: Int) -> Int {
        var unshared = self
        unshared.sharing = .none
        return unshared.parameterCount(channels: C, maxLength: T)
    }

    /// Multiply-adds ×2 of a training step over `rows` positions of length-`T` sequences, forward
    /// and backward (×3): the four projections `4·C·C`, the feed-forward network `2·C·I` and the
    /// attention's two products over the causal half, `T·C` per position on average.
    public func trainingFlops(rows: Double, channels C: Int, maxLength T: Int) -> Double {
        let C = Double(C), I = Double(innerSize)
        let perRow = 4 * C * C + 2 * C * I + Double(T) * C
        return Double(layers) * 3 * 2 * rows * perRow
    }

    /// Floats a training forward keeps over `rows` positions: per layer eight `[rows, C]` and two
    /// `[rows, I]` activations and two LayerNorms' statistics, plus the input's two `[rows, C]`.
    public func activationFloats(rows: Double, channels C: Int) -> Double {
        let C = Double(C), I = Double(innerSize)
        return 2 * rows * C + Double(layers) * (8 * rows * C + 2 * rows * I + 4 * rows)
    }

    /// Floats of the backward's own buffers over `rows` positions: five `[rows, C]` and one
    /// `[rows, I]` gradient buffers shared by the layers.
    public func backwardFloats(rows: Double, channels C: Int) -> Double {
        rows * (5 * Double(C) + Double(innerSize))
    }

    /// One line for logs: `SASRec 2 layers, 2 heads, inner 256, dropout 0.5/0.5`.
    public var summary: String {
        "SASRec \(layers) layers, \(heads) heads, inner \(innerSize), dropout \(dropout)/\(attentionDropout), sharing \(sharing.rawValue)"
    }
}
