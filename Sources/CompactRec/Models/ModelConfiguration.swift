/// Everything needed to rebuild a model's shape; stored in a bundle's `config.json`.
public struct ModelConfiguration: Codable, Sendable, Equatable {
    /// N, including padding.
    public var itemCount: Int
    /// C (the paper's d).
    public var embeddingSize: Int
    /// One entry per residual block; the block's convolutions dilate r and 2r.
    public var dilations: [Int]
    public var kernelSize: Int
    /// T: the longest history the model reads.
    public var maxLength: Int
    public var layerNormEpsilon: Float

    public init(
        itemCount: Int, embeddingSize: Int = 64, dilations: [Int] = [1, 4, 1, 4], kernelSize: Int = 3,
        maxLength: Int = 50, layerNormEpsilon: Float = 1e-5
    ) {
        self.itemCount = itemCount
        self.embeddingSize = embeddingSize
        self.dilations = dilations
        self.kernelSize = kernelSize
        self.maxLength = maxLength
        self.layerNormEpsilon = layerNormEpsilon
    }

    /// Throws a sentence naming the first setting that cannot build a model.
    public func validate() throws {
        func fail(_ message: String) -> InputError { InputError(source: "model configuration", message) }
        if itemCount < 2 { throw fail("itemCount must be at least 2 (padding and one item), got \(itemCount)") }
        if embeddingSize < 1 { throw fail("embedding size must be positive, got \(embeddingSize)") }
        if dilations.isEmpty { throw fail("dilations must name at least one block") }
        if let bad = dilations.first(where: { $0 < 1 }) { throw fail("dilations must be positive, got \(bad)") }
        if kernelSize < 1 { throw fail("kernel size must be positive, got \(kernelSize)") }
        if maxLength < 1 { throw fail("max length must be positive, got \(maxLength)") }
        if !(layerNormEpsilon > 0) { throw fail("layer-norm epsilon must be positive, got \(layerNormEpsilon)") }
    }
}
