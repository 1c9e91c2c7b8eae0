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
        try kind.variant.validate(self, itemCount: N, dimensions: C, clusters: clusters) { knob, message in
            InputError(source: "model configuration", location: "\(key).\(knob)", "the \(kind.rawValue) table \(message)")
        }
    }

    /// The table's parameter count by the formulas (METHODS §4, §5): memcom `m·C + N`; hashing
    /// `m·C`; qr `(⌈N/c⌉ + c)·C`; low-rank `N·r + r·C`; mixed-dim `k_0·C + Σ_{j≥1} (k_j·d_j + d_j·C)`;
    /// jpq `m·256·(C/m) = 256·C` (its `N·m` code bytes are not parameters: `codeBytes`).
    /// Call on validated settings.
    public func parameterCount(_ kind: ItemTableKind, itemCount N: Int, dimensions C: Int, clusters: ItemClusters?) -> Int {
        kind.variant.parameterCount(self, itemCount: N, dimensions: C, clusters: clusters)
    }

    /// Bytes of the table's item codes besides its parameters: jpq `N·m` (one byte per split and
    /// item); 0 for the other kinds. Call on validated settings.
    public func codeBytes(_ kind: ItemTableKind, itemCount N: Int) -> Int {
        kind.variant.codeBytes(self, itemCount: N)
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
        kind.variant.makeTable(self, itemCount: N, dimensions: C, clusters: clusters, standardDeviation: s, rng: &rng)
    }
}
