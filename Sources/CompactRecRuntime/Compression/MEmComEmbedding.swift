// Shape legend: C channels, N items including padding 0, m rows of the shared table, B rows of hidden states.

/// MEmCom (Pansare et al., MLSys 2022; METHODS §4): a shared table indexed by a hash and one
/// trainable scalar per item, which tells apart the items that share a row:
///
///     e(x) = w[x] · U[h(x)]          U: [m, C], w: [N]
///
/// Parameters `m·C + N` instead of `N·C`, so the compression ratio `N·C / (m·C + N)` stays
/// below `C`. Names: `table` [m, C] and `weights` [N].
///
/// Initialisation: `U ~ N(0, s²)` and `w = 1` (the paper's choice left open; METHODS takes 1),
/// so every item starts at the scale of a full table's row (s = 1 as `Embedding`, or the
/// output layer's smaller scale). `w[0]`, the padding's, is 0 and never updated; padding
/// embeds to zeros whatever `w[0]` holds.
///
///     let e = MEmComEmbedding(itemCount: N, dimensions: 64, buckets: 5000, hash: .modulo, rng: &rng)
///     e.forward(ids: ids, rows: B * T, output: x)   // x is [B*T, C]
public final class MEmComEmbedding: ItemMatrix {
    public let itemCount: Int
    public let dimensions: Int
    /// m
    public let bucketCount: Int
    public let hash: ItemHash
    /// U: [m, C]
    public let table: Weight
    /// w: [N]
    public let weights: Weight
    /// h(x) for every item: [N].
    package let buckets: [Int32]
    package let scoring = HashedTableScoring()

    /// - Parameter standardDeviation: s, the standard deviation of each coordinate of e(x) at initialisation.
    public init(itemCount N: Int, dimensions C: Int, buckets m: Int, hash: ItemHash, standardDeviation s: Float = 1,
                rng: inout SeededGenerator) {
        precondition(N >= 2 && C >= 1, "MEmCom needs items and channels, got N = \(N), C = \(C)")
        precondition(m >= 1 && m < N, "MEmCom needs 1 ≤ m < N = \(N) buckets, got \(m)")
        itemCount = N
        dimensions = C
        bucketCount = m
        self.hash = hash
        table = Weight(shape: [m, C])
        table.value.fillNormal(std: s, using: &rng)
        weights = Weight(shape: [N])
        weights.value.fill(1)
        weights.value.data[0] = 0
        buckets = hash.buckets(itemCount: N, buckets: m)
    }

    /// A replica: the same weights, shared and only read, with scratch of its own (see `Replica`).
    public init(replicating other: MEmComEmbedding) {
        itemCount = other.itemCount
        dimensions = other.dimensions
        bucketCount = other.bucketCount
        hash = other.hash
        table = other.table
        weights = other.weights
        buckets = other.buckets
    }

    public func replica() -> Self { MEmComEmbedding(replicating: self) as! Self }

    public func namedWeights(prefix: String) -> [NamedWeight] {
        [NamedWeight(join(prefix, "table"), table), NamedWeight(join(prefix, "weights"), weights)]
    }

    /// output[i, :] = w[x] · U[h(x)] for x = ids[i], zeros for padding; output: [rows, C].
    public func forward(ids: UnsafePointer<Int32>, rows: Int, output: UnsafeMutablePointer<Float>) {
        let C = dimensions, u = table.value.data, w = weights.value.data
        for i in 0..<rows {
            let x = Int(ids[i]), out = output + i * C
            if x == 0 {
                out.update(repeating: 0, count: C)
            } else {
                out.update(from: u + Int(buckets[x]) * C, count: C)
                Kernels.scale(out, count: C, by: w[x])
            }
        }
    }

    /// Cheap: `H · Uᵀ` once for the m rows ([B, m]), then a gather scaled by `w` per item.
    public func scoreItems(hidden: UnsafePointer<Float>, rows B: Int, output: UnsafeMutablePointer<Float>) {
        scoring.scores(table: table, weights: weights, buckets: buckets, hidden: hidden, rows: B, output: output)
    }

}
