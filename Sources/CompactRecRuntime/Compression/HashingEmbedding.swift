// Shape legend: C channels, N items including padding 0, m rows of the shared table, B rows of hidden states.

/// The hashing trick (Weinberger et al. 2009; METHODS §5): items that hash to the same row share
/// its vector outright.
///
///     e(x) = U[h(x)]          U: [m, C]
///
/// Parameters `m·C`; ratio `N / m`. Name: `table` [m, C]. Initialisation `U ~ N(0, s²)` (s = 1
/// as `Embedding`). Padding embeds to zeros and takes no gradient, although its bucket's row is
/// shared with other items.
///
///     let e = HashingEmbedding(itemCount: N, dimensions: 64, buckets: 5000, hash: .modulo, rng: &rng)
public final class HashingEmbedding: ItemMatrix {
    public let itemCount: Int
    public let dimensions: Int
    /// m
    public let bucketCount: Int
    public let hash: ItemHash
    /// U: [m, C]
    public let table: Weight
    /// h(x) for every item: [N].
    package let buckets: [Int32]
    package let scoring = HashedTableScoring()

    /// - Parameter standardDeviation: s, the standard deviation of each coordinate of e(x) at initialisation.
    public init(itemCount N: Int, dimensions C: Int, buckets m: Int, hash: ItemHash, standardDeviation s: Float = 1,
                rng: inout SeededGenerator) {
        precondition(N >= 2 && C >= 1, "hashing needs items and channels, got N = \(N), C = \(C)")
        precondition(m >= 1 && m < N, "hashing needs 1 ≤ m < N = \(N) buckets, got \(m)")
        itemCount = N
        dimensions = C
        bucketCount = m
        self.hash = hash
        table = Weight(shape: [m, C])
        table.value.fillNormal(std: s, using: &rng)
        buckets = hash.buckets(itemCount: N, buckets: m)
    }

    /// A replica: the same weights, shared and only read, with scratch of its own (see `Replica`).
    public init(replicating other: HashingEmbedding) {
        itemCount = other.itemCount
        dimensions = other.dimensions
        bucketCount = other.bucketCount
        hash = other.hash
        table = other.table
        buckets = other.buckets
    }

    public func replica() -> Self { HashingEmbedding(replicating: self) as! Self }

    public func namedWeights(prefix: String) -> [NamedWeight] {
        [NamedWeight(join(prefix, "table"), table)]
    }

    /// output[i, :] = U[h(ids[i])], zeros for padding; output: [rows, C].
    public func forward(ids: UnsafePointer<Int32>, rows: Int, output: UnsafeMutablePointer<Float>) {
        let C = dimensions, u = table.value.data
        for i in 0..<rows {
            let x = Int(ids[i])
            if x == 0 {
                (output + i * C).update(repeating: 0, count: C)
            } else {
                (output + i * C).update(from: u + Int(buckets[x]) * C, count: C)
            }
        }
    }

    /// Cheap: `H · Uᵀ` once for the m rows ([B, m]), then a gather per item.
    public func scoreItems(hidden: UnsafePointer<Float>, rows B: Int, output: UnsafeMutablePointer<Float>) {
        scoring.scores(table: table, weights: nil, buckets: buckets, hidden: hidden, rows: B, output: output)
    }

}
