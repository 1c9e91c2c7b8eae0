/// CpRec's block-wise adaptive input embedding (METHODS §3.2): popular items get full rows,
/// rarer clusters a narrow table and a projection back to `C`.
///
/// Cluster 0 (the head, items `[0, c_1)`) keeps a full table `E_0 : [c_1, C]` whose row 0 is
/// the padding. Each other cluster `j` (a tail, items `[c_j, c_{j+1})`) has a table
/// `A_j : [k_j, d_j]` and a projection `P_j : [d_j, C]`, and
///
///     e(x) = A_j[x - c_j] · P_j
///
/// (`c_j` is the cluster's first item). Parameters: `k_0·C + Σ_tails (k_j·d_j + d_j·C)`
/// instead of `N·C`.
///
/// Names: `head.weight` [c_1, C]; `tails.{t}.weight` [k, d_t] and `tails.{t}.projection`
/// [d_t, C] for tail `t = 0, 1, …` (cluster `t + 1`).
///
///     let clusters = try ItemClusters(cutoffs: [2000, 10000], itemCount: N)
///     let embedding = BlockAdaptiveEmbedding(clusters: clusters, dimensions: 64, divisor: 4, rng: &rng)
///     embedding.forward(ids: ids, rows: B * T, output: x)   // x is [B*T, C]
public final class BlockAdaptiveEmbedding: ItemEmbedding {
    /// One tail cluster's factorised table.
    public struct Tail: Sendable {
        /// The items of this cluster.
        public let items: Range<Int>
        /// d_j
        public let rank: Int
        /// A_j: [k_j, d_j]
        public let weight: Weight
        /// P_j: [d_j, C]
        public let projection: Weight
    }

    public let clusters: ItemClusters
    /// C
    public let dimensions: Int
    /// E_0: [c_1, C]; row 0 is the padding, zero and never updated.
    public let head: Weight
    /// Clusters 1…n-1.
    public let tails: [Tail]

    public var itemCount: Int { clusters.itemCount }

    /// For each tail, the rows of the current call whose id falls in it.
    package var tailRows: [[Int]]
    /// [M_j, d_j]: the A rows of one tail's ids, gathered; in backward then their gradient.
    private let gathered = Workspace()
    /// [M_j, C]: one tail's embeddings before the scatter; in backward, its output gradient.
    package let projected = Workspace()

    /// An embedding with CpRec's ranks `d_j = max(1, C / f^j)`; the official default is f = 4.
    public convenience init(clusters: ItemClusters, dimensions C: Int, divisor f: Double = 4, rng: inout SeededGenerator) {
        self.init(clusters: clusters, dimensions: C, ranks: clusters.dimensions(embeddingSize: C, divisor: f), rng: &rng)
    }

    /// An embedding with one rank per cluster, `ranks[0] == C` (another rank rule, e.g. mixed
    /// dimensions, builds on this).
    ///
    /// Initialisation: `E_0` and every `A_j` ~ N(0, 1) as `torch.nn.Embedding` (and this
    /// library's `Embedding`); `P_j` ~ U(±sqrt(3 / d_j)), whose variance is `1 / d_j`, so each
    /// coordinate of a tail item's embedding, a sum of `d_j` products of unit variance by
    /// variance `1 / d_j`, has variance 1 like a head row's. (torch.nn.Linear's U(±1/sqrt(d_j))
    /// would give tail items a third of the head's variance and start them disadvantaged.)
    /// With `standardDeviation` s ≠ 1 (an output layer's item matrix), `E_0 ~ N(0, s²)` and
    /// `P_j ~ U(±s·sqrt(3 / d_j))`: every item's coordinates have variance s².
    public init(clusters: ItemClusters, dimensions C: Int, ranks: [Int], standardDeviation s: Float = 1,
                rng: inout SeededGenerator) {
        precondition(C >= 1, "C must be positive")
        precondition(ranks.count == clusters.count && ranks.first == C, "one rank per cluster, the head's equal to C")
        precondition(ranks.allSatisfy { $0 >= 1 }, "ranks must be positive")
        self.clusters = clusters
        dimensions = C
        head = Weight(shape: [clusters.size(of: 0), C])
        head.value.fillNormal(std: s, using: &rng)
        head.value.data.update(repeating: 0, count: C)
        tails = (1..<clusters.count).map { j in
            let items = clusters.range(of: j), rank = ranks[j]
            let tail = Tail(items: items, rank: rank, weight: Weight(shape: [items.count, rank]),
                            projection: Weight(shape: [rank, C]))
            tail.weight.value.fillNormal(std: 1, using: &rng)
            tail.projection.value.fillUniform(bound: s * (3 / Float(rank)).squareRoot(), using: &rng)
            return tail
        }
        tailRows = Array(repeating: [], count: clusters.count - 1)
    }

