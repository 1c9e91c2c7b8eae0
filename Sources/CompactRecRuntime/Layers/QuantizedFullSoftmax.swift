/// The full softmax with its item matrix stored in reduced precision, one row per item
/// (`[N, C]`: the transpose of `FullSoftmax.weight`), and its bias (Float32 in memory; stored fp16
/// beside int8 or int4 rows): logits = h · Wᵀ + b, scored by the C kernels straight from the
/// codes, never unpacked. `topK` scores every item (its log-probabilities need every item's
/// logit); `ranks` skips the blocks of items whose bound cannot beat the target
/// (`ItemBlockBounds`), unless asked to score everything. Read-only: serves, never trains.
public final class QuantizedFullSoftmax: OutputLayer {
    /// [N, C]
    public let items: QuantizedRows
    /// [N]
    public let bias: Weight
    /// Per block of items, what bounds a history's scores, from the codes and the bias as they
    /// are at the first ranking (the bias is filled in after the layer is built when a bundle
    /// loads); shared with the replicas.
    private let keptBounds: KeptDerivation<ItemBlockBounds>
    /// [B, N]: scores of a ranking (`OutputLayer.rankingScratch`).
    public let rankingScratch = Workspace()

    public convenience init(items: QuantizedRows, bias: Weight) {
        self.init(items: items, bias: bias, keptBounds: KeptDerivation())
    }

    private init(items: QuantizedRows, bias: Weight, keptBounds: KeptDerivation<ItemBlockBounds>) {
        precondition(bias.shape == [items.rows], "one bias per item")
        self.items = items
        self.bias = bias
        self.keptBounds = keptBounds
    }

    /// The block bounds of the codes and the current bias, taken once and kept until `weightsDidChange()`.
    public var blockBounds: ItemBlockBounds {
        keptBounds.value {
            ItemBlockBounds(rows: items.rows, columns: items.columns, bias: UnsafePointer(bias.value.data)) { i, out in
                items.dequantizeRow(i, into: out)
            }
        }
    }

    public func weightsDidChange() {
        keptBounds.forget()
    }

    public var itemCount: Int { items.rows }
    public var dimensions: Int { items.columns }

    /// The same weights and bounds, shared and only read, with ranking scratch of its own.
    public func replica() -> Self { QuantizedFullSoftmax(items: items, bias: bias, keptBounds: keptBounds) as! Self }

    /// The bias alone: the item matrix is not a trainable parameter (see `ModelBundle.quantizedWeights`).
    public func namedWeights(prefix: String) -> [NamedWeight] {
        [NamedWeight(join(prefix, "bias"), bias)]
    }

    /// hidden: [B, C]; output: [B, N]. Threads split the items.
    public func scores(hidden: UnsafePointer<Float>, rows B: Int, output: UnsafeMutablePointer<Float>) {
        let N = itemCount, bias = UnsafePointer(bias.value.data)
        Parallel.forEachChunk(N, minimumPerThread: RowScoring.minimumItemsPerThread) { chunk in
            items.scores(histories: hidden, count: B, rows: chunk, bias: bias, output: output, outputStride: N)
        }
    }

    /// With `pruning` `.none`, by scoring every item; otherwise each row scores its target and
    /// then only the blocks whose bound exceeds the target's score, stopping at `k` items above
    /// it: the same ranks. Threads split the rows.
    public func ranks(
        hidden: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows B: Int, below k: Int, pruning: RankingPruning,
        statistics: inout RankingStatistics
    ) -> [Int?] {
        guard pruning != .none else { return ranksScoringEverything(hidden: hidden, targets: targets, rows: B, below: k) }
        let N = itemCount, C = dimensions, bias = UnsafePointer(bias.value.data), blockBounds = blockBounds
        return BlockwiseRanking.ranks(items: N, rows: B, targets: targets, below: k, scratch: rankingScratch.ensure(B * N),
                                      statistics: &statistics) { r, row, statistics in
            let h = hidden + r * C
            return blockBounds.rank(history: h, target: Int(targets[r]), below: k, row: row, score: { range, row in
                items.scores(histories: h, count: 1, rows: range, bias: bias, output: row, outputStride: N)
            }, statistics: &statistics)
        }
    }
}
