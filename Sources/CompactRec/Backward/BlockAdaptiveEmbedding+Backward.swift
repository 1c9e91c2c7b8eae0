import CompactRecRuntime

extension BlockAdaptiveEmbedding: TrainableItemEmbedding {
    /// Accumulates gradients from dOutput: [rows, C]. For each tail, with `A_g` its ids' rows and
    /// `G` their output gradients: `dP_j += A_gᵀ · G` and `dA_j[rows] += G · P_jᵀ` (one GEMM each,
    /// then a scatter-add, so repeated ids sum). Head rows scatter-add; padding gets nothing.
    public func backward(ids: UnsafePointer<Int32>, rows: Int, outputGradient: UnsafePointer<Float>) {
        let C = dimensions
        let headGradient = head.gradient.data
        let headEnd = clusters.cutoffs[0]
        for i in 0..<rows {
            let id = Int(ids[i])
            if id != 0 && id < headEnd { Kernels.add(outputGradient + i * C, into: headGradient + id * C, count: C) }
        }
        groupTailRows(ids: ids, rows: rows)
        for (t, tail) in tails.enumerated() {
            let members = tailRows[t], M = members.count, d = tail.rank
            if M == 0 { continue }
            let a = gatherTailRows(tail, members: members, ids: ids)  // [M, d]
            let g = projected.ensure(M * C)  // [M, C]
            for (m, i) in members.enumerated() { (g + m * C).update(from: outputGradient + i * C, count: C) }
            let start = tail.items.lowerBound
            // dP[d, C] += A_gᵀ · G
            BLAS.gemm(transA: true, m: d, n: C, k: M, a: a, lda: d, b: g, ldb: C, beta: 1,
                      c: tail.projection.gradient.data, ldc: C)
            // dA_g[M, d] = G · Pᵀ, overwriting the gathered rows, which are no longer needed.
            BLAS.gemm(transB: true, m: M, n: d, k: C, a: g, lda: C, b: tail.projection.value.data, ldb: C, beta: 0,
                      c: a, ldc: d)
            let weightGradient = tail.weight.gradient.data
            for (m, i) in members.enumerated() {
                Kernels.add(a + m * d, into: weightGradient + (Int(ids[i]) - start) * d, count: d)
            }
        }
    }
}
