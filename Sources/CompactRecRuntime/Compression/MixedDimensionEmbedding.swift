import Foundation

// Shape legend: C channels, N items including padding 0, B rows of hidden states,
// k_j and d_j the size and width of popularity bucket j (0-based; bucket 0 is the head).

/// Mixed-dimension embeddings (Ginart et al.; METHODS §5): popularity buckets whose width
/// shrinks with their popularity, each projected back to `C`.
///
/// The buckets are `ItemClusters` over the frequency-sorted items. Bucket 0 keeps a full
/// `[k_0, C]` table; bucket j a `[k_j, d_j]` table and a `[d_j, C]` projection, exactly
/// CpRec's block-wise input (`BlockAdaptiveEmbedding`, whose tensors and names it uses) with
/// Ginart's width rule instead of CpRec's `d / f^j`:
///
///     p_j = (training interactions of bucket j) / (items of bucket j, padding excluded)
///     d_j = min(C, max(1, round(C · (p_j / p_0)^α)))          so d_0 = C
///
/// Ginart et al. set `d ∝ p^α` (popular items get more dimensions; α = 0 is uniform, larger α
/// narrows the rare buckets faster). METHODS writes the rule as "∝ popularity^(−α)"; read
/// literally with p a frequency that would widen the rare buckets, the opposite of the paper,
/// so the exponent here is +α on the popularity ratio (≤ 1), which shrinks with rarity.
/// α defaults to 0.3. The widths are computed once from the training frequencies and stored in
/// the model configuration, so a bundle rebuilds without the data.
///
/// Parameters `k_0·C + Σ_{j≥1} (k_j·d_j + d_j·C)`.
///
///     let clusters = try ItemClusters.auto(clusterCount: 3, frequencies: frequencies)
///     let widths = MixedDimensionEmbedding.dimensions(clusters: clusters, frequencies: frequencies,
///                                                     embeddingSize: 64, alpha: 0.3)
///     let e = MixedDimensionEmbedding(clusters: clusters, dimensions: 64, bucketDimensions: widths, rng: &rng)
public final class MixedDimensionEmbedding: ItemMatrix {
    /// The tables: `head.weight` [k_0, C], `tails.{t}.weight` [k_j, d_j], `tails.{t}.projection` [d_j, C].
    public let blocks: BlockAdaptiveEmbedding
    /// d_j per bucket; d_0 = C.
    public let bucketDimensions: [Int]

    public var itemCount: Int { blocks.itemCount }
    public var dimensions: Int { blocks.dimensions }
    public var clusters: ItemClusters { blocks.clusters }

    /// [B, d_j] per tail: H · P_jᵀ when scoring, kept for the backward.
    package let tailProjected: [Workspace]
    /// [B, d_j]: one tail's dV.
    package let tailProjectedGradient = Workspace()

    /// Initialisation as `BlockAdaptiveEmbedding`: each coordinate of e(x) has variance s² for
    /// every bucket (s = 1 as `Embedding`).
    public init(clusters: ItemClusters, dimensions C: Int, bucketDimensions: [Int], standardDeviation s: Float = 1,
                rng: inout SeededGenerator) {
        precondition(bucketDimensions.count == clusters.count && bucketDimensions.first == C
                     && bucketDimensions.allSatisfy { $0 >= 1 && $0 <= C },
                     "one width in 1…C per bucket, the first C; got \(bucketDimensions) for \(clusters.count) buckets")
        blocks = BlockAdaptiveEmbedding(clusters: clusters, dimensions: C, ranks: bucketDimensions, standardDeviation: s, rng: &rng)
        self.bucketDimensions = bucketDimensions
        tailProjected = blocks.tails.map { _ in Workspace() }
    }

    /// Ginart's widths `d_j = min(C, max(1, round(C · (p_j / p_0)^α)))`, p_j the bucket's
    /// interactions per item (see the type's documentation).
    ///
    /// - Parameter frequencies: each item index's training frequency (length N); the padding's entry is ignored.
    public static func dimensions(clusters: ItemClusters, frequencies: [Int], embeddingSize C: Int, alpha: Double) -> [Int] {
        dimensions(popularity: popularity(clusters: clusters, frequencies: frequencies), embeddingSize: C, alpha: alpha)
    }

    /// p_j: each bucket's training interactions per item, padding excluded.
    public static func popularity(clusters: ItemClusters, frequencies: [Int]) -> [Double] {
        precondition(frequencies.count == clusters.itemCount, "one frequency per item")
        return (0..<clusters.count).map { j in
            let items = clusters.range(of: j).clamped(to: 1..<clusters.itemCount)
            return Double(frequencies[items].reduce(0, +)) / Double(max(items.count, 1))
        }
    }

    /// The widths for bucket popularities p_j. All buckets are C wide when the head has no interactions.
    public static func dimensions(popularity: [Double], embeddingSize C: Int, alpha: Double) -> [Int] {
        precondition(alpha >= 0 && alpha.isFinite, "α must be a non-negative number, got \(alpha)")
        guard let head = popularity.first, head > 0 else { return Array(repeating: C, count: popularity.count) }
        return popularity.enumerated().map { j, p in
            if j == 0 { return C }
            let width = (Double(C) * pow(p / head, alpha)).rounded()
            return min(C, max(1, Int(width)))
        }
    }

    /// A replica: the same weights, shared and only read, with scratch of its own (see `Replica`).
    public init(replicating other: MixedDimensionEmbedding) {
        blocks = other.blocks.replica()
        bucketDimensions = other.bucketDimensions
        tailProjected = other.tailProjected.map { _ in Workspace() }
    }

    public func replica() -> Self { MixedDimensionEmbedding(replicating: self) as! Self }

    public func namedWeights(prefix: String) -> [NamedWeight] { blocks.namedWeights(prefix: prefix) }

    public func forward(ids: UnsafePointer<Int32>, rows: Int, output: UnsafeMutablePointer<Float>) {
        blocks.forward(ids: ids, rows: rows, output: output)
    }

    /// Cheap, bucket by bucket: the head's items `H · E_0ᵀ`, each tail's `(H · P_jᵀ) · A_jᵀ`
    /// written into its columns; O(k_0·C + Σ d_j·(C + k_j)) per row.
    public func scoreItems(hidden: UnsafePointer<Float>, rows B: Int, output: UnsafeMutablePointer<Float>) {
        let N = itemCount, C = dimensions, headEnd = clusters.cutoffs[0]
        BLAS.gemm(transB: true, m: B, n: headEnd - 1, k: C, a: hidden, lda: C, b: blocks.head.value.data + C, ldb: C,
                  beta: 0, c: output + 1, ldc: N)
        for b in 0..<B { output[b * N] = 0 }
        for (t, tail) in blocks.tails.enumerated() {
            let d = tail.rank, v = tailProjected[t].ensure(B * d)  // [B, d_j]
            BLAS.gemm(transB: true, m: B, n: d, k: C, a: hidden, lda: C, b: tail.projection.value.data, ldb: C,
                      beta: 0, c: v, ldc: d)
            BLAS.gemm(transB: true, m: B, n: tail.items.count, k: d, a: v, lda: d, b: tail.weight.value.data, ldb: d,
                      beta: 0, c: output + tail.items.lowerBound, ldc: N)
        }
    }

}
