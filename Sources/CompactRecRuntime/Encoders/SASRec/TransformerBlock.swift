/// One SASRec block, post-norm as in RecBole's `TransformerLayer`:
///
///     a = LayerNorm₁(x + dropout(Attention(x)))
///     y = LayerNorm₂(a + dropout(W₂·GELU(W₁·a + b₁) + b₂))
///
/// Dropout (training only) uses three sites of the block's mask: 0 the attention weights (at
/// `attentionDropout`), 1 the attention's output, 2 the feed-forward network's output.
public final class TransformerBlock: WeightContainer {
    public let attention: CausalSelfAttention
    public let norm1: LayerNorm, norm2: LayerNorm
    /// C → I and I → C.
    public let feedForwardIn: Linear, feedForwardOut: Linear
    /// The attention weights' dropout rate (the step's `Dropout` carries the hidden states' rate).
    public let attentionDropout: Float
    package var batch = 0, length = 0, queryRows = 0
    /// [B, Tq, C] (Tq = T, or 1 after a `lastOnly` forward): x + dropout(attention), LayerNorm₁'s input.
    package let attentionSum = Workspace()
    /// [B, Tq, C]: LayerNorm₁'s output a.
    package let attended = Workspace()
    /// [B, Tq, I]: W₁·a + b₁, GELU's input; and GELU's output.
    package let innerInput = Workspace(), innerOutput = Workspace()
    /// [B, Tq, C]: a + dropout(feed-forward), LayerNorm₂'s input; and the block's output.
    package let feedForwardSum = Workspace()
    private let out = Workspace()
    // Gradient scratch: [B, T, C] twice and [B, T, I].
    package let gradA = Workspace(), gradB = Workspace(), innerGradient = Workspace()

    public init(dimensions C: Int, configuration c: SASRecConfiguration, rng: inout SeededGenerator) {
        let std = SASRecConfiguration.initialStandardDeviation
        attentionDropout = c.attentionDropout
        attention = CausalSelfAttention(dimensions: C, heads: c.heads, rng: &rng)
        norm1 = LayerNorm(channels: C, epsilon: c.layerNormEpsilon)
        feedForwardIn = Linear(inputSize: C, outputSize: c.innerSize, standardDeviation: std, rng: &rng)
        feedForwardOut = Linear(inputSize: c.innerSize, outputSize: C, standardDeviation: std, rng: &rng)
        norm2 = LayerNorm(channels: C, epsilon: c.layerNormEpsilon)
    }

    /// A block over given layers (for weight sharing): `attention` and the feed-forward layers may
    /// be another block's weights; the LayerNorms are its own.
    public init(attention: CausalSelfAttention, feedForwardIn: Linear, feedForwardOut: Linear, configuration c: SASRecConfiguration) {
        let C = attention.dimensions
        attentionDropout = c.attentionDropout
        self.attention = attention
        norm1 = LayerNorm(channels: C, epsilon: c.layerNormEpsilon)
        self.feedForwardIn = feedForwardIn
        self.feedForwardOut = feedForwardOut
        norm2 = LayerNorm(channels: C, epsilon: c.layerNormEpsilon)
    }

    /// A replica: the same weights, shared and only read, with scratch of its own.
    public init(replicating other: TransformerBlock) {
        attentionDropout = other.attentionDropout
        attention = CausalSelfAttention(replicating: other.attention)
        norm1 = other.norm1.replica()
        norm2 = other.norm2.replica()
        feedForwardIn = other.feedForwardIn.replica()
        feedForwardOut = other.feedForwardOut.replica()
    }

    public func namedWeights(prefix: String) -> [NamedWeight] {
        attention.namedWeights(prefix: join(prefix, "attention")) + norm1.namedWeights(prefix: join(prefix, "ln1"))
            + feedForwardIn.namedWeights(prefix: join(prefix, "ffn_in"))
            + feedForwardOut.namedWeights(prefix: join(prefix, "ffn_out")) + norm2.namedWeights(prefix: join(prefix, "ln2"))
    }

    /// The last forward's output, [B, Tq, C].
    package var output: UnsafePointer<Float> { UnsafePointer(out.data) }

    /// x: [B, T, C]; returns [B, T, C], or [B, C] with `lastOnly`; valid until the next forward.
    func forward(
        input x: UnsafePointer<Float>, keyStart: [Int], batch B: Int, length T: Int, lastOnly: Bool, dropout: Dropout?
    ) -> UnsafePointer<Float> {
        let C = attention.dimensions, I = feedForwardIn.outputSize, Tq = lastOnly ? 1 : T, rows = B * Tq
        batch = B
        length = T
        queryRows = Tq
        let sum1 = attentionSum.ensure(rows * C), a = attended.ensure(rows * C)
        let u = innerInput.ensure(rows * I), g = innerOutput.ensure(rows * I)
        let sum2 = feedForwardSum.ensure(rows * C), y = out.ensure(rows * C)
        attention.forward(input: x, keyStart: keyStart, batch: B, length: T, lastOnly: lastOnly,
                          dropout: dropout.map { $0.site(0).with(rate: attentionDropout) }, output: sum1)
        dropout?.site(1).apply(sum1, count: rows * C)
        if lastOnly {
            for s in 0..<B { Kernels.add(x + (s * T + T - 1) * C, into: sum1 + s * C, count: C) }
        } else {
            Kernels.add(x, into: sum1, count: rows * C)
        }
        norm1.forward(input: sum1, rows: rows, output: a)
        feedForwardIn.forward(input: a, rows: rows, output: u)
        GELU.forward(u, into: g, count: rows * I)
        feedForwardOut.forward(input: g, rows: rows, output: sum2)
        dropout?.site(2).apply(sum2, count: rows * C)
        Kernels.add(a, into: sum2, count: rows * C)
        norm2.forward(input: sum2, rows: rows, output: y)
        return UnsafePointer(y)
    }
}
