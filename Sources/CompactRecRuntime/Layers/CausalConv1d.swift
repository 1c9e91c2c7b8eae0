/// A dilated causal 1-D convolution over time, channels-last, `C -> C`, with bias.
///
/// Output position `t` sees inputs `t, t-r, …, t-(k-1)r` (zeros before the sequence start).
/// Tap `j` is the weight applied to `x[t - j·r]`; the weight is stored `[C_in, k, C_out]`
/// so the `k` taps form one `[C, k·C]` matrix and a whole layer is one GEMM
/// `[B·T, C] x [C, k·C]` followed by a shifted sum — no im2col copy.
///
///     let conv = CausalConv1d(channels: 64, kernelSize: 3, dilation: 2, rng: &rng)
///     conv.forward(input: x, batch: B, length: T, output: y)
public final class CausalConv1d: WeightContainer {
    public let channels: Int
    public let kernelSize: Int
    public let dilation: Int
    /// [C_in, k, C_out]
    public let weight: Weight
    /// [C_out]
    public let bias: Weight
    /// [B·T, k·C]: every tap's product, before the shift.
    package let taps = Workspace()

    public convenience init(channels: Int, kernelSize: Int, dilation: Int, rng: inout SeededGenerator) {
        self.init(channels: channels, kernelSize: kernelSize, dilation: dilation,
                  weight: Weight(shape: [channels, kernelSize, channels]), bias: Weight(shape: [channels]))
        // As torch.nn.Conv1d: U(±1/sqrt(fan_in)) for weight and bias, fan_in = C·k.
        let bound = 1 / Float(channels * kernelSize).squareRoot()
        weight.value.fillUniform(bound: bound, using: &rng)
        bias.value.fillUniform(bound: bound, using: &rng)
    }

    /// A convolution over existing parameters (for weight sharing).
    public init(channels: Int, kernelSize: Int, dilation: Int, weight: Weight, bias: Weight) {
        precondition(channels >= 1 && kernelSize >= 1 && dilation >= 1)
        precondition(weight.shape == [channels, kernelSize, channels] && bias.shape == [channels])
        self.channels = channels
        self.kernelSize = kernelSize
        self.dilation = dilation
        self.weight = weight
        self.bias = bias
    }

    /// A replica: the same weights, shared and only read, with scratch of its own (see `Replica`).
    public func replica() -> Self {
        CausalConv1d(channels: channels, kernelSize: kernelSize, dilation: dilation, weight: weight, bias: bias) as! Self
    }

    public func namedWeights(prefix: String) -> [NamedWeight] {
        [NamedWeight(join(prefix, "weight"), weight), NamedWeight(join(prefix, "bias"), bias)]
    }

    /// input, output: [B, T, C]
    public func forward(input: UnsafePointer<Float>, batch B: Int, length T: Int, output: UnsafeMutablePointer<Float>) {
        let C = channels, k = kernelSize, kC = k * C
        let y = taps.ensure(B * T * kC)  // [B·T, k·C]
        BLAS.gemm(m: B * T, n: kC, k: C, a: input, lda: C, b: weight.value.data, ldb: kC, beta: 0, c: y, ldc: kC)
        let b = bias.value.data
        for s in 0..<B {
            for t in 0..<T {
                let out = output + (s * T + t) * C
                out.update(from: b, count: C)
                for j in 0..<k {
                    let source = t - j * dilation
                    if source < 0 { break }
                    Kernels.add(y + (s * T + source) * kC + j * C, into: out, count: C)
                }
            }
        }
    }

    /// Outputs at chosen rows only, for serving: output row o of sequence s is
    /// `bias + Σ_j input[s, sources[o·k + j]] · W_j`, with no term where the source is −1 (a
    /// position before the sequence start). Each tap is one GEMM over gathered rows, so the cost
    /// follows the rows asked for. Not for training: backward needs ``forward(input:batch:length:output:)``.
    /// input: [B, inputRows, C]; sources: [outputRows · k]; output: [B, outputRows, C]
    func forward(
        input: UnsafePointer<Float>, inputRows: Int, sources: [Int32], outputRows O: Int, batch B: Int,
        output: UnsafeMutablePointer<Float>
    ) {
        let C = channels, k = kernelSize
        precondition(sources.count == O * k, "one source per output row and tap")
        for r in 0..<(B * O) { (output + r * C).update(from: bias.value.data, count: C) }
        let gathered = taps.ensure(B * O * C)  // [B·O, C]: tap j's source rows
        for j in 0..<k where (0..<O).contains(where: { sources[$0 * k + j] >= 0 }) {
            for s in 0..<B {
                for o in 0..<O {
                    let row = gathered + (s * O + o) * C, source = Int(sources[o * k + j])
                    if source < 0 {
                        row.update(repeating: 0, count: C)
                    } else {
                        row.update(from: input + (s * inputRows + source) * C, count: C)
                    }
                }
            }
            // W_j is the [C_in, C_out] slice at column j·C of the [C_in, k·C_out] weight.
            BLAS.gemm(m: B * O, n: C, k: C, a: gathered, lda: C, b: weight.value.data + j * C, ldb: k * C, beta: 1,
                      c: output, ldc: C)
        }
    }

}
