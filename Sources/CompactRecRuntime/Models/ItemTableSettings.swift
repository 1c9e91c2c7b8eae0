/// The compressed item tables (METHODS §4, §5) an input embedding or an output layer can use.
public enum ItemTableKind: String, Codable, CaseIterable, Sendable {
    /// e(x) = w[x] · U[h(x)]: `MEmComEmbedding`.
    case memcom
    /// e(x) = U[h(x)]: `HashingEmbedding`.
    case hashing
    /// e(x) = Q[x / c] ⊙ R[x mod c] (or +): `QuotientRemainderEmbedding`.
    case qr
    /// e(x) = A[x] · P: `LowRankEmbedding`.
    case lowRank = "low-rank"
    /// Popularity buckets of width d_j, each projected to C: `MixedDimensionEmbedding`.
    case mixedDim = "mixed-dim"
    /// e(x) = [S_s[k_s(x)]] over m splits, codes k fixed before training: `JPQEmbedding`.
    case jpq

    /// The knob that sets the table's size, as the configuration names it.
    public var sizeKnob: String {
        switch self {
        case .memcom, .hashing: "buckets"
        case .qr: "qrCollisions"
        case .lowRank: "rank"
        case .mixedDim: "mixedAlpha"
        case .jpq: "jpqSplits"
        }
    }
}

/// The knobs of one compressed item table; stored in `config.json` (as `inputTable` or
/// `outputTable`) so that a bundle rebuilds the same table, hash included. Only the knobs of
/// the table's kind matter; the others keep their defaults.
public struct ItemTableSettings: Codable, Sendable, Equatable {
    /// m, rows of the shared table (memcom, hashing).
    public var buckets: Int?
    /// h (memcom, hashing).
    public var hash: ItemHash
    /// c, items per quotient row (qr).
    public var qrCollisions: Int?
    public var qrOperation: QuotientRemainderOperation
    /// r (low-rank).
    public var rank: Int?
    /// α in d_j = round(C · (p_j / p_0)^α) (mixed-dim).
    public var mixedAlpha: Double
    /// d_j per cluster (mixed-dim), from α and the training frequencies.
    public var mixedDimensions: [Int]?
    /// m, splits of the embedding, one code byte each (jpq).
    public var jpqSplits: Int?
    /// How the codes were assigned (jpq); the codes themselves are in the bundle's tensors.
    public var jpqCodes: JPQCodeAssignment

    public static let defaultMixedAlpha = 0.3

    public init(buckets: Int? = nil, hash: ItemHash = .modulo, qrCollisions: Int? = nil,
                qrOperation: QuotientRemainderOperation = .multiply, rank: Int? = nil,
                mixedAlpha: Double = ItemTableSettings.defaultMixedAlpha, mixedDimensions: [Int]? = nil,
                jpqSplits: Int? = nil, jpqCodes: JPQCodeAssignment = .svd) {
        self.jpqSplits = jpqSplits
        self.jpqCodes = jpqCodes
        self.buckets = buckets
        self.hash = hash
        self.qrCollisions = qrCollisions
        self.qrOperation = qrOperation
        self.rank = rank
        self.mixedAlpha = mixedAlpha
        self.mixedDimensions = mixedDimensions
    }

    private enum CodingKeys: String, CodingKey {
        case buckets, hash, qrCollisions, qrOperation, rank, mixedAlpha, mixedDimensions, jpqSplits, jpqCodes
    }

