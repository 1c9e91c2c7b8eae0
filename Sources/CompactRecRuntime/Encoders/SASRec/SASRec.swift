/// SASRec (Kang & McAuley, ICDM 2018): self-attention over the history, as RecBole 1.2.1 builds it.
///
///     z = dropout(LayerNorm(x + P[positions]))          x: embedded items [B, T, C]
///     z = block_l(z) for l in 0 ..< layers                see `TransformerBlock`
///
/// Positions are counted from the end of the window: a length-T window reads rows
/// `maxLength − T ..< maxLength` of `P`, so the most recent item always has the last row.
/// Padding (item 0, at the front of left-padded rows) is never attended to, so a history
/// padded to any length gives the same output at its real positions.
///
/// Dropout (training only) is site 0 of the step's mask for the input and site `l + 1` for block
/// `l`; inference runs without it.
public final class SASRec: SequenceEncoder {
    public let dimensions: Int
    /// The longest window: rows of the position table.
    public let maxLength: Int
    public let configuration: SASRecConfiguration
    /// [maxLength, C]
    public let positions: Weight
    public let inputNorm: LayerNorm
    public let blocks: [TransformerBlock]
    package var batch = 0, length = 0
    /// Per sequence, its first non-padding position.
    package var keyStart: [Int] = []
    /// [B, T, C]: x + P, the input LayerNorm's input; and its output after dropout (block 0's input).
    package let positioned = Workspace(), normalized = Workspace()
    /// [B, T, C]: gradient scratch passed between blocks.
    package let gradientA = Workspace(), gradientB = Workspace()
    /// The last forward's dropout (nil at inference), which backward draws again.
    package private(set) var dropout: Dropout?

    public init(configuration c: SASRecConfiguration, dimensions C: Int, maxLength T: Int, rng: inout SeededGenerator) {
        precondition(c.layers >= 1 && T >= 1, "SASRec needs a layer and a length")
        configuration = c
        dimensions = C
        maxLength = T
        positions = Weight(shape: [T, C])
        positions.value.fillNormal(std: SASRecConfiguration.initialStandardDeviation, using: &rng)
        inputNorm = LayerNorm(channels: C, epsilon: c.layerNormEpsilon)
        // Each weight set is drawn when first used, attention before feed-forward, so `none`
        // draws what unshared blocks draw; a shared set is the same Parameters (see `SharingScheme.sasRecSets`).
        var blocks: [TransformerBlock] = []
        var attentionSets: [CausalSelfAttention] = [], feedForwardSets: [(Linear, Linear)] = []
        for l in 0..<c.layers {
            let sets = c.sharing.sasRecSets(block: l)
            if sets.attention == attentionSets.count && sets.feedForward == feedForwardSets.count {
                let block = TransformerBlock(dimensions: C, configuration: c, rng: &rng)
                attentionSets.append(block.attention)
                feedForwardSets.append((block.feedForwardIn, block.feedForwardOut))
                blocks.append(block)
                continue
            }
            if sets.attention == attentionSets.count {
                attentionSets.append(CausalSelfAttention(dimensions: C, heads: c.heads, rng: &rng))
            }
            if sets.feedForward == feedForwardSets.count {
                let std = SASRecConfiguration.initialStandardDeviation
                feedForwardSets.append((Linear(inputSize: C, outputSize: c.innerSize, standardDeviation: std, rng: &rng),
                                        Linear(inputSize: c.innerSize, outputSize: C, standardDeviation: std, rng: &rng)))
            }
            let (ffIn, ffOut) = feedForwardSets[sets.feedForward]
            blocks.append(TransformerBlock(attention: CausalSelfAttention(replicating: attentionSets[sets.attention]),
                                           feedForwardIn: ffIn.replica(), feedForwardOut: ffOut.replica(), configuration: c))
        }
        self.blocks = blocks
    }

    /// A replica: the same weights, shared and only read, with scratch of its own.
    public init(replicating other: SASRec) {
        configuration = other.configuration
        dimensions = other.dimensions
        maxLength = other.maxLength
        positions = other.positions
        inputNorm = other.inputNorm.replica()
        blocks = other.blocks.map { TransformerBlock(replicating: $0) }
    }

    public func replica() -> Self { SASRec(replicating: self) as! Self }

    public func namedWeights(prefix: String) -> [NamedWeight] {
        [NamedWeight(join(prefix, "positions"), positions)] + inputNorm.namedWeights(prefix: join(prefix, "ln_input"))
            + blocks.enumerated().flatMap { i, block in block.namedWeights(prefix: join(prefix, "blocks.\(i)")) }
    }

    public func forward(input: UnsafePointer<Float>, ids: UnsafePointer<Int32>, batch B: Int, length T: Int) -> UnsafePointer<Float> {
        run(input: input, ids: ids, batch: B, length: T, lastOnly: false, dropout: nil)
    }

    /// A training forward: as `forward`, with the hidden states dropped at `dropout`'s rate and
    /// the attention weights at the configuration's.
    package func forward(
        input: UnsafePointer<Float>, ids: UnsafePointer<Int32>, batch B: Int, length T: Int, dropout: Dropout
    ) -> UnsafePointer<Float> {
        run(input: input, ids: ids, batch: B, length: T, lastOnly: false, dropout: dropout)
    }

    /// Every block below the top runs over the whole window (its outputs are the top's keys and
    /// values); the top block computes its keys and values once and one query per sequence.
    public func forwardLast(input: UnsafePointer<Float>, ids: UnsafePointer<Int32>, batch B: Int, length T: Int) -> UnsafePointer<Float> {
        run(input: input, ids: ids, batch: B, length: T, lastOnly: true, dropout: nil)
    }

    private func run(input: UnsafePointer<Float>, ids: UnsafePointer<Int32>, batch B: Int, length T: Int, lastOnly: Bool,
                     dropout: Dropout?) -> UnsafePointer<Float> {
        precondition(T >= 1 && T <= maxLength, "SASRec reads windows of 1...\(maxLength) positions, got \(T)")
        let C = dimensions, size = B * T * C
        batch = B
        length = T
        self.dropout = dropout
        keyStart = (0..<B).map { s in
            var t = 0
            while t < T && ids[s * T + t] == 0 { t += 1 }
            return t
        }
        let e = positioned.ensure(size), z = normalized.ensure(size)
        let p = positions.value.data + (maxLength - T) * C
        for s in 0..<B {
            let row = e + s * T * C
            row.update(from: input + s * T * C, count: T * C)
            Kernels.add(p, into: row, count: T * C)
        }
        inputNorm.forward(input: e, rows: B * T, output: z)
        dropout?.site(0).apply(z, count: size)
        var x = UnsafePointer(z)
        for (l, block) in blocks.enumerated() {
            x = block.forward(input: x, keyStart: keyStart, batch: B, length: T, lastOnly: lastOnly && l == blocks.count - 1,
                              dropout: dropout?.site(l + 1))
        }
        return x
    }
}
