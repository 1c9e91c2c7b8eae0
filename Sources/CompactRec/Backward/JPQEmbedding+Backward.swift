import CKernels
import CompactRecRuntime

// Shape legend: C channels, N items including padding 0, m splits of w = C/m channels, 256
// sub-ids per split, B rows of hidden states.

extension JPQEmbedding: TrainableItemMatrix {
    /// For each non-padding row x with gradient g: dS_s[k_s(x)] += g[s·w ..< (s+1)·w] for every split s.
    public func backward(ids: UnsafePointer<Int32>, rows: Int, outputGradient: UnsafePointer<Float>) {
        let C = dimensions, m = splits, w = splitWidth, K = JPQCodes.subIdCount
        let ds = subItems.gradient.data
        codes.bytes.withUnsafeBufferPointer { k in
            for i in 0..<rows where ids[i] != 0 {
                let x = Int(ids[i]), g = outputGradient + i * C
                for s in 0..<m {
                    Kernels.add(g + s * w, into: ds + (s * K + Int(k[x * m + s])) * w, count: w)
                }
            }
        }
    }

    /// Through the sub-item scores P = [h_s · S_s[j]] that `scoreItems` kept: dP[b, s, j] = Σ of
    /// dScores[b, x] over the items x ≥ 1 with k_s(x) = j (`ck_jpq_scores_backward`); then per
    /// split dH_s = dP_s · S_s and dS_s += dP_sᵀ · H_s.
    public func scoreItemsBackward(
        hidden: UnsafePointer<Float>, rows B: Int, scoresGradient g: UnsafePointer<Float>,
        hiddenGradient: UnsafeMutablePointer<Float>
    ) {
        let N = itemCount, C = dimensions, m = splits, w = splitWidth, K = JPQCodes.subIdCount
        let dp = subScoresGradient.ensure(B * m * K)  // [B, m, 256]
        codes.bytes.withUnsafeBufferPointer { k in
            let codes = k.baseAddress!
            Parallel.forEachChunk(B) { chunk in
                for b in chunk {
                    let row = dp + b * m * K
                    row.update(repeating: 0, count: m * K)
                    ck_jpq_scores_backward(g + b * N + 1, codes + m, N - 1, m, row)
                }
            }
        }
        let table = subItems.value.data, ds = subItems.gradient.data
        for s in 0..<m {
            BLAS.gemm(m: B, n: w, k: K, a: dp + s * K, lda: m * K, b: table + s * K * w, ldb: w, beta: 0,
                      c: hiddenGradient + s * w, ldc: C)
            BLAS.gemm(transA: true, m: K, n: w, k: B, a: dp + s * K, lda: m * K, b: hidden + s * w, ldb: C, beta: 1,
                      c: ds + s * K * w, ldc: w)
        }
    }
}