    /// A replica: the same weights, shared and only read, with scratch of its own (see `Replica`).
    public init(replicating other: BlockAdaptiveEmbedding) {
        clusters = other.clusters
        dimensions = other.dimensions
        head = other.head
        tails = other.tails
        tailRows = Array(repeating: [], count: other.tailRows.count)
    }

    public func replica() -> Self { BlockAdaptiveEmbedding(replicating: self) as! Self }

    public func namedWeights(prefix: String) -> [NamedWeight] {
        [NamedWeight(join(prefix, "head.weight"), head)]
            + tails.enumerated().flatMap { t, tail in
                [NamedWeight(join(prefix, "tails.\(t).weight"), tail.weight),
                 NamedWeight(join(prefix, "tails.\(t).projection"), tail.projection)]
            }
    }

    /// output[i, :] = e(ids[i]); output: [rows, C]. Head rows are copied (padding → zeros);
    /// each tail's rows are gathered into one `[M_j, d_j]` block, multiplied by `P_j` in one
    /// GEMM and scattered.
    public func forward(ids: UnsafePointer<Int32>, rows: Int, output: UnsafeMutablePointer<Float>) {
        let C = dimensions
        let table = head.value.data
        let headEnd = clusters.cutoffs[0]
        for i in 0..<rows {
            let id = Int(ids[i])
            if id == 0 {
                (output + i * C).update(repeating: 0, count: C)
            } else if id < headEnd {
                (output + i * C).update(from: table + id * C, count: C)
            }
        }
        groupTailRows(ids: ids, rows: rows)
        for (t, tail) in tails.enumerated() {
            let members = tailRows[t], M = members.count, d = tail.rank
            if M == 0 { continue }
            let a = gatherTailRows(tail, members: members, ids: ids)  // [M, d]
            let y = projected.ensure(M * C)  // [M, C]
            BLAS.gemm(m: M, n: C, k: d, a: a, lda: d, b: tail.projection.value.data, ldb: C, beta: 0, c: y, ldc: C)
            for (m, i) in members.enumerated() { (output + i * C).update(from: y + m * C, count: C) }
        }
    }

    /// Copies the `A_j` rows of `members`' ids into the contiguous scratch block: [M, d_j].
    package func gatherTailRows(_ tail: Tail, members: [Int], ids: UnsafePointer<Int32>) -> UnsafeMutablePointer<Float> {
        let d = tail.rank, a = gathered.ensure(members.count * d)
        let weight = tail.weight.value.data, start = tail.items.lowerBound
        for (m, i) in members.enumerated() {
            (a + m * d).update(from: weight + (Int(ids[i]) - start) * d, count: d)
        }
        return a
    }

    /// Fills `tailRows[t]` with the rows whose id is in tail `t`, in row order.
    package func groupTailRows(ids: UnsafePointer<Int32>, rows: Int) {
        for t in tailRows.indices { tailRows[t].removeAll(keepingCapacity: true) }
        let headEnd = clusters.cutoffs[0]
        for i in 0..<rows {
            let id = Int(ids[i])
            if id >= headEnd { tailRows[clusters.cluster(of: id) - 1].append(i) }
        }
    }
}
