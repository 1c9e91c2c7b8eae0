import Foundation

/// The frequency-sorted items split into popularity clusters (CpRec §3.1).
///
/// Items are indexed by descending training frequency (index 0 is padding, see `Vocabulary`),
/// so a cluster is a range of indices. Cut-offs `0 = c_0 < c_1 < … < c_n = N` make cluster `j`
/// the items `[c_j, c_{j+1})`. Clusters are numbered from 0 here: cluster 0 is the paper's
/// cluster 1, the head of popular items, and it also holds the padding index 0.
///
///     let clusters = try ItemClusters(cutoffs: [2000, 10000], itemCount: 40000)
///     clusters.cutoffs                                   // [2000, 10000, 40000]
///     clusters.cluster(of: 2000)                         // 1
///     clusters.dimensions(embeddingSize: 512, divisor: 4) // [512, 128, 32]
///
/// On the command line (`--cutoffs`) the clusters are written as explicit cut-offs
/// (`"2000,10000"`), as shares of the training interactions (`"shares:0.6,0.25,0.15"`), or as a
/// number of clusters with shares chosen by ``auto(clusterCount:frequencies:)`` (`"auto:3"`);
/// see ``parse(_:frequencies:)``.
public struct ItemClusters: Codable, Sendable, Equatable {
    /// `c_1 … c_n`: the end of every cluster; the last is N.
    public let cutoffs: [Int]

    /// More clusters than this is taken for a mistake: the paper advises 3–5, each cluster
    /// costs a product per batch, and with the default divisor 4 the 6th cluster of a 512-wide
    /// model already has rank 1 (the rank never drops below 1, so the rest would all be rank 1).
    public static let maximumCount = 16

    /// The flag every error names.
    static let source = "--cutoffs"

    /// Clusters from the cut-offs between them.
    ///
    /// - Parameters:
    ///   - cutoffs: `c_1 … c_{n-1}`, strictly increasing, each in `2…N-1` (cluster 0 holds the
    ///     padding and at least one item). N is appended; `[]` is a single cluster.
    ///   - itemCount: N, including padding.
    /// - Throws: ``InputError`` naming `--cutoffs` and what was expected.
    public init(cutoffs: [Int], itemCount N: Int) throws {
        func fail(_ message: String) -> InputError { InputError(source: Self.source, message) }
        guard N >= 2 else {
            throw fail("expected at least one item besides the padding to cluster, got N = \(N)")
        }
        guard cutoffs.count < Self.maximumCount else {
            throw fail("expected at most \(Self.maximumCount) clusters (\(Self.maximumCount - 1) cut-offs), got \(cutoffs.count + 1)")
        }
        for (i, c) in cutoffs.enumerated() {
            guard c >= 2 else {
                throw fail("expected every cut-off to be at least 2 (the first cluster holds the padding and at least one item), got \(c)")
            }
            guard c < N else {
                throw fail("expected every cut-off to be below the number of items N = \(N), got \(c)")
            }
            if i > 0 && c <= cutoffs[i - 1] {
                throw fail("expected strictly increasing cut-offs, got \(c) after \(cutoffs[i - 1])")
            }
        }
        self.cutoffs = cutoffs + [N]
    }

    /// N, including padding.
    public var itemCount: Int { cutoffs[cutoffs.count - 1] }

    /// n, the number of clusters.
    public var count: Int { cutoffs.count }

    /// The items of cluster `j` (0-based).
    public func range(of j: Int) -> Range<Int> {
        precondition(j >= 0 && j < count, "cluster \(j) of \(count)")
        return (j == 0 ? 0 : cutoffs[j - 1])..<cutoffs[j]
    }

    /// k_j, the number of items in cluster `j` (cluster 0 counts the padding).
    public func size(of j: Int) -> Int { range(of: j).count }

