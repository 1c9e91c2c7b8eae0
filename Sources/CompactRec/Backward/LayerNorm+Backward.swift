import CompactRecRuntime

extension LayerNorm {
    /// Accumulates dGain, dBias; writes dInput. input is the forward input (the last forward's rows).
    public func backward(
        input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>, rows: Int,
        inputGradient dx: UnsafeMutablePointer<Float>
    ) {
        let C = channels
        let m = mean.data, rs = inverseStd.data
        let g = gain.value.data, dg = gain.gradient.data, db = bias.gradient.data
        let invC = 1 / Float(C)
        for r in 0..<rows {
            let xr = x + r * C, dyr = dy + r * C, dxr = dx + r * C
            let mu = m[r], inv = rs[r]
            var sumDxhat: Float = 0, sumDxhatXhat: Float = 0
            for c in 0..<C {
                let xhat = (xr[c] - mu) * inv
                let dxhat = dyr[c] * g[c]
                sumDxhat += dxhat
                sumDxhatXhat += dxhat * xhat
                dg[c] += dyr[c] * xhat
                db[c] += dyr[c]
            }
            for c in 0..<C {
                let xhat = (xr[c] - mu) * inv
                dxr[c] = inv * (dyr[c] * g[c] - invC * sumDxhat - xhat * invC * sumDxhatXhat)
            }
        }
    }
}
