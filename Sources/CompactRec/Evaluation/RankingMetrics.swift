/// HR, NDCG and MRR at several cut-offs, accumulated from the target's rank.
///
/// rank = the number of items scored strictly higher than the target (0 = top).
/// HR@K = 1[rank < K]; NDCG@K = 1[rank < K] / log2(rank + 2); MRR@K = 1[rank < K] / (rank + 1).
public struct RankingMetrics: Sendable, Equatable, Codable {
    public static let defaultCutoffs = [5, 10, 20]
    public let cutoffs: [Int]
    public private(set) var count = 0
    private var hits: [Double]
    private var ndcg: [Double]
    private var reciprocalRanks: [Double]

    public init(cutoffs: [Int] = RankingMetrics.defaultCutoffs) {
        self.cutoffs = cutoffs
        hits = Array(repeating: 0, count: cutoffs.count)
        ndcg = hits
        reciprocalRanks = hits
    }

    public mutating func add(rank: Int) {
        count += 1
        for (i, k) in cutoffs.enumerated() where rank < k {
            hits[i] += 1
            ndcg[i] += 1 / _log2(Double(rank) + 2)
            reciprocalRanks[i] += 1 / Double(rank + 1)
        }
    }

    /// Counts `misses` cases that could not be ranked (their target is not in the model's
    /// catalogue): they weigh in every mean as rank = `Int.max`, with no hit.
    public mutating func addMisses(_ misses: Int) {
        count += misses
    }

    public mutating func merge(_ other: RankingMetrics) {
        precondition(other.cutoffs == cutoffs)
        count += other.count
        for i in cutoffs.indices {
            hits[i] += other.hits[i]
            ndcg[i] += other.ndcg[i]
            reciprocalRanks[i] += other.reciprocalRanks[i]
        }
    }

    private func mean(_ sums: [Double], _ k: Int) -> Double {
        guard count > 0, let i = cutoffs.firstIndex(of: k) else { return 0 }
        return sums[i] / Double(count)
    }

    public func hitRate(at k: Int) -> Double { mean(hits, k) }
    public func ndcg(at k: Int) -> Double { mean(ndcg, k) }
    public func mrr(at k: Int) -> Double { mean(reciprocalRanks, k) }

    /// `["hr@5": …, "ndcg@5": …, "mrr@5": …, …]`
    public var values: [String: Double] {
        var out: [String: Double] = [:]
        for k in cutoffs {
            out["hr@\(k)"] = hitRate(at: k)
            out["ndcg@\(k)"] = ndcg(at: k)
            out["mrr@\(k)"] = mrr(at: k)
        }
        return out
    }
}
