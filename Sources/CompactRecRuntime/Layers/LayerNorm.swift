import CKernels

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

    /// input, output: [rows, C]. The C kernel `ck_layer_norm_forward`: sums in a fixed order, the
    /// same bits on every CPU.
    public func forward(input x: UnsafePointer<Float>, rows: Int, output y: UnsafeMutablePointer<Float>) {
        let m = mean.ensure(rows), rs = inverseStd.ensure(rows)
        ck_layer_norm_forward(x, rows, channels, gain.value.data, bias.value.data, epsilon, y, m, rs)
    }

}
