import CompactRecRuntime

extension CausalConv1d {
    /// Accumulates dW, db and writes dInput (overwriting it). input, outputGradient, inputGradient: [B, T, C]
    public func backward(
        input: UnsafePointer<Float>, outputGradient dOut: UnsafePointer<Float>, batch B: Int, length T: Int,
        inputGradient dIn: UnsafeMutablePointer<Float>
    ) {
        let C = channels, k = kernelSize, kC = k * C
        let dy = taps.ensure(B * T * kC)  // [B·T, k·C]: dY[s, t, j] = dOut[s, t + j·r]
        for s in 0..<B {
            for t in 0..<T {
                let row = dy + (s * T + t) * kC
                for j in 0..<k {
                    let target = t + j * dilation
                    if target < T {
                        (row + j * C).update(from: dOut + (s * T + target) * C, count: C)
                    } else {
                        (row + j * C).update(repeating: 0, count: C)
                    }
                }
            }
        }
        let db = bias.gradient.data
        for r in 0..<(B * T) { Kernels.add(dOut + r * C, into: db, count: C) }
        // dW[C, kC] += X^T · dY ; dX[BT, C] = dY · W^T
        BLAS.gemm(transA: true, m: C, n: kC, k: B * T, a: input, lda: C, b: dy, ldb: kC, beta: 1,
                  c: weight.gradient.data, ldc: kC)
        BLAS.gemm(transB: true, m: B * T, n: C, k: kC, a: dy, lda: kC, b: weight.value.data, ldb: kC, beta: 0,
                  c: dIn, ldc: C)
    }
}
