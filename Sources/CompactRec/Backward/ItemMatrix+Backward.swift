import CompactRecRuntime

extension HashedTableScoring {
    /// With G = dScores (column 0 ignored): dS[b, k] = Σ_{x ≥ 1, h(x) = k} G[b, x] · w[x];
    /// dw[x] += Σ_b G[b, x] · S[b, h(x)]; dH = dS · U; dU += dSᵀ · H.
    func backward(
        table: Weight, weights: Weight?, buckets: [Int32], hidden: UnsafePointer<Float>, rows B: Int,
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
