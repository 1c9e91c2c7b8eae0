/// Layer normalisation over the channel axis with learned gain and bias.
///
/// `epsilon` defaults to 1e-5 (PyTorch's; the original NextItNet used 1e-8). Forward keeps
/// each row's mean and 1/std for backward.
public final class LayerNorm: WeightContainer {
    public let channels: Int
    public let epsilon: Float
    /// [C]
    public let gain: Weight
    /// [C]
    public let bias: Weight
    /// [rows]
    package let mean = Workspace()
    /// [rows]
    package let inverseStd = Workspace()

    public init(channels: Int, epsilon: Float = 1e-5) {
        self.channels = channels
        self.epsilon = epsilon
        gain = Weight(shape: [channels])
        bias = Weight(shape: [channels])
        gain.value.fill(1)
    }

    /// A replica: the same weights, shared and only read, with scratch of its own (see `Replica`).
    public init(replicating other: LayerNorm) {
        channels = other.channels
        epsilon = other.epsilon
        gain = other.gain
        bias = other.bias
    }

    public func replica() -> Self { LayerNorm(replicating: self) as! Self }

    public func namedWeights(prefix: String) -> [NamedWeight] {
        [NamedWeight(join(prefix, "weight"), gain), NamedWeight(join(prefix, "bias"), bias)]
    }

    /// input, output: [rows, C]
    public func forward(input x: UnsafePointer<Float>, rows: Int, output y: UnsafeMutablePointer<Float>) {
        let C = channels
        let m = mean.ensure(rows), rs = inverseStd.ensure(rows)
        let g = gain.value.data, b = bias.value.data
        for r in 0..<rows {
            let xr = x + r * C, yr = y + r * C
            var sum: Float = 0
            for c in 0..<C { sum += xr[c] }
            let mu = sum / Float(C)
            var variance: Float = 0
            for c in 0..<C { let d = xr[c] - mu; variance += d * d }
            let inv = 1 / (variance / Float(C) + epsilon).squareRoot()
            m[r] = mu
            rs[r] = inv
            for c in 0..<C { yr[c] = (xr[c] - mu) * inv * g[c] + b[c] }
        }
    }

}
