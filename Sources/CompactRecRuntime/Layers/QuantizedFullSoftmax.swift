/// The full softmax with its item matrix stored in reduced precision, one row per item
/// (`[N, C]`: the transpose of `FullSoftmax.weight`), and its bias (Float32 in memory; stored fp16 beside int8 or int4 rows):
/// logits = h · Wᵀ + b, scored by the C kernels straight from the codes, never unpacked.
/// Ranking (`topK`, `ranks`) scores every item, as `FullSoftmax` does. Read-only: serves, never trains.
public final class QuantizedFullSoftmax: OutputLayer {
    /// [N, C]
    public let items: QuantizedRows
    /// [N]
    public let bias: Parameter
    /// [B, N]: scores of a ranking that scores every item (`OutputLayer.rankingScratch`).
    public let rankingScratch = Workspace()

    public init(items: QuantizedRows, bias: Parameter) {
        precondition(bias.shape == [items.rows], "one bias per item")
        self.items = items
        self.bias = bias
    }

    public var itemCount: Int { items.rows }
    public var dimensions: Int { items.columns }

    /// The same weights, shared and only read, with ranking scratch of its own.
    public func replica() -> Self { QuantizedFullSoftmax(items: items, bias: bias) as! Self }

    /// The bias alone: the item matrix is not a trainable parameter (see `ModelBundle.quantizedWeights`).
    public func namedParameters(prefix: String) -> [NamedParameter] {
        [NamedParameter(join(prefix, "bias"), bias)]
    }

    /// hidden: [B, C]; output: [B, N]. Threads split the items.
    public func scores(hidden: UnsafePointer<Float>, rows B: Int, output: UnsafeMutablePointer<Float>) {
        let N = itemCount, bias = UnsafePointer(bias.value.data)
        Parallel.forEachChunk(N, minimumPerThread: RowScoring.minimumItemsPerThread) { chunk in
            items.scores(histories: hidden, count: B, rows: chunk, bias: bias, output: output, outputStride: N)
        }
    }
}
