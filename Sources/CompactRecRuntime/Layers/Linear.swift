/// An affine map over the last axis, `y = x·W + b`, with `W` stored `[C_in, C_out]` so that a
/// whole batch of rows is one GEMM.
///
///     let query = Linear(inputSize: 64, outputSize: 64, standardDeviation: 0.02, rng: &rng)
///     query.forward(input: x, rows: B * T, output: q)   // x [B·T, 64] → q [B·T, 64]
public final class Linear: WeightContainer {
    public let inputSize: Int
    public let outputSize: Int
    /// [C_in, C_out]
    public let weight: Weight
    /// [C_out]
    public let bias: Weight

    /// Weights from N(0, standardDeviation²) and a zero bias (BERT's and RecBole's initialisation).
    public convenience init(inputSize: Int, outputSize: Int, standardDeviation: Float, rng: inout SeededGenerator) {
        self.init(weight: Weight(shape: [inputSize, outputSize]), bias: Weight(shape: [outputSize]))
        weight.value.fillNormal(std: standardDeviation, using: &rng)
    }

    /// A layer over existing parameters (for weight sharing and replicas).
    public init(weight: Weight, bias: Weight) {
        precondition(weight.shape.count == 2 && weight.shape.allSatisfy { $0 >= 1 } && bias.shape == [weight.shape[1]],
                     "a linear layer needs weight [C_in, C_out] and bias [C_out]")
        inputSize = weight.shape[0]
        outputSize = weight.shape[1]
        self.weight = weight
        self.bias = bias
    }

    /// A replica: the same weights, shared and only read (the layer keeps no scratch).
    public func replica() -> Self { Linear(weight: weight, bias: bias) as! Self }

    public func namedWeights(prefix: String) -> [NamedWeight] {
        [NamedWeight(join(prefix, "weight"), weight), NamedWeight(join(prefix, "bias"), bias)]
    }

    /// input: [rows, C_in] with row stride `inputStride` (C_in when packed); output: [rows, C_out].
    public func forward(input x: UnsafePointer<Float>, rows: Int, inputStride: Int? = nil, output y: UnsafeMutablePointer<Float>) {
        let n = outputSize
        let b = bias.value.data
        for r in 0..<rows { (y + r * n).update(from: b, count: n) }
        BLAS.gemm(m: rows, n: n, k: inputSize, a: x, lda: inputStride ?? inputSize, b: weight.value.data, ldb: n,
                  beta: 1, c: y, ldc: n)
    }
}
