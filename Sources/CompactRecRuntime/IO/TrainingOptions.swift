/// How to train: optimisation, batching, stopping. Stored in a bundle's `config.json`.
public struct TrainingOptions: Codable, Sendable, Equatable {
    public var epochs = 10
    public var batchSize = 128
    public var learningRate: Float = 1e-3
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    public var weightDecay: Float = 0
    /// Clip the global gradient norm to this value; nil = no clipping.
    public var gradientClipNorm: Float?
    public var seed: UInt64 = 1
    /// Stop after this many epochs without a better validation NDCG@10; nil = never.
    public var patience: Int?

    public init() {}

    public func validate() throws {
        func fail(_ message: String) -> InputError { InputError(source: "training options", message) }
        if epochs < 1 { throw fail("epochs must be at least 1, got \(epochs)") }
        if batchSize < 1 { throw fail("batch size must be at least 1, got \(batchSize)") }
        if !(learningRate > 0) { throw fail("learning rate must be positive, got \(learningRate)") }
        if !(0..<1).contains(beta1) || !(0..<1).contains(beta2) { throw fail("betas must lie in [0, 1)") }
        if weightDecay < 0 { throw fail("weight decay must not be negative") }
        if let c = gradientClipNorm, !(c > 0) { throw fail("gradient clip norm must be positive, got \(c)") }
        if let p = patience, p < 1 { throw fail("patience must be at least 1, got \(p)") }
    }
}
