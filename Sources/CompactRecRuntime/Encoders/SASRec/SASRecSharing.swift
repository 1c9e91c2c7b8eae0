/// CpRec's layer-wise sharing schemes (METHODS §3.4) in their meaning for SASRec's blocks.
///
/// A block holds two weight sets: its attention (the query, key, value and output projections)
/// and its feed-forward network (both linear layers). LayerNorms are never shared, as in
/// NextItNet. With blocks numbered from 0:
///
/// | scheme           | attention sets | feed-forward sets | who shares                                    |
/// |------------------|----------------|-------------------|-----------------------------------------------|
/// | `none`           | L              | L                 | nobody                                        |
/// | `cross-layer`    | 1              | 1                 | every block uses block 0's weights (ALBERT's all-shared) |
/// | `cross-block`    | 1              | L                 | every block's attention is block 0's; each keeps its feed-forward network (ALBERT's shared-attention) |
/// | `adjacent-block` | ⌈L/2⌉          | ⌈L/2⌉             | blocks (0, 1), (2, 3), …: both sets pairwise  |
///
/// `adjacent-layer` (a block's own two layers) has no meaning here: a block's attention and
/// feed-forward network have different shapes; it is refused. A shared set appears in a bundle
/// once, under its first block's name (`blocks.0.attention.query.weight`, …).
extension SharingScheme {
    /// Whether SASRec has a meaning for the scheme.
    public var appliesToSASRec: Bool { self != .adjacentLayer }

    /// The attention set and the feed-forward set that `block` uses, numbered in order of first use.
    public func sasRecSets(block: Int) -> (attention: Int, feedForward: Int) {
        precondition(block >= 0 && appliesToSASRec)
        switch self {
        case .none: return (block, block)
        case .crossLayer: return (0, 0)
        case .crossBlock: return (0, block)
        case .adjacentBlock, .adjacentLayer: return (block / 2, block / 2)
        }
    }

    /// How many distinct attention and feed-forward sets `blocks` blocks hold.
    public func sasRecSetCounts(blocks: Int) -> (attention: Int, feedForward: Int) {
        let last = sasRecSets(block: blocks - 1)
        return (last.attention + 1, last.feedForward + 1)
    }
}
