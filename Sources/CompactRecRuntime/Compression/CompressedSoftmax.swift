// Shape legend: B or M rows of hidden states (M: rows with a target), C channels, N items including padding 0.

/// A full softmax over all N items whose item matrix is a compressed table (MEmCom, hashing,
/// quotient-remainder, low-rank, mixed dimensions), untied from the input embedding:
///
///     score(x) = h · e(x) + b[x]
///
/// Training is the softmax cross-entropy over every item, as `FullSoftmax` (the same fused
/// kernel); the `[M, N]` scores come from the table's own scoring, which uses its structure
/// where it can (`ItemMatrix.scoreItems`), and the backward goes through the same structure.
/// The bias is a full `[N]` vector, one popularity prior per item, counted in the parameters.
/// Padding's `e(0)` is zero, so its score is its bias alone; it is never a target, and rankers
/// exclude it.
///
/// Names: the table's parameters under `items` (e.g. `output.items.table`), and `bias` [N].
///
///     let table = MEmComEmbedding(itemCount: N, dimensions: C, buckets: 5000, hash: .modulo,
///                                 standardDeviation: CompressedSoftmax.itemStandardDeviation(dimensions: C), rng: &rng)
///     let output = CompressedSoftmax(items: table, rng: &rng)
public final class CompressedSoftmax: OutputLayer {
    public let items: any ItemMatrix
    /// [N]
    public let bias: Weight
    /// [M, N]: scores, then dLoss/dScores.
    package let logits = Workspace()
    /// [threads, N]: per-thread partial bias gradients.
    package let biasPartials = Workspace()
    /// [B, N]: scores of a ranking that scores every item (`OutputLayer.rankingScratch`).
    public let rankingScratch = Workspace()

    public var itemCount: Int { items.itemCount }
    public var dimensions: Int { items.dimensions }

    /// The standard deviation item vectors start with: `FullSoftmax`'s columns are U(±1/sqrt(C)),
    /// of variance 1/(3C), so the compressed tables start at the same scale of scores.
    public static func itemStandardDeviation(dimensions C: Int) -> Float { 1 / (3 * Float(C)).squareRoot() }

    /// The bias starts U(±1/sqrt(C)) as `FullSoftmax`'s.
    public init(items: any ItemMatrix, rng: inout SeededGenerator) {
        self.items = items
        bias = Weight(shape: [items.itemCount])
        bias.value.fillUniform(bound: 1 / Float(items.dimensions).squareRoot(), using: &rng)
    }

    /// A replica: the same weights, shared and only read, with scratch of its own (see `Replica`).
    public init(replicating other: CompressedSoftmax) {
        items = other.items.replica()
        bias = other.bias
    }

    public func replica() -> Self { CompressedSoftmax(replicating: self) as! Self }

    public func namedWeights(prefix: String) -> [NamedWeight] {
        items.namedWeights(prefix: join(prefix, "items")) + [NamedWeight(join(prefix, "bias"), bias)]
    }

    public func scores(hidden: UnsafePointer<Float>, rows B: Int, output: UnsafeMutablePointer<Float>) {
        let N = itemCount
        items.scoreItems(hidden: hidden, rows: B, output: output)
        for r in 0..<B { Kernels.add(bias.value.data, into: output + r * N, count: N) }
    }
}
