// Shape legend: C channels, N items including padding 0, r the rank, B rows of hidden states.

/// A low-rank factorised table (ALBERT; METHODS §5): a narrow per-item table and one projection.
///
///     e(x) = A[x] · P          A: [N, r], P: [r, C]
///
/// Parameters `N·r + r·C`. Names: `weight` [N, r] and `projection` [r, C], as a tail of
/// `BlockAdaptiveEmbedding`.
///
/// Initialisation as `BlockAdaptiveEmbedding`'s tails: `A ~ N(0, 1)` and `P ~ U(±s·sqrt(3/r))`
/// (variance s²/r), so each coordinate of e(x), a sum of r products, has variance s² (s = 1 as
/// `Embedding`). `A[0]` is the padding's row, zero and never updated.
///
///     let e = LowRankEmbedding(itemCount: N, dimensions: 64, rank: 8, rng: &rng)
public final class LowRankEmbedding: ItemMatrix {
    public let itemCount: Int
    public let dimensions: Int
    /// r
    public let rank: Int
    /// A: [N, r]
    public let weight: Weight
    /// P: [r, C]
    public let projection: Weight

    /// [rows, r]: the ids' A rows gathered (padding as zeros), then their gradient.
    private let gathered = Workspace()
    /// [B, r]: H · Pᵀ when scoring, kept for the backward; and its gradient.
    package let projected = Workspace(), projectedGradient = Workspace()

    /// - Parameter standardDeviation: s, the standard deviation of each coordinate of e(x) at initialisation.
    public init(itemCount N: Int, dimensions C: Int, rank r: Int, standardDeviation s: Float = 1, rng: inout SeededGenerator) {
        precondition(N >= 2 && C >= 1, "low-rank needs items and channels, got N = \(N), C = \(C)")
        precondition(r >= 1, "low-rank needs a positive rank, got \(r)")
        itemCount = N
        dimensions = C
        rank = r
        weight = Weight(shape: [N, r])
        weight.value.fillNormal(std: 1, using: &rng)
        weight.value.data.update(repeating: 0, count: r)
        projection = Weight(shape: [r, C])
        projection.value.fillUniform(bound: s * (3 / Float(r)).squareRoot(), using: &rng)
    }

    /// A replica: the same weights, shared and only read, with scratch of its own (see `Replica`).
    public init(replicating other: LowRankEmbedding) {
        itemCount = other.itemCount
        dimensions = other.dimensions
        rank = other.rank
        weight = other.weight
        projection = other.projection
    }

    public func replica() -> Self { LowRankEmbedding(replicating: self) as! Self }

    public func namedWeights(prefix: String) -> [NamedWeight] {
        [NamedWeight(join(prefix, "weight"), weight), NamedWeight(join(prefix, "projection"), projection)]
    }

    /// Copies the A rows of `ids` into scratch, zeros for padding: [rows, r].
    package func gatherRows(ids: UnsafePointer<Int32>, rows: Int) -> UnsafeMutablePointer<Float> {
        let r = rank, a = gathered.ensure(rows * r), table = weight.value.data
        for i in 0..<rows {
            let x = Int(ids[i])
            if x == 0 { (a + i * r).update(repeating: 0, count: r) } else { (a + i * r).update(from: table + x * r, count: r) }
        }
        return a
    }

    /// output = A[ids] · P: one gather and one GEMM; padding rows are 0 · P = 0. output: [rows, C].
    public func forward(ids: UnsafePointer<Int32>, rows: Int, output: UnsafeMutablePointer<Float>) {
        let a = gatherRows(ids: ids, rows: rows)
        BLAS.gemm(m: rows, n: dimensions, k: rank, a: a, lda: rank, b: projection.value.data, ldb: dimensions, beta: 0,
                  c: output, ldc: dimensions)
    }

    /// Cheap: `V = H · Pᵀ` ([B, r]), then `V · A[1...]ᵀ` for the items; O(r·(C + N)) per row.
    public func scoreItems(hidden: UnsafePointer<Float>, rows B: Int, output: UnsafeMutablePointer<Float>) {
        let N = itemCount, C = dimensions, r = rank
        let v = projected.ensure(B * r)  // [B, r]
        BLAS.gemm(transB: true, m: B, n: r, k: C, a: hidden, lda: C, b: projection.value.data, ldb: C, beta: 0, c: v, ldc: r)
        BLAS.gemm(transB: true, m: B, n: N - 1, k: r, a: v, lda: r, b: weight.value.data + r, ldb: r, beta: 0,
                  c: output + 1, ldc: N)
        for b in 0..<B { output[b * N] = 0 }
    }

}
