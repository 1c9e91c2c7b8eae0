/// NextItNet's shape (METHODS §2) and CpRec's sharing of its convolutions (§3.4): everything a
/// configuration says about the encoder, with the formulas that follow from it.
public struct NextItNetConfiguration: Codable, Sendable, Equatable {
    /// One entry per residual block; the block's convolutions dilate r and 2r.
    public var dilations: [Int]
    public var kernelSize: Int
    public var layerNormEpsilon: Float
    public var sharing: SharingScheme

    public init(dilations: [Int] = [1, 4, 1, 4], kernelSize: Int = 3, layerNormEpsilon: Float = 1e-5, sharing: SharingScheme = .none) {
        self.dilations = dilations
        self.kernelSize = kernelSize
        self.layerNormEpsilon = layerNormEpsilon
        self.sharing = sharing
    }

    /// The largest values `validate()` accepts: far beyond any useful model, they keep every
    /// size computed from a configuration from overflowing, whatever a config.json says.
    public enum Limits {
        public static let kernelSize = 1_024
        public static let dilation = 65_536
        /// Residual blocks.
        public static let blocks = 1_024
    }

    /// Throws a sentence naming the first setting that cannot build the encoder.
    public func validate() throws {
        func within(_ value: Int, _ range: ClosedRange<Int>, _ name: String) throws {
            guard range.contains(value) else {
                throw InputError(source: "model configuration", "\(name) must lie in \(range.lowerBound)...\(range.upperBound), got \(value)")
            }
        }
        try within(dilations.count, 1...Limits.blocks, "the number of blocks (dilations)")
        for r in dilations { try within(r, 1...Limits.dilation, "every dilation") }
        try within(kernelSize, 1...Limits.kernelSize, "kernel size")
        if !(layerNormEpsilon > 0 && layerNormEpsilon.isFinite) {
            throw InputError(source: "model configuration", "layer-norm epsilon must be positive and finite, got \(layerNormEpsilon)")
        }
    }

    /// The encoder, its convolutions shared as `sharing` says, initialised from `rng`.
    public func makeEncoder(channels C: Int, rng: inout SeededGenerator) -> NextItNet {
        NextItNet(dimensions: C, dilations: dilations, kernelSize: kernelSize, layerNormEpsilon: layerNormEpsilon,
                  sharing: sharing, rng: &rng)
    }

    /// Parameters with the sharing scheme: each distinct convolution `k·C·C + C`, each block's two
    /// LayerNorms `4C` (never shared).
    public func parameterCount(channels C: Int) -> Int {
        SharingScheme.middleParameterCount(scheme: sharing, blocks: dilations.count, channels: C, kernelSize: kernelSize)
    }

    /// Parameters without sharing: per block two convolutions `k·C·C + C` and two LayerNorms `2C` each.
    public func uncompressedParameterCount(channels C: Int) -> Int {
        dilations.count * (2 * (kernelSize * C * C + C) + 2 * (2 * C))
    }

    /// Multiply-adds ×2 of a training step's convolutions over `rows` positions: forward, and
    /// backward's two products (input and weight gradients), `6 · rows · k·C·C` per convolution.
    public func trainingFlops(rows: Double, channels C: Int) -> Double {
        Double(2 * dilations.count) * 6 * rows * Double(C) * Double(kernelSize) * Double(C)
    }

    /// Floats of the forward activations over `rows` positions: per block five `[rows, C]`
    /// activations, two `[rows, k·C]` convolution products and four LayerNorm statistics rows.
    public func activationFloats(rows: Double, channels C: Int) -> Double {
        let C = Double(C), k = Double(kernelSize)
        return Double(dilations.count) * (5 * rows * C + 2 * rows * k * C + 4 * rows)
    }

    /// Floats of the backward's own buffers over `rows` positions: the encoder's two and each block's two.
    public func backwardFloats(rows: Double, channels C: Int) -> Double {
        rows * Double(C) * (2 + 2 * Double(dilations.count))
    }

    /// One line for logs: `NextItNet dilations [1, 4, 1, 4] k=3, sharing none`.
    public var summary: String { "NextItNet dilations \(dilations) k=\(kernelSize), sharing \(sharing.rawValue)" }
}
