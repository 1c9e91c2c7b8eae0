// Shape legend: B rows of hidden states, C channels, N items including padding 0.

/// An item table that can also be an output layer's item matrix (`CompressedSoftmax`): besides
/// embedding ids, it scores every item against hidden states, `h · e(x)` for all `x`, using its
/// structure where that is cheaper than materialising the `[N, C]` matrix, and backpropagates
/// through the same structure.
///
/// Padding embeds to zeros here too: its score column is 0 and takes no gradient.
public protocol ItemMatrix: ItemEmbedding {
    /// output[b, x] = hidden[b] · e(x) for every item `x`; column 0 (padding) is 0.
    /// hidden: [B, C]; output: [B, N].
    func scoreItems(hidden: UnsafePointer<Float>, rows B: Int, output: UnsafeMutablePointer<Float>)
}

/// The scoring shared by the hashed tables (MEmCom with per-item weights, the hashing trick
/// without): `S = H · Uᵀ` once for the `m` rows, then `score[b, x] = w[x] · S[b, h(x)]`, so a row
/// costs `O(m·C + N)` instead of `O(N·C)`.
package struct HashedTableScoring {
    /// [B, m]: S, kept for the backward.
    package let bucketScores = Workspace()
    /// [B, m]: dS.
    package let bucketScoresGradient = Workspace()
    /// [workers, N]: per-worker partial gradients of w.
    package let weightPartials = Workspace()

    /// output[b, x] = w[x] · (H · Uᵀ)[b, h(x)], column 0 zero. table U: [m, C]; weights w: [N] or nil (all 1).
    func scores(
        table: Weight, weights: Weight?, buckets: [Int32], hidden: UnsafePointer<Float>, rows B: Int,
        output: UnsafeMutablePointer<Float>
    ) {
        let m = table.shape[0], C = table.shape[1], N = buckets.count
        let s = bucketScores.ensure(B * m)  // [B, m]
        BLAS.gemm(transB: true, m: B, n: m, k: C, a: hidden, lda: C, b: table.value.data, ldb: C, beta: 0, c: s, ldc: m)
        let w = weights.map { UnsafePointer($0.value.data) }
        buckets.withUnsafeBufferPointer { h in
            Parallel.forEachChunk(B) { chunk in
                for b in chunk {
                    let row = output + b * N
                    row[0] = 0
                    Kernels.gatherScaled(s + b * m, buckets: h.baseAddress! + 1, weights: w.map { $0 + 1 },
                                         into: row + 1, count: N - 1)
                }
            }
        }
    }

}
