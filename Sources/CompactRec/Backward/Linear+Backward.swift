import CompactRecRuntime

extension Linear {
    /// Accumulates dW += xᵀ·dy and db += Σ_rows dy; writes dx = dy·Wᵀ, or adds it with `accumulate`.
    /// input: the forward's [rows, C_in]; outputGradient: [rows, C_out]; inputGradient: [rows, C_in].
    public func backward(
        input x: UnsafePointer<Float>, rows: Int, outputGradient dy: UnsafePointer<Float>,
        inputGradient dx: UnsafeMutablePointer<Float>, accumulate: Bool = false
    ) {
        let n = outputSize, k = inputSize
        BLAS.gemm(transA: true, m: k, n: n, k: rows, a: x, lda: k, b: dy, ldb: n, beta: 1, c: weight.gradient.data, ldc: n)
        let db = bias.gradient.data
        for r in 0..<rows { Kernels.add(dy + r * n, into: db, count: n) }
        BLAS.gemm(transB: true, m: rows, n: k, k: n, a: dy, lda: n, b: weight.value.data, ldb: n,
                  beta: accumulate ? 1 : 0, c: dx, ldc: k)
    }
}
