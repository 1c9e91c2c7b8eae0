// Shape legend: B batch rows, C channels, N items including padding 0, M rows with a target,
// n clusters with cut-offs c_1 < … < c_n = N, H = c_1 + n − 1 head columns,
// d_j and k_j = c_j − c_{j−1} the rank and size of tail cluster j.
import CKernels
import Foundation

/// CpRec's block-wise adaptive output softmax: a two-level tree over frequency-sorted clusters.
///
/// The head scores the `c_1` items of cluster 1 and one node per tail cluster from the hidden
/// state; tail `j` scores its `k_j` items from a `d_j`-wide projection of it:
///
///     log p(x) = log softmax_head(x)                              x < c_1
///     log p(x) = log softmax_head(node_j) + log softmax_j(x)      c_{j−1} ≤ x < c_j
///
/// Training computes the head for every row and each tail only for the rows whose target lies
/// in it, one GEMM chain per tail. Ranking can stop early and stay exact (`topK(hidden:…)`,
/// `ranks(hidden:…)`): a tail item is never more probable than its node.
///
/// Padding (item 0) is a column of the head softmax, as it is a column of `FullSoftmax`: it is
/// never a target, so training drives its probability down. `scores` reports its log p(0) too,
/// so that Σ_{x=0}^{N−1} p(x) = 1; rankers exclude item 0 (`Evaluator.rank`, `topK(scores:…)`),
/// and the early-stop methods never return it.
///
///     var rng = SeededGenerator(seed: 1)
///     let output = TreeSoftmax(itemCount: 54_543, dimensions: 64, cutoffs: [2000, 10_000, 54_543],
///                              tailDimensions: [16, 4], rng: &rng)
///     var statistics = RankingStatistics()
///     let best = output.topK(hidden: h, rows: B, k: 10, statistics: &statistics)
public final class TreeSoftmax: OutputLayer {
    /// One tail cluster: its items, its projection and its own softmax.
    public struct Tail: Sendable {
        /// [c_{j−1}, c_j)
        public let items: Range<Int>
        /// d_j
        public let dimensions: Int
        /// [C, d_j]
        public let projection: Weight
        /// [d_j, k_j]
        public let weight: Weight
        /// [k_j]
        public let bias: Weight
    }

    public let itemCount: Int
    public let dimensions: Int
    /// [c_1, …, c_n], c_n = N.
    public let cutoffs: [Int]
    /// c_1: the items the head scores directly, padding included.
    public let headItemCount: Int
    /// c_1 + n − 1: head items, then one node per tail.
    public let headWidth: Int
    /// [C, H] and [H]. Every softmax here has a bias, unlike the official code and PyTorch's
    /// adaptive softmax: it is one weight per item, a popularity prior, and in the long tail,
    /// where an item's vector sees few updates, that prior carries much of the score.
    public let headWeight: Weight
    public let headBias: Weight
    public let tails: [Tail]

    /// [M, H] head logits, then dLoss/dLogits; when ranking, [B, H] head log-probabilities.
    package let headLogits = Workspace()
    /// [M_j, C] one tail's gathered hidden rows, then their gradient.
    package let tailHidden = Workspace()
    /// [M_j, d_j] projected rows, and their gradient.
    package let tailProjected = Workspace(), tailProjectedGradient = Workspace()
    /// [M_j, k_j] tail logits, then dLoss/dLogits; when ranking, tail log-probabilities.
    package let tailLogits = Workspace()
    /// [M_j] when ranking: the gathered rows' node log-probabilities.
    package let tailNodes = Workspace()
    /// [threads, width]: per-thread partial bias gradients.
    package let biasPartials = Workspace()
    /// [B, N]: scores of a ranking that scores every item (`OutputLayer.rankingScratch`).
    public let rankingScratch = Workspace()
    /// [threads, width]: per-thread exponentials of one row when taking a log-softmax.
    let rowScratch = Workspace()
    /// [M] head targets (tail items mapped to their node), and rows grouped by tail with
    /// their targets local to the tail.
    package let headTargets = ScratchBuffer<Int32>(), groupedRows = ScratchBuffer<Int32>(), tailTargets = ScratchBuffer<Int32>()
    /// The tail bounds of the current weights, taken at the first ranking after they last
    /// changed (`weightsDidChange()`), so that serving pays for them once.
    /// Shared by the layer's replicas, which read the same weights.
    private let keptBounds: KeptDerivation<TreeSoftmaxTailBounds>

