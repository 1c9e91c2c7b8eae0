import CompactRecRuntime

extension LowRankEmbedding: TrainableItemMatrix {
    /// With `A_g` the ids' rows and G = dOutput: dP += A_gᵀ · G (padding rows of A_g are zero),
    /// dA[ids] += G · Pᵀ (scatter-add, skipping padding).
    public func backward(ids: UnsafePointer<Int32>, rows: Int, outputGradient: UnsafePointer<Float>) {
        let r = rank, C = dimensions
        let a = gatherRows(ids: ids, rows: rows)
        BLAS.gemm(transA: true, m: r, n: C, k: rows, a: a, lda: r, b: outputGradient, ldb: C, beta: 1,
                  c: projection.gradient.data, ldc: C)
        // The gathered rows are no longer needed: dA_g[rows, r] = G · Pᵀ overwrites them.
        BLAS.gemm(transB: true, m: rows, n: r, k: C, a: outputGradient, lda: C, b: projection.value.data, ldb: C, beta: 0,
                  c: a, ldc: r)
        let da = weight.gradient.data
        for i in 0..<rows where ids[i] != 0 { Kernels.add(a + i * r, into: da + Int(ids[i]) * r, count: r) }
    }

    /// With G = dScores over items 1…N−1: dV = G · A ; dA += Gᵀ · V ; dH = dV · P ; dP += dVᵀ · H.
    public func scoreItemsBackward(
        hidden: UnsafePointer<Float>, rows B: Int, scoresGradient g: UnsafePointer<Float>,
        hiddenGradient: UnsafeMutablePointer<Float>
    ) {
        let N = itemCount, C = dimensions, r = rank
        let v = projected.ensure(B * r), dv = projectedGradient.ensure(B * r)  // [B, r]
        BLAS.gemm(m: B, n: r, k: N - 1, a: g + 1, lda: N, b: weight.value.data + r, ldb: r, beta: 0, c: dv, ldc: r)
        BLAS.gemm(transA: true, m: N - 1, n: r, k: B, a: g + 1, lda: N, b: v, ldb: r, beta: 1,
                  c: weight.gradient.data + r, ldc: r)
        BLAS.gemm(m: B, n: C, k: r, a: dv, lda: r, b: projection.value.data, ldb: C, beta: 0, c: hiddenGradient, ldc: C)
        BLAS.gemm(transA: true, m: r, n: C, k: B, a: dv, lda: r, b: hidden, ldb: C, beta: 1, c: projection.gradient.data, ldc: C)
    }
}