    /// Keys with nil values are left out, so that settings written before JPQ existed encode as
    /// they did.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(buckets, forKey: .buckets)
        try c.encode(hash, forKey: .hash)
        try c.encodeIfPresent(qrCollisions, forKey: .qrCollisions)
        try c.encode(qrOperation, forKey: .qrOperation)
        try c.encodeIfPresent(rank, forKey: .rank)
        try c.encode(mixedAlpha, forKey: .mixedAlpha)
        try c.encodeIfPresent(mixedDimensions, forKey: .mixedDimensions)
        try c.encodeIfPresent(jpqSplits, forKey: .jpqSplits)
        if jpqSplits != nil { try c.encode(jpqCodes, forKey: .jpqCodes) }
    }

    /// Absent keys take their defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        buckets = try c.decodeIfPresent(Int.self, forKey: .buckets)
        hash = try c.decodeIfPresent(ItemHash.self, forKey: .hash) ?? .modulo
        qrCollisions = try c.decodeIfPresent(Int.self, forKey: .qrCollisions)
        qrOperation = try c.decodeIfPresent(QuotientRemainderOperation.self, forKey: .qrOperation) ?? .multiply
        rank = try c.decodeIfPresent(Int.self, forKey: .rank)
        mixedAlpha = try c.decodeIfPresent(Double.self, forKey: .mixedAlpha) ?? Self.defaultMixedAlpha
        mixedDimensions = try c.decodeIfPresent([Int].self, forKey: .mixedDimensions)
        jpqSplits = try c.decodeIfPresent(Int.self, forKey: .jpqSplits)
        jpqCodes = try c.decodeIfPresent(JPQCodeAssignment.self, forKey: .jpqCodes) ?? .svd
    }

    /// Throws an ``InputError`` located at `key.knob` (e.g. `inputTable.buckets`) that names the
    /// table and what was expected, for the first knob of `kind` that cannot build a table for N
    /// items of C channels.
    public func validate(_ kind: ItemTableKind, itemCount N: Int, dimensions C: Int, clusters: ItemClusters?, key: String) throws {
        func fail(_ knob: String, _ message: String) -> InputError {
            InputError(source: "model configuration", location: "\(key).\(knob)", "the \(kind.rawValue) table \(message)")
        }
        switch kind {
        case .memcom, .hashing:
            guard let m = buckets else { throw fail("buckets", "needs a number of buckets m") }
            guard m >= 1 && m <= N - 1 else {
                throw fail("buckets", "needs from 1 to N − 1 = \(N - 1) buckets (one per item is no compression), got \(m)")
            }
        case .qr:
            guard let c = qrCollisions else { throw fail("qrCollisions", "needs a number of collisions c") }
            guard c >= 1 && c <= N else { throw fail("qrCollisions", "needs 1 ≤ c ≤ N = \(N) items per quotient row, got \(c)") }
        case .lowRank:
            guard let r = rank else { throw fail("rank", "needs a rank r") }
            guard r >= 1 && r <= C else { throw fail("rank", "needs a rank from 1 to C = \(C), got \(r)") }
        case .mixedDim:
            guard mixedAlpha >= 0 && mixedAlpha.isFinite else {
                throw fail("mixedAlpha", "needs α ≥ 0, got \(mixedAlpha)")
            }
            guard let clusters else { throw fail("mixedDimensions", "needs popularity buckets (cut-offs)") }
            guard let widths = mixedDimensions else {
                throw fail("mixedDimensions", "needs one width per bucket, computed from the training frequencies")
            }
            guard widths.count == clusters.count else {
                throw fail("mixedDimensions", "needs one width per bucket (\(clusters.count)), got \(widths.count): \(widths)")
            }
            guard widths.first == C && widths.allSatisfy({ $0 >= 1 && $0 <= C }) else {
                throw fail("mixedDimensions", "needs widths from 1 to C = \(C), the first equal to C, got \(widths)")
            }
        case .jpq:
            guard let m = jpqSplits else { throw fail("jpqSplits", "needs a number of splits m") }
            guard m >= 1 && m <= C && C % m == 0 else {
                throw fail("jpqSplits", "needs a number of splits m that divides the embedding size C = \(C), got \(m)")
            }
        }
    }

    /// The table's parameter count by the formulas (METHODS §4, §5): memcom `m·C + N`; hashing
    /// `m·C`; qr `(⌈N/c⌉ + c)·C`; low-rank `N·r + r·C`; mixed-dim `k_0·C + Σ_{j≥1} (k_j·d_j + d_j·C)`;
    /// jpq `m·256·(C/m) = 256·C` (its `N·m` code bytes are not parameters: `codeBytes`).
    /// Call on validated settings.
    public func parameterCount(_ kind: ItemTableKind, itemCount N: Int, dimensions C: Int, clusters: ItemClusters?) -> Int {
        switch kind {
        case .memcom: return buckets! * C + N
        case .hashing: return buckets! * C
        case .qr:
            let c = qrCollisions!
            return ((N + c - 1) / c + c) * C
        case .lowRank: return rank! * (N + C)
        case .mixedDim:
            return Self.blockParameterCount(clusters: clusters!, dimensions: C, widths: mixedDimensions!)
        case .jpq:
            let m = jpqSplits!
            return m * JPQCodes.subIdCount * (C / m)
        }
    }

    /// Bytes of the table's item codes besides its parameters: jpq `N·m` (one byte per split and
    /// item); 0 for the other kinds. Call on validated settings.
    public func codeBytes(_ kind: ItemTableKind, itemCount N: Int) -> Int {
        kind == .jpq ? N * jpqSplits! : 0
    }

    /// `k_0·C + Σ_{j≥1} (k_j·d_j + d_j·C)`: a block-wise table (mixed-dim, CpRec's block-adaptive).
    public static func blockParameterCount(clusters: ItemClusters, dimensions C: Int, widths: [Int]) -> Int {
        (0..<clusters.count).reduce(0) { sum, j in
            sum + (j == 0 ? clusters.size(of: 0) * C : clusters.size(of: j) * widths[j] + widths[j] * C)
        }
    }

    /// The table these settings describe, its items' coordinates starting with standard deviation s.
    /// Call on validated settings.
    public func makeTable(_ kind: ItemTableKind, itemCount N: Int, dimensions C: Int, clusters: ItemClusters?,
                          standardDeviation s: Float, rng: inout SeededGenerator) -> any ItemMatrix {
        switch kind {
        case .memcom:
            return MEmComEmbedding(itemCount: N, dimensions: C, buckets: buckets!, hash: hash, standardDeviation: s, rng: &rng)
        case .hashing:
            return HashingEmbedding(itemCount: N, dimensions: C, buckets: buckets!, hash: hash, standardDeviation: s, rng: &rng)
        case .qr:
            return QuotientRemainderEmbedding(itemCount: N, dimensions: C, collisions: qrCollisions!, operation: qrOperation,
                                              standardDeviation: s, rng: &rng)
        case .lowRank:
            return LowRankEmbedding(itemCount: N, dimensions: C, rank: rank!, standardDeviation: s, rng: &rng)
        case .mixedDim:
            return MixedDimensionEmbedding(clusters: clusters!, dimensions: C, bucketDimensions: mixedDimensions!,
                                           standardDeviation: s, rng: &rng)
        case .jpq:
            // Random codes from the same generator until they are assigned from the training data
            // (`jpqCodes`) or loaded from a bundle.
            let table = JPQEmbedding(itemCount: N, dimensions: C, splits: jpqSplits!, standardDeviation: s, rng: &rng)
            table.codes.assign(JPQCodes.random(itemCount: N, splits: jpqSplits!, rng: &rng))
            return table
        }
    }
}
