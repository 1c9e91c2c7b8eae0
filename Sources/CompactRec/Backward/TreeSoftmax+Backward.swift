import CKernels
import CompactRecRuntime

extension TreeSoftmax: TrainableOutputLayer {
    public func lossAndBackward(
        hidden: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows M: Int,
        hiddenGradient: UnsafeMutablePointer<Float>
    ) -> Float {
        let C = dimensions, H = headWidth
        if M == 0 { return 0 }
        let scale = 1 / Float(M)
        // A counting sort of the rows by tail, so each tail's rows are one contiguous list.
        let mapped = headTargets.ensure(M), grouped = groupedRows.ensure(M)
        var groupStart = [Int](repeating: 0, count: tails.count + 1)
        for r in 0..<M {
            let x = Int(targets[r])
            precondition(x > 0 && x < itemCount, "target \(x) outside 1..<\(itemCount)")
            if let t = tailIndex(of: x) {
                mapped[r] = Int32(headItemCount + t)
                groupStart[t + 1] += 1
            } else {
                mapped[r] = Int32(x)
            }
        }
        for t in tails.indices { groupStart[t + 1] += groupStart[t] }
        var fill = groupStart
        for r in 0..<M {
            if let t = tailIndex(of: Int(targets[r])) {
                grouped[fill[t]] = Int32(r)
                fill[t] += 1
            }
        }

        let z = headLogits.ensure(M * H)
        BLAS.gemm(m: M, n: H, k: C, a: hidden, lda: C, b: headWeight.value.data, ldb: H, beta: 0, c: z, ldc: H)
        var total = softmaxCrossEntropy(logits: z, bias: headBias.value.data, targets: mapped, rows: M, width: H,
                                        scale: scale, biasGradient: headBias.gradient.data)
        // dH[M, C] = dZ · Wᵀ ; dW[C, H] += Hᵀ · dZ
        BLAS.gemm(transB: true, m: M, n: C, k: H, a: z, lda: H, b: headWeight.value.data, ldb: H, beta: 0,
                  c: hiddenGradient, ldc: C)
        BLAS.gemm(transA: true, m: C, n: H, k: M, a: hidden, lda: C, b: z, ldb: H, beta: 1,
                  c: headWeight.gradient.data, ldc: H)
        for t in tails.indices where groupStart[t + 1] > groupStart[t] {
            total += tailLossAndBackward(
                tails[t], hidden: hidden, targets: targets, rows: grouped + groupStart[t],
                count: groupStart[t + 1] - groupStart[t], scale: scale, hiddenGradient: hiddenGradient)
        }
        return Float(total / Double(M))
    }

    /// One tail's part of the loss for the `M_j` rows whose target lies in it (`rows`: their
    /// indices): gather, two GEMMs, fused softmax cross-entropy, four backward GEMMs, scatter-add
    /// into `hiddenGradient`. Returns the sum of their tail cross-entropies.
    private func tailLossAndBackward(
        _ tail: Tail, hidden: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows: UnsafePointer<Int32>,
        count Mj: Int, scale: Float, hiddenGradient: UnsafeMutablePointer<Float>
    ) -> Double {
        let C = dimensions, d = tail.dimensions
        let x = tailHidden.ensure(Mj * C), local = tailTargets.ensure(Mj)
        for i in 0..<Mj {
            let r = Int(rows[i])
            (x + i * C).update(from: hidden + r * C, count: C)
            local[i] = targets[r] - Int32(tail.items.lowerBound)
        }
        let q = tail.projection.value.data
        // P[M_j, d] = X · Q
        let p = tailProjected.ensure(Mj * d), dp = tailProjectedGradient.ensure(Mj * d)
        BLAS.gemm(m: Mj, n: d, k: C, a: x, lda: C, b: q, ldb: d, beta: 0, c: p, ldc: d)
        // The softmax over P · W + b, its loss, dP, dW and db.
        let loss = d <= fusedTailRank
            ? fusedTailSoftmax(tail, projected: p, targets: local, rows: Mj, scale: scale, projectedGradient: dp)
            : materializedTailSoftmax(tail, projected: p, targets: local, rows: Mj, scale: scale, projectedGradient: dp)
        // dQ += Xᵀ · dP ; dX = dP · Qᵀ
        BLAS.gemm(transA: true, m: C, n: d, k: Mj, a: x, lda: C, b: dp, ldb: d, beta: 1,
                  c: tail.projection.gradient.data, ldc: d)
        // dX overwrites X, which dQ no longer needs.
        BLAS.gemm(transB: true, m: Mj, n: C, k: d, a: dp, lda: d, b: q, ldb: d, beta: 0, c: x, ldc: C)
        for i in 0..<Mj { Kernels.add(x + i * C, into: hiddenGradient + Int(rows[i]) * C, count: C) }
        return loss
    }

