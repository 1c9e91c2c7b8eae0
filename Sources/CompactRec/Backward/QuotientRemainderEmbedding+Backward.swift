import CompactRecRuntime

extension QuotientRemainderEmbedding: TrainableItemMatrix {
    /// For each non-padding row with gradient g: multiply: dQ[x/c] += g ⊙ R[x mod c] and
    /// dR[x mod c] += g ⊙ Q[x/c]; add: both += g.
    public func backward(ids: UnsafePointer<Int32>, rows: Int, outputGradient: UnsafePointer<Float>) {
        let C = dimensions
        for i in 0..<rows where ids[i] != 0 {
            accumulate(item: Int(ids[i]), gradient: outputGradient + i * C)
        }
    }

    /// The parameter gradient of one item's embedding gradient g: [C].
    @inline(__always)
    private func accumulate(item x: Int, gradient g: UnsafePointer<Float>) {
        let C = dimensions
        let qRow = (x / collisions) * C, rRow = (x % collisions) * C
        let dq = quotient.gradient.data + qRow, dr = remainder.gradient.data + rRow
        switch operation {
        case .multiply:
            Kernels.multiplyAdd(g, remainder.value.data + rRow, into: dq, count: C)
            Kernels.multiplyAdd(g, quotient.value.data + qRow, into: dr, count: C)
        case .add:
            Kernels.add(g, into: dq, count: C)
            Kernels.add(g, into: dr, count: C)
        }
    }

    public func scoreItemsBackward(
        hidden: UnsafePointer<Float>, rows B: Int, scoresGradient g: UnsafePointer<Float>,
        hiddenGradient: UnsafeMutablePointer<Float>
    ) {
        let N = itemCount, C = dimensions, c = collisions, nq = quotientCount
        switch operation {
        case .multiply:
            // dE[N, C] = Gᵀ · H ; dH[B, C] = G · E (E's padding row is 0, so G's column 0 adds nothing).
            let e = materialised.ensure(N * C), de = materialisedGradient.ensure(N * C)
            BLAS.gemm(transA: true, m: N, n: C, k: B, a: g, lda: N, b: hidden, ldb: C, beta: 0, c: de, ldc: C)
            BLAS.gemm(m: B, n: C, k: N, a: g, lda: N, b: e, ldb: C, beta: 0, c: hiddenGradient, ldc: C)
            for x in 1..<N { accumulate(item: x, gradient: de + x * C) }
        case .add:
            // dSQ[b, q] = Σ_{x in q's block} G[b, x] ; dSR[b, r] = Σ_q G[b, q·c + r] (x ≥ 1).
            let dsq = quotientScores.ensure(B * nq), dsr = remainderScores.ensure(B * c)
            Parallel.forEachChunk(B) { chunk in
                for b in chunk {
                    let row = g + b * N, dr = dsr + b * c
                    dr.update(repeating: 0, count: c)
                    for q in 0..<nq {
                        let start = q * c, skip = q == 0 ? 1 : 0, count = min(c, N - start) - skip
                        dsq[b * nq + q] = count > 0 ? Kernels.sum(row + start + skip, count: count) : 0
                        if count > 0 { Kernels.add(row + start + skip, into: dr + skip, count: count) }
                    }
                }
            }
            // dH = dSQ · Q + dSR · R ; dQ += dSQᵀ · H ; dR += dSRᵀ · H
            BLAS.gemm(m: B, n: C, k: nq, a: dsq, lda: nq, b: quotient.value.data, ldb: C, beta: 0, c: hiddenGradient, ldc: C)
            BLAS.gemm(m: B, n: C, k: c, a: dsr, lda: c, b: remainder.value.data, ldb: C, beta: 1, c: hiddenGradient, ldc: C)
            BLAS.gemm(transA: true, m: nq, n: C, k: B, a: dsq, lda: nq, b: hidden, ldb: C, beta: 1,
                      c: quotient.gradient.data, ldc: C)
            BLAS.gemm(transA: true, m: c, n: C, k: B, a: dsr, lda: c, b: hidden, ldb: C, beta: 1,
                      c: remainder.gradient.data, ldc: C)
        }
    }
}
