import CompactRecRuntime

extension MixedDimensionEmbedding: TrainableItemMatrix {
    public func backward(ids: UnsafePointer<Int32>, rows: Int, outputGradient: UnsafePointer<Float>) {
        blocks.backward(ids: ids, rows: rows, outputGradient: outputGradient)
    }

    /// Head: dH = G_head · E_0, dE_0 += G_headᵀ · H (items ≥ 1). Tail j, with V_j = H · P_jᵀ:
    /// dV = G_j · A_j ; dA_j += G_jᵀ · V_j ; dH += dV · P_j ; dP_j += dVᵀ · H.
    public func scoreItemsBackward(
        hidden: UnsafePointer<Float>, rows B: Int, scoresGradient g: UnsafePointer<Float>,
        hiddenGradient: UnsafeMutablePointer<Float>
    ) {
        let N = itemCount, C = dimensions, headEnd = clusters.cutoffs[0]
        let head = blocks.head
        BLAS.gemm(m: B, n: C, k: headEnd - 1, a: g + 1, lda: N, b: head.value.data + C, ldb: C, beta: 0,
                  c: hiddenGradient, ldc: C)
        BLAS.gemm(transA: true, m: headEnd - 1, n: C, k: B, a: g + 1, lda: N, b: hidden, ldb: C, beta: 1,
                  c: head.gradient.data + C, ldc: C)
        for (t, tail) in blocks.tails.enumerated() {
            let d = tail.rank, k = tail.items.count, start = tail.items.lowerBound
            let v = tailProjected[t].ensure(B * d), dv = tailProjectedGradient.ensure(B * d)  // [B, d_j]
            BLAS.gemm(m: B, n: d, k: k, a: g + start, lda: N, b: tail.weight.value.data, ldb: d, beta: 0, c: dv, ldc: d)
            BLAS.gemm(transA: true, m: k, n: d, k: B, a: g + start, lda: N, b: v, ldb: d, beta: 1,
                      c: tail.weight.gradient.data, ldc: d)
            BLAS.gemm(m: B, n: C, k: d, a: dv, lda: d, b: tail.projection.value.data, ldb: C, beta: 1, c: hiddenGradient, ldc: C)
            BLAS.gemm(transA: true, m: d, n: C, k: B, a: dv, lda: d, b: hidden, ldb: C, beta: 1,
                      c: tail.projection.gradient.data, ldc: C)
        }
    }
}