    /// Z = P · W, then the fused softmax cross-entropy, then dP = dZ · Wᵀ and dW += Pᵀ · dZ: the
    /// BLAS route, for wide tails. P, dP: [M_j, d]. Returns the sum of the rows' cross-entropies.
    private func materializedTailSoftmax(
        _ tail: Tail, projected p: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows Mj: Int, scale: Float,
        projectedGradient dp: UnsafeMutablePointer<Float>
    ) -> Double {
        let d = tail.dimensions, k = tail.items.count, w = tail.weight.value.data
        let z = tailLogits.ensure(Mj * k)
        BLAS.gemm(m: Mj, n: k, k: d, a: p, lda: d, b: w, ldb: k, beta: 0, c: z, ldc: k)
        let loss = softmaxCrossEntropy(logits: z, bias: tail.bias.value.data, targets: targets, rows: Mj, width: k,
                                       scale: scale, biasGradient: tail.bias.gradient.data)
        BLAS.gemm(transB: true, m: Mj, n: d, k: k, a: z, lda: k, b: w, ldb: k, beta: 0, c: dp, ldc: d)
        BLAS.gemm(transA: true, m: d, n: k, k: Mj, a: p, lda: d, b: z, ldb: k, beta: 1,
                  c: tail.weight.gradient.data, ldc: k)
        return loss
    }

    /// The same result as `materializedTailSoftmax` without storing the logits: pass 1 folds
    /// each column tile into every row's running max and exp-sum, pass 2 recomputes the tile's
    /// logits and writes the gradients. Workers split the columns, so each owns its slice of dW
    /// and db; their partial maxima, sums and dP are combined in between and after.
    private func fusedTailSoftmax(
        _ tail: Tail, projected p: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows Mj: Int, scale: Float,
        projectedGradient dp: UnsafeMutablePointer<Float>
    ) -> Double {
        let d = tail.dimensions, k = tail.items.count
        let w = tail.weight.value.data, b = tail.bias.value.data
        let workers = Self.workers(rows: Mj * d, width: k)
        // [workers, M_j] running maxima and sums, then (in slot 0) the combined ones.
        let maxima = tailNodes.ensure(2 * workers * Mj), sums = maxima + workers * Mj
        // [workers, M_j, d] partial dP.
        let partialDP = tailLogits.ensure(workers * Mj * d)
        maxima.update(repeating: -.infinity, count: workers * Mj)
        sums.update(repeating: 0, count: workers * Mj)
        partialDP.update(repeating: 0, count: workers * Mj * d)
        func columns(_ worker: Int) -> (Int, Int) {
            // Multiples of 16, so every worker's slice starts on a vector boundary.
            let blocks = (k + 15) / 16
            return (min(k, blocks * worker / workers * 16), min(k, blocks * (worker + 1) / workers * 16))
        }
        Parallel.forEachWorker(workers) { worker in
            let (begin, end) = columns(worker)
            ck_lowrank_logsumexp_cols(p, w, b, Mj, d, k, begin, end, maxima + worker * Mj, sums + worker * Mj)
        }
        for worker in 1..<max(workers, 1) {
            for r in 0..<Mj {
                let m1 = maxima[r], m2 = maxima[worker * Mj + r], m = max(m1, m2)
                sums[r] = sums[r] * Kernels.exp(m1 - m) + sums[worker * Mj + r] * Kernels.exp(m2 - m)
                maxima[r] = m
            }
        }
        Parallel.forEachWorker(workers) { worker in
            let (begin, end) = columns(worker)
            ck_lowrank_softmax_grad_cols(p, w, b, targets, Mj, d, k, begin, end, maxima, sums, scale,
                                         partialDP + worker * Mj * d, tail.weight.gradient.data, tail.bias.gradient.data)
        }
        dp.update(from: partialDP, count: Mj * d)
        for worker in 1..<max(workers, 1) { Kernels.add(partialDP + worker * Mj * d, into: dp, count: Mj * d) }
        // Loss: log Σ exp(z) − z_target = log(sum) + max − z_target, z_target = b_t + p · W[:, t].
        var loss = 0.0
        for r in 0..<Mj {
            let t = Int(targets[r])
            var zt = b[t]
            for c in 0..<d { zt += p[r * d + c] * w[c * k + t] }
            loss += Double(_logf(sums[r]) + (maxima[r] - zt))
        }
        return loss
    }

    /// The fused softmax cross-entropy over rows of `logits` ([M, width]), split over threads
    /// with per-thread partial bias gradients. Returns the sum of the rows' cross-entropies.
    private func softmaxCrossEntropy(
        logits: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
        rows M: Int, width: Int, scale: Float, biasGradient: UnsafeMutablePointer<Float>
    ) -> Double {
        SoftmaxCrossEntropy.parallelRowsForwardBackward(
            logits: logits, bias: bias, targets: targets, rows: M, width: width, scale: scale,
            biasGradient: biasGradient, workers: Self.workers(rows: M, width: width), partials: biasPartials)
    }
}
