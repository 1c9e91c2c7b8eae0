import CKernels

/// The uncompressed output layer: logits = h · W + b over all N items, softmax cross-entropy.
///
/// `W` is stored `[C, N]` (input-major) because the three products of a training step —
/// `H·W`, `dL·Wᵀ` and `Hᵀ·dL` — all run near the BLAS's best rate in that layout.
/// The softmax, loss, gradient and bias gradient are one fused pass per row, so the
/// `[M, N]` logits are written once and read back only by the two backward GEMMs.
public final class FullSoftmax: RangeScoringOutputLayer {
    public let itemCount: Int
    public let dimensions: Int
    /// [C, N]
    public let weight: Weight
    /// [N]
    public let bias: Weight
    /// [M, N]: logits, then probabilities, then dLoss/dLogits.
    package let logits = Workspace()
    /// [threads, N]: per-thread partial bias gradients.
    package let biasPartials = Workspace()
    /// [B, N]: scores of a ranking that scores every item (`OutputLayer.rankingScratch`).
    public let rankingScratch = Workspace()

    public init(itemCount: Int, dimensions: Int, rng: inout SeededGenerator) {
        self.itemCount = itemCount
        self.dimensions = dimensions
        weight = Weight(shape: [dimensions, itemCount])
        bias = Weight(shape: [itemCount])
        // As torch.nn.Linear: U(±1/sqrt(C)).
        let bound = 1 / Float(dimensions).squareRoot()
        weight.value.fillUniform(bound: bound, using: &rng)
        bias.value.fillUniform(bound: bound, using: &rng)
    }

    /// A replica: the same weights, shared and only read, with scratch of its own (see `Replica`).
    public init(replicating other: FullSoftmax) {
        itemCount = other.itemCount
        dimensions = other.dimensions
        weight = other.weight
        bias = other.bias
    }

    public func replica() -> Self { FullSoftmax(replicating: self) as! Self }

    public func namedWeights(prefix: String) -> [NamedWeight] {
        [NamedWeight(join(prefix, "weight"), weight), NamedWeight(join(prefix, "bias"), bias)]
    }

    public func scores(hidden: UnsafePointer<Float>, rows B: Int, output: UnsafeMutablePointer<Float>) {
        let N = itemCount, C = dimensions
        for r in 0..<B { (output + r * N).update(from: bias.value.data, count: N) }
        BLAS.gemm(m: B, n: N, k: C, a: hidden, lda: C, b: weight.value.data, ldb: N, beta: 1, c: output, ldc: N)
    }

    /// One history against a range of items, for blockwise ranking (`RangeScoringOutputLayer`):
    /// each item's sum in a fixed order over the columns of `[C, N]` (gemm, which scores a batch
    /// when nothing is skipped, may round a score differently in its last bit). h: [C]; row: [N].
    public func scores(history h: UnsafePointer<Float>, items range: Range<Int>, into row: UnsafeMutablePointer<Float>) {
        ck_scores_f32_columns(h, dimensions, weight.value.data, itemCount, range.lowerBound, range.upperBound, bias.value.data, row)
    }
}