    public init(itemCount N: Int, dimensions C: Int, cutoffs: [Int], tailDimensions: [Int], rng: inout SeededGenerator) {
        keptBounds = KeptDerivation()
        precondition(C >= 1, "TreeSoftmax needs at least one channel, got \(C)")
        precondition(!cutoffs.isEmpty && cutoffs.last == N,
                     "TreeSoftmax cut-offs must end at the item count \(N), got \(cutoffs)")
        precondition(cutoffs[0] > 0 && zip(cutoffs, cutoffs.dropFirst()).allSatisfy { $0 < $1 },
                     "TreeSoftmax cut-offs must rise strictly from above 0, got \(cutoffs)")
        precondition(tailDimensions.count == cutoffs.count - 1,
                     "TreeSoftmax needs one tail dimension per tail cluster (\(cutoffs.count - 1)), got \(tailDimensions)")
        precondition(tailDimensions.allSatisfy { $0 >= 1 }, "TreeSoftmax tail dimensions must be ≥ 1, got \(tailDimensions)")
        itemCount = N
        dimensions = C
        self.cutoffs = cutoffs
        headItemCount = cutoffs[0]
        headWidth = cutoffs[0] + cutoffs.count - 1
        // As torch.nn.Linear, weights and biases U(±1/sqrt(fan_in)).
        let bound = 1 / Float(C).squareRoot()
        headWeight = Weight(shape: [C, headWidth])
        headBias = Weight(shape: [headWidth])
        headWeight.value.fillUniform(bound: bound, using: &rng)
        headBias.value.fillUniform(bound: bound, using: &rng)
        tails = tailDimensions.indices.map { t in
            let items = cutoffs[t]..<cutoffs[t + 1], d = tailDimensions[t]
            let tail = Tail(items: items, dimensions: d, projection: Weight(shape: [C, d]),
                            weight: Weight(shape: [d, items.count]), bias: Weight(shape: [items.count]))
            tail.projection.value.fillUniform(bound: bound, using: &rng)
            let tailBound = 1 / Float(d).squareRoot()
            tail.weight.value.fillUniform(bound: tailBound, using: &rng)
            tail.bias.value.fillUniform(bound: tailBound, using: &rng)
            return tail
        }
    }

    /// A replica: the same weights, shared and only read, with scratch of its own (see `Replica`).
    public init(replicating other: TreeSoftmax) {
        itemCount = other.itemCount
        dimensions = other.dimensions
        cutoffs = other.cutoffs
        headItemCount = other.headItemCount
        headWidth = other.headWidth
        headWeight = other.headWeight
        headBias = other.headBias
        tails = other.tails
        keptBounds = other.keptBounds
        fusedTailRank = other.fusedTailRank
    }

    public func replica() -> Self { TreeSoftmax(replicating: self) as! Self }

    public func namedWeights(prefix: String) -> [NamedWeight] {
        var named = [NamedWeight(join(prefix, "head.weight"), headWeight),
                     NamedWeight(join(prefix, "head.bias"), headBias)]
        for (t, tail) in tails.enumerated() {
            let p = join(prefix, "tails.\(t)")
            named += [NamedWeight(p + ".projection", tail.projection), NamedWeight(p + ".weight", tail.weight),
                      NamedWeight(p + ".bias", tail.bias)]
        }
        return named
    }

    /// The tail holding `item`, or nil for a head item.
    @inline(__always) package func tailIndex(of item: Int) -> Int? {
        if item < headItemCount { return nil }
        var t = 0
        while item >= tails[t].items.upperBound { t += 1 }
        return t
    }

    // MARK: Training

    /// Tails of at most this rank never store their [M_j, k_j] logits in training: at a rank this
    /// small a logit is a few multiply-adds, and writing and re-reading the logits costs more than
    /// recomputing them (`fusedTailSoftmax`). 0 sends every tail through BLAS.
    public var fusedTailRank = 8

    /// Threads for a row-wise pass over `rows` rows of `width` values: one unless there is work
    /// enough to pay for waking another.
    package static func workers(rows: Int, width: Int) -> Int {
        max(1, min(Parallel.threads, rows, rows * width / 16_384))
    }

    /// `body(worker, rows)` on one contiguous chunk of `0..<count` per worker.
    static func forEachRowChunk(_ count: Int, width: Int, _ body: (Int, Range<Int>) -> Void) {
        let workers = workers(rows: count, width: width)
        Parallel.forEachWorker(workers) { w in body(w, (count * w / workers)..<(count * (w + 1) / workers)) }
    }
}

extension TreeSoftmax {
    /// The tail bounds for the current weights, taken once and kept until `weightsDidChange()`.
    public func currentTailBounds() -> TreeSoftmaxTailBounds {
        keptBounds.value(tailBounds)
    }

    public func weightsDidChange() {
        keptBounds.forget()
    }
}
