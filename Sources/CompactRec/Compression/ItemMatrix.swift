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

    /// The backward of `scoreItems` on the same hidden rows, which it must follow (it may reuse
    /// products kept from it): accumulates the parameter gradients of Σ dScores ⊙ scores and
    /// writes hiddenGradient = dScores · E. Column 0 of dScores is ignored.
    /// hidden, hiddenGradient: [B, C]; scoresGradient: [B, N].
    func scoreItemsBackward(
        hidden: UnsafePointer<Float>, rows B: Int, scoresGradient: UnsafePointer<Float>,
        hiddenGradient: UnsafeMutablePointer<Float>)
}

/// The scoring shared by the hashed tables (MEmCom with per-item weights, the hashing trick
/// without): `S = H · Uᵀ` once for the `m` rows, then `score[b, x] = w[x] · S[b, h(x)]`, so a row
/// costs `O(m·C + N)` instead of `O(N·C)`.
struct HashedTableScoring {
    /// [B, m]: S, kept for the backward.
    let bucketScores = Workspace()
    /// [B, m]: dS.
    let bucketScoresGradient = Workspace()
    /// [workers, N]: per-worker partial gradients of w.
    let weightPartials = Workspace()

    /// output[b, x] = w[x] · (H · Uᵀ)[b, h(x)], column 0 zero. table U: [m, C]; weights w: [N] or nil (all 1).
    func scores(
        table: Parameter, weights: Parameter?, buckets: [Int32], hidden: UnsafePointer<Float>, rows B: Int,
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

    /// With G = dScores (column 0 ignored): dS[b, k] = Σ_{x ≥ 1, h(x) = k} G[b, x] · w[x];
    /// dw[x] += Σ_b G[b, x] · S[b, h(x)]; dH = dS · U; dU += dSᵀ · H.
    func backward(
        table: Parameter, weights: Parameter?, buckets: [Int32], hidden: UnsafePointer<Float>, rows B: Int,
        scoresGradient g: UnsafePointer<Float>, hiddenGradient: UnsafeMutablePointer<Float>
    ) {
        let m = table.shape[0], C = table.shape[1], N = buckets.count
        let s = bucketScores.ensure(B * m)  // [B, m], from `scores`
        let ds = bucketScoresGradient.ensure(B * m)  // [B, m]
        ds.update(repeating: 0, count: B * m)
        let workers = max(1, min(Parallel.threads, B))
        let w = weights.map { UnsafePointer($0.value.data) }
        let partials: UnsafeMutablePointer<Float>? = weights == nil ? nil : weightPartials.ensure(workers * N)
        partials?.update(repeating: 0, count: workers * N)
        buckets.withUnsafeBufferPointer { h in
            Parallel.forEachWorker(workers) { worker in
                let dw = partials.map { $0 + worker * N + 1 }
                for b in (B * worker / workers)..<(B * (worker + 1) / workers) {
                    Kernels.scatterScaled(g + b * N + 1, buckets: h.baseAddress! + 1, weights: w.map { $0 + 1 },
                                          scores: s + b * m, scoresGradient: ds + b * m, weightsGradient: dw, count: N - 1)
                }
            }
        }
        if let weights, let partials {
            for worker in 0..<workers { Kernels.add(partials + worker * N, into: weights.gradient.data, count: N) }
        }
        // dH[B, C] = dS · U ; dU[m, C] += dSᵀ · H
        BLAS.gemm(m: B, n: C, k: m, a: ds, lda: m, b: table.value.data, ldb: C, beta: 0, c: hiddenGradient, ldc: C)
        BLAS.gemm(transA: true, m: m, n: C, k: B, a: ds, lda: m, b: hidden, ldb: C, beta: 1, c: table.gradient.data, ldc: C)
    }
}
