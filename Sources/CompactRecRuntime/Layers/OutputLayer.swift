/// What turns hidden states into item scores, and ranks items by them: the full softmax and its
/// compressed variants.
///
/// Training calls `lossAndBackward` (the training library's `TrainableOutputLayer`) on the `M`
/// positions that carry a target; evaluation and `recommend` ask the layer itself to rank:
/// `topK` and `ranks` score every item by default, and a layer that can prove parts of the
/// catalogue cannot change the answer (the tree softmax's early stop) skips them, with the same
/// result. `scores` need only rank items consistently (logits or log-probabilities); the
/// scores `topK` returns mean one thing for every layer: the item's log-probability under the
/// model's softmax (over all N items, as in training).
public protocol OutputLayer: WeightContainer {
    /// N, including padding.
    var itemCount: Int { get }
    /// C
    var dimensions: Int { get }

    /// Scores of every item for each row. hidden: [B, C]; output: [B, N].
    func scores(hidden: UnsafePointer<Float>, rows B: Int, output: UnsafeMutablePointer<Float>)

    /// The `k` best items of each row, best first, ties to the lower index, never padding: the
    /// items of `topK(scores:count:k:)` over that row of `scores`, each with its log-probability.
    /// hidden: [B, C].
    func topK(
        hidden: UnsafePointer<Float>, rows B: Int, k: Int, pruning: RankingPruning, statistics: inout RankingStatistics
    ) -> [[ScoredItem]]

    /// Each row's rank of its target (items other than padding scored strictly higher) when it is
    /// below `k`, nil otherwise; exact, as counting over `scores`. hidden: [B, C]; targets: [B].
    func ranks(
        hidden: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows B: Int, below k: Int, pruning: RankingPruning,
        statistics: inout RankingStatistics
    ) -> [Int?]

    /// [B, N]: the scores a ranking that scores every item writes, kept between calls so that a
    /// request allocates nothing large (each replica has its own).
    var rankingScratch: Workspace { get }

    /// Drops whatever the layer derived from its weights for ranking; called after every change
    /// of the weights (a training step, restoring a checkpoint).
    func weightsDidChange()

    /// The same layer over the same weights, shared and only read, with scratch of its own: two
    /// callers, each with its own replica, can run at once (see `InferenceContext`).
    func replica() -> Self
}

/// How much an output layer may skip when it ranks. Every choice gives the same answer; they
/// differ in work, and exist apart so that the saving can be measured. A quantized full
/// softmax skips blocks of items by its bounds (`ItemBlockBounds`) under any choice but `.none`.
public enum RankingPruning: Sendable {
    /// Score every item.
    case none
    /// The tree softmax's node rule: a tail whose node is below the k-th best is skipped.
    case nodeRule
    /// The node rule and the per-tail bounds (`TreeSoftmaxTailBounds`): the default.
    case tailBounds
}

/// One ranked item: its index in the model's vocabulary and its score.
public typealias ScoredItem = (item: Int, score: Float)

extension OutputLayer {
    /// Scores every item, `B` rows at a time in one buffer; the scores are logits, turned into
    /// log-probabilities.
    public func topK(
        hidden: UnsafePointer<Float>, rows B: Int, k: Int, pruning: RankingPruning, statistics: inout RankingStatistics
    ) -> [[ScoredItem]] {
        topKScoringEverything(hidden: hidden, rows: B, k: k, normalizing: true)
    }

    public func ranks(
        hidden: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows B: Int, below k: Int, pruning: RankingPruning,
        statistics: inout RankingStatistics
    ) -> [Int?] {
        ranksScoringEverything(hidden: hidden, targets: targets, rows: B, below: k)
    }

    public func weightsDidChange() {}

    /// `topK` by scoring every item: what every pruning must equal. With `normalizing`, each
    /// row's log-sum-exp over all N scores is subtracted, turning logits into log-probabilities
    /// (a layer whose `scores` are log-probabilities already passes false).
    public func topKScoringEverything(hidden: UnsafePointer<Float>, rows B: Int, k: Int, normalizing: Bool) -> [[ScoredItem]] {
        let N = itemCount
        let scores = rankingScratch.ensure(B * N)  // [B, N]
        self.scores(hidden: hidden, rows: B, output: scores)
        var best = [[ScoredItem]](repeating: [], count: B)
        best.withUnsafeMutableBufferPointer { best in
            Parallel.forEachChunk(B) { chunk in
                for r in chunk {
                    let row = scores + r * N
                    best[r] = CompactRecRuntime.topK(scores: row, count: N, k: k)
                    guard normalizing else { continue }
                    // After the selection, so the row may be overwritten by its exponentials; the
                    // best item (or padding) is the row's maximum, so no pass is needed to find it.
                    let top = max(best[r].first?.score ?? row[0], row[0])
                    let logSumExp = top + _logf(Kernels.expShiftedInPlace(row, count: N, shift: top))
                    for i in best[r].indices { best[r][i].score -= logSumExp }
                }
            }
        }
        return best
    }

    /// `ranks` by scoring every item: what every pruning must equal.
    public func ranksScoringEverything(
        hidden: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows B: Int, below k: Int
    ) -> [Int?] {
        let N = itemCount
        let scores = rankingScratch.ensure(B * N)  // [B, N]
        self.scores(hidden: hidden, rows: B, output: scores)
        var found = [Int?](repeating: nil, count: B)
        found.withUnsafeMutableBufferPointer { found in
            Parallel.forEachChunk(B) { chunk in
                for r in chunk {
                    let rank = rank(of: Int(targets[r]), in: scores + r * N, count: N)
                    found[r] = rank < k ? rank : nil
                }
            }
        }
        return found
    }
}
