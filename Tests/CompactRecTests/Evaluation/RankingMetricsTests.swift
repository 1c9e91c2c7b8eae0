import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

@Suite("RankingMetrics")
struct RankingMetricsTests {
    static let ranks = [0, 3, 7, 12, 40]

    static func metrics(_ ranks: [Int], cutoffs: [Int] = RankingMetrics.defaultCutoffs) -> RankingMetrics {
        var m = RankingMetrics(cutoffs: cutoffs)
        for r in ranks { m.add(rank: r) }
        return m
    }

    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-12 }

    @Test func handWorkedRanks() {
        let m = Self.metrics(Self.ranks)
        #expect(m.count == 5)
        // Discounts 1/log2(rank + 2) and reciprocal ranks 1/(rank + 1) of the hits.
        let d0: Double = 1, d3: Double = 1 / log2(5.0), d7: Double = 1 / log2(9.0), d12: Double = 1 / log2(14.0)
        let r0: Double = 1, r3: Double = 1.0 / 4, r7: Double = 1.0 / 8, r12: Double = 1.0 / 13
        // @5: ranks 0 and 3 hit.
        #expect(Self.close(m.hitRate(at: 5), 2.0 / 5))
        #expect(Self.close(m.ndcg(at: 5), (d0 + d3) / 5))
        #expect(Self.close(m.mrr(at: 5), (r0 + r3) / 5))
        // @10: and rank 7.
        #expect(Self.close(m.hitRate(at: 10), 3.0 / 5))
        #expect(Self.close(m.ndcg(at: 10), (d0 + d3 + d7) / 5))
        #expect(Self.close(m.mrr(at: 10), (r0 + r3 + r7) / 5))
        // @20: and rank 12; rank 40 never hits.
        #expect(Self.close(m.hitRate(at: 20), 4.0 / 5))
        let ndcg20: Double = (d0 + d3 + d7 + d12) / 5
        let mrr20: Double = (r0 + r3 + r7 + r12) / 5
        #expect(Self.close(m.ndcg(at: 20), ndcg20))
        #expect(Self.close(m.mrr(at: 20), mrr20))

        // Written out as numbers too, so the formulas above are not merely restated.
        #expect(abs(m.ndcg(at: 5) - 0.286135311614678) < 1e-12)
        #expect(abs(m.mrr(at: 20) - 0.290384615384615) < 1e-12)

        let values = m.values
        #expect(Set(values.keys) == ["hr@5", "ndcg@5", "mrr@5", "hr@10", "ndcg@10", "mrr@10", "hr@20", "ndcg@20", "mrr@20"])
        #expect(values["hr@10"] == m.hitRate(at: 10) && values["ndcg@20"] == m.ndcg(at: 20) && values["mrr@5"] == m.mrr(at: 5))
    }

    @Test func theCutOffIsStrict() {
        // rank K - 1 is the last hit at K; rank K is a miss.
        let m = Self.metrics([4, 5], cutoffs: [5])
        #expect(m.hitRate(at: 5) == 0.5)
        let d4: Double = 1 / log2(6.0)
        #expect(Self.close(m.ndcg(at: 5), d4 / 2))
        #expect(Self.close(m.mrr(at: 5), 0.1))
        let one = Self.metrics([0, 1], cutoffs: [1])
        #expect(one.hitRate(at: 1) == 0.5 && one.ndcg(at: 1) == 0.5 && one.mrr(at: 1) == 0.5)
    }

    @Test func emptyAndUnknownCutOffsAreZero() {
        let empty = RankingMetrics()
        #expect(empty.count == 0 && empty.hitRate(at: 5) == 0 && empty.ndcg(at: 10) == 0 && empty.mrr(at: 20) == 0)
        let m = Self.metrics([0])
        #expect(m.hitRate(at: 5) == 1 && m.hitRate(at: 7) == 0)
    }

    @Test func mergingEqualsAddingEverything() {
        var rng = SeededGenerator(seed: 31)
        let ranks = (0..<500).map { _ in Int(rng.next() % 40) }
        let all = Self.metrics(ranks)
        var merged = RankingMetrics()
        for start in stride(from: 0, to: ranks.count, by: 64) {
            merged.merge(Self.metrics(Array(ranks[start..<min(start + 64, ranks.count)])))
        }
        merged.merge(RankingMetrics())
        #expect(merged.count == all.count)
        for k in RankingMetrics.defaultCutoffs {
            #expect(abs(merged.hitRate(at: k) - all.hitRate(at: k)) < 1e-12)
            #expect(abs(merged.ndcg(at: k) - all.ndcg(at: k)) < 1e-12)
            #expect(abs(merged.mrr(at: k) - all.mrr(at: k)) < 1e-12)
        }
        // Two halves of the hand-worked list.
        var halves = Self.metrics([0, 3])
        halves.merge(Self.metrics([7, 12, 40]))
        #expect(halves.count == 5 && Self.close(halves.ndcg(at: 20), Self.metrics(Self.ranks).ndcg(at: 20)))
    }

    @Test func codableRoundTrip() throws {
        let m = Self.metrics(Self.ranks, cutoffs: [1, 3, 50])
        let decoded = try JSONDecoder().decode(RankingMetrics.self, from: JSONEncoder().encode(m))
        #expect(decoded == m)
    }
}

@Suite("Evaluator.rank")
struct EvaluatorRankTests {
    static func rank(_ target: Int, _ scores: [Float]) -> Int {
        Evaluator.rank(of: target, in: scores, count: scores.count)
    }

    @Test func countsStrictlyHigherScoresOnly() {
        let scores: [Float] = [0, 0.5, 0.9, 0.1, 0.9, 0.3, 0.7]
        #expect(Self.rank(2, scores) == 0)  // 4 ties with it and does not count
        #expect(Self.rank(4, scores) == 0)
        #expect(Self.rank(6, scores) == 2)
        #expect(Self.rank(1, scores) == 3)
        #expect(Self.rank(5, scores) == 4)
        #expect(Self.rank(3, scores) == 5)
    }

    @Test func ignoresThePaddingEvenWhenItScoresHighest() {
        let scores: [Float] = [100, 0.2, 0.1, 0.3]
        #expect(Self.rank(3, scores) == 0)
        #expect(Self.rank(1, scores) == 1)
        #expect(Self.rank(2, scores) == 2)
    }

    @Test func allTiedIsRankZero() {
        #expect(Self.rank(5, [Float](repeating: 1, count: 9)) == 0)
        #expect(Self.rank(1, [Float](repeating: -.infinity, count: 4)) == 0)
    }

    @Test func aNaNTargetScoreIsAMissAndOtherNaNsNeverOutrankIt() {
        let N = 6
        let nanTarget: [Float] = [0, 1, .nan, 0.5, 0.2, 0.1]
        #expect(Self.rank(2, nanTarget) == N)
        // Rank N is a miss at every cut-off up to N, the most a real rank can be short of.
        var m = RankingMetrics(cutoffs: [1, N])
        m.add(rank: Self.rank(2, nanTarget))
        #expect(m.hitRate(at: N) == 0 && m.ndcg(at: N) == 0 && m.mrr(at: N) == 0)

        let nanOthers: [Float] = [0, .nan, 0.5, .nan, 0.7, .infinity]
        #expect(Self.rank(2, nanOthers) == 2)  // 0.7 and +inf
        #expect(Self.rank(5, nanOthers) == 0)
    }
}