    /// The cluster holding `item` (0 ≤ item < N), by binary search over the cut-offs.
    @inline(__always)
    public func cluster(of item: Int) -> Int {
        precondition(item >= 0 && item < itemCount, "item \(item) outside 0..<\(itemCount)")
        var low = 0, high = cutoffs.count - 1  // the answer is the first j with item < cutoffs[j]
        while low < high {
            let middle = (low + high) / 2
            if item < cutoffs[middle] { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// CpRec's rank per cluster: `d_j = max(1, ⌊d / f^j⌋)` for the 0-based cluster `j`
    /// (`d / f^(j-1)` in the paper's 1-based numbering), so d = 512, f = 4 gives 512, 128, 32.
    /// The divisor need not be whole: d = 64, f = 1.5 gives 64, 42, 28, 18, 12.
    public func dimensions(embeddingSize d: Int, divisor f: Double) -> [Int] {
        precondition(d >= 1 && f >= 1 && f.isFinite)
        var result: [Int] = []
        var power = 1.0  // f^j; exact for whole f while it stays below 2^53
        for _ in 0..<count {
            // The slack keeps a quotient that is whole in exact arithmetic (64 / 1.6^2 = 25) from
            // flooring to one less when f^j is rounded.
            result.append(max(1, Int((Double(d) / power * (1 + 1e-12)).rounded(.down))))
            power *= f
        }
        return result
    }

    /// Clusters that each cover a share of the training interactions, most popular first.
    ///
    /// Cluster `j` ends at the first index where the items so far reach the cumulative share
    /// `shares[0] + … + shares[j]` of all interactions. Where one item alone covers more than
    /// its cluster's share (so the next cluster would be empty) the next cluster still gets one
    /// item: every cluster is non-empty. Items with frequency 0 fall in the last cluster.
    ///
    /// - Parameters:
    ///   - shares: one positive fraction per cluster, summing to 1 (within 1e-3; they are
    ///     rescaled to sum to exactly 1).
    ///   - frequencies: per item index, its training frequency (`Vocabulary.frequencies`); the
    ///     padding's entry is ignored. Its length is N.
    /// - Throws: ``InputError`` naming `--cutoffs` for invalid shares, no interactions, or too
    ///   few items for the number of clusters.
    public static func fromShares(_ shares: [Double], frequencies: [Int]) throws -> ItemClusters {
        func fail(_ message: String) -> InputError { InputError(source: source, message) }
        let N = frequencies.count
        guard !shares.isEmpty else { throw fail("expected at least one share") }
        guard shares.count <= maximumCount else {
            throw fail("expected at most \(maximumCount) clusters, got \(shares.count) shares")
        }
        if let bad = shares.first(where: { !($0 > 0 && $0.isFinite) }) {
            throw fail("expected every share to be a positive fraction, got \(bad)")
        }
        let sum = shares.reduce(0, +)
        guard abs(sum - 1) <= 1e-3 else { throw fail("expected shares that sum to 1, got a sum of \(sum)") }
        guard N >= shares.count + 1 else {
            throw fail("expected at least \(shares.count) items for \(shares.count) non-empty clusters, got \(N - 1)")
        }
        let total = frequencies.dropFirst().reduce(0, +)
        guard total > 0 else { throw fail("expected training interactions to share out, but every frequency is 0") }

        var cuts: [Int] = []
        var index = 1  // items [0, index) are in earlier clusters
        var covered = 0  // their interactions
        var cumulativeShare = 0.0
        for j in 0..<(shares.count - 1) {
            cumulativeShare += shares[j] / sum
            // Relative slack so that 0.6 · 100 rounding to 60.000000000000007 still cuts at 60.
            let target = cumulativeShare * Double(total) * (1 - 1e-9)
            let earliest = (cuts.last ?? 1) + 1  // this cluster gets at least one item
            while index < earliest || (Double(covered) < target && index < N) {
                covered += frequencies[index]
                index += 1
            }
            // Leave one item for each cluster still to come.
            let latest = N - (shares.count - 1 - j)
            if index > latest {
                throw fail("expected enough items for \(shares.count) non-empty clusters, but the first \(j + 1) already need \(index - 1) of the \(N - 1) items to reach their share, leaving too few for the \(shares.count - 1 - j) after them")
            }
            cuts.append(index)
        }
        return try ItemClusters(cutoffs: cuts, itemCount: N)
    }

    /// `n` clusters whose shares of the interactions halve from one cluster to the next:
    /// cluster `j` (0-based) gets a share ∝ 2^-j, so n = 3 gives 4/7, 2/7, 1/7 (≈ 57 / 29 / 14 %,
    /// close to the 60 / 25 / 15 % example of METHODS §3.1) and n = 2 gives 2/3, 1/3.
    /// Halving follows the long tail: each further cluster carries half the interactions of the
    /// one before, spread over many more items, so its items are seen far less often, which is
    /// what justifies giving them the next, narrower rank.
    public static func auto(clusterCount n: Int, frequencies: [Int]) throws -> ItemClusters {
        guard n >= 1 && n <= maximumCount else {
            throw InputError(source: source, "expected a number of clusters from 1 to \(maximumCount), got \(n)")
        }
        let weights = (0..<n).map { 1 / Double(1 << $0) }
        let sum = weights.reduce(0, +)
        return try fromShares(weights.map { $0 / sum }, frequencies: frequencies)
    }

    /// Reads the `--cutoffs` flag: `"2000,10000"` (explicit cut-offs, N is appended),
    /// `"auto:3"` (``auto(clusterCount:frequencies:)``) or `"shares:0.6,0.25,0.15"`
    /// (``fromShares(_:frequencies:)``). Spaces around numbers are ignored.
    ///
    /// - Parameter frequencies: the training frequency of every item index, length N.
    /// - Throws: ``InputError`` naming `--cutoffs`, what was found and what was expected.
    public static func parse(_ text: String, frequencies: [Int]) throws -> ItemClusters {
        func fail(_ message: String) -> InputError { InputError(source: source, message) }
        let forms = "'2000,10000', 'auto:3' or 'shares:0.6,0.25,0.15'"
        func trim<S: StringProtocol>(_ s: S) -> String { s.trimmingCharacters(in: .whitespaces) }
        func list(_ body: String, _ what: String) throws -> [String] {
            let parts = body.split(separator: ",", omittingEmptySubsequences: false).map { trim($0) }
            if parts.contains(where: \.isEmpty) {
                throw fail("expected \(what) separated by single commas, got '\(text)'")
            }
            return parts
        }
        let trimmed = trim(text)
        if trimmed.isEmpty { throw fail("expected cut-offs like \(forms), got nothing") }
        if let colon = trimmed.firstIndex(of: ":") {
            let kind = trim(trimmed[..<colon]), body = trim(trimmed[trimmed.index(after: colon)...])
            switch kind {
            case "auto":
                guard let n = Int(body) else {
                    throw fail("expected 'auto:<number of clusters>' like 'auto:3', got '\(text)'")
                }
                return try auto(clusterCount: n, frequencies: frequencies)
            case "shares":
                let shares = try list(body, "shares").map { part -> Double in
                    guard let share = Double(part) else {
                        throw fail("expected shares like 'shares:0.6,0.25,0.15', found '\(part)' in '\(text)'")
                    }
                    return share
                }
                return try fromShares(shares, frequencies: frequencies)
            default:
                throw fail("expected 'auto:' or 'shares:' before the colon (cut-offs like \(forms)), got '\(kind):'")
            }
        }
        let cutoffs = try list(trimmed, "cut-offs").map { part -> Int in
            guard let c = Int(part) else {
                throw fail("expected cut-offs like \(forms), found '\(part)' in '\(text)'")
            }
            return c
        }
        return try ItemClusters(cutoffs: cutoffs, itemCount: frequencies.count)
    }

    // A decoded value is checked as a constructed one is, so a bad config.json cannot build a model.
    private enum CodingKeys: String, CodingKey { case cutoffs }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let all = try container.decode([Int].self, forKey: .cutoffs)
        guard let N = all.last else {
            throw DecodingError.dataCorruptedError(forKey: .cutoffs, in: container, debugDescription: "expected at least N")
        }
        do {
            self = try ItemClusters(cutoffs: Array(all.dropLast()), itemCount: N)
        } catch let error as InputError {
            throw DecodingError.dataCorruptedError(forKey: .cutoffs, in: container, debugDescription: error.message)
        }
    }
}
