import CompactRecRuntime

extension TiedSoftmax: DistillableOutputLayer {
    public func lossAndBackward(
        hidden: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows M: Int,
        hiddenGradient: UnsafeMutablePointer<Float>, teacher: TeacherLogits?
    ) -> Float {
        let N = itemCount, C = dimensions
        if M == 0 { return 0 }
        let z = logits.ensure(M * N)
        // Z[M, N] = H · Eᵀ
        BLAS.gemm(transB: true, m: M, n: N, k: C, a: hidden, lda: C, b: weight.value.data, ldb: C, beta: 0, c: z, ldc: N)
        let total = SoftmaxCrossEntropy.parallelRowsForwardBackward(
            logits: z, bias: bias.value.data, targets: targets, rows: M, width: N, scale: 1 / Float(M),
            biasGradient: bias.gradient.data, workers: max(1, min(Parallel.threads, M)), partials: biasPartials,
            teacher: teacher)
        // dH[M, C] = dZ · E ; dE[N, C] += dZᵀ · H (added to the input's own gradient)
        BLAS.gemm(m: M, n: C, k: N, a: z, lda: N, b: weight.value.data, ldb: C, beta: 0, c: hiddenGradient, ldc: C)
        BLAS.gemm(transA: true, m: N, n: C, k: M, a: z, lda: N, b: hidden, ldb: C, beta: 1, c: weight.gradient.data, ldc: C)
        return Float(total / Double(M))
    }
}
