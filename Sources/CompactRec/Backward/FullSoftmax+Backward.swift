import CompactRecRuntime

extension FullSoftmax: DistillableOutputLayer {
    public func lossAndBackward(
        hidden: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows M: Int,
        hiddenGradient: UnsafeMutablePointer<Float>, teacher: TeacherLogits?
    ) -> Float {
        let N = itemCount, C = dimensions
        if M == 0 { return 0 }
        let z = logits.ensure(M * N)
        BLAS.gemm(m: M, n: N, k: C, a: hidden, lda: C, b: weight.value.data, ldb: N, beta: 0, c: z, ldc: N)
        let total = SoftmaxCrossEntropy.parallelRowsForwardBackward(
            logits: z, bias: bias.value.data, targets: targets, rows: M, width: N, scale: 1 / Float(M),
            biasGradient: bias.gradient.data, workers: max(1, min(Parallel.threads, M)), partials: biasPartials,
            teacher: teacher)
        // dH[M, C] = dZ · Wᵀ ; dW[C, N] += Hᵀ · dZ
        BLAS.gemm(transB: true, m: M, n: C, k: N, a: z, lda: N, b: weight.value.data, ldb: N, beta: 0,
                  c: hiddenGradient, ldc: C)
        BLAS.gemm(transA: true, m: C, n: N, k: M, a: hidden, lda: C, b: z, ldb: N, beta: 1,
                  c: weight.gradient.data, ldc: N)
        return Float(total / Double(M))
    }
}
