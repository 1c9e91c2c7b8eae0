import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

@Suite("Evaluator.evaluate")
struct EvaluatorTests {
    /// Scores = this vector for every history once the output weight is zero. The padding
    /// scores highest, items 2 and 4 tie for the top.
    static let bias: [Float] = [50, 0.1, 0.9, 0.5, 0.9, 0.3, -1, 0.7, 0.2, 0.0, 0.8]

    static func biasOnlyModel() throws -> SequentialRecommender {
        let model = ModelTestSupport.model(items: bias.count, channels: 4, dilations: [1, 2], kernelSize: 3, length: 5, seed: 17)
        let output = try #require(model.output as? FullSoftmax)
        output.weight.value.zero()
        output.bias.value.copy(from: Tensor(shape: [bias.count], values: bias))
        return model
    }

    /// Targets with their ranks worked out by hand from `bias` (items scoring strictly higher,
    /// padding excluded): 2 → 0 (4 ties), 7 → 3 (2, 4, 10), 6 → 9 (all others), 10 → 2,
    /// 3 → 4 (2, 4, 7, 10), 9 → 8, 1 → 7. Histories are short, exactly T, longer than T,
    /// and hold the best items (which are not removed from the ranking).
    static let cases: [EvaluationCase] = [
        EvaluationCase(history: [1], target: 2),
        EvaluationCase(history: [2, 4, 3], target: 7),
        EvaluationCase(history: [5, 5, 5, 5, 5, 5, 5, 5, 5], target: 6),
        EvaluationCase(history: [3, 1, 4, 1, 5], target: 10),
        EvaluationCase(history: [10, 9, 8], target: 3),
        EvaluationCase(history: [2], target: 9),
        EvaluationCase(history: [7, 2, 4, 10, 6, 8], target: 1),
    ]
    static let ranks = [0, 3, 9, 2, 4, 8, 7]

    @Test func handSetOutputLayerGivesKnownRanksAndExactMetrics() throws {
        let model = try Self.biasOnlyModel()
        for c in Self.cases {
            let scores = ModelTestSupport.scores(model, histories: [c.history])
            #expect(ModelTestSupport.bits(scores) == ModelTestSupport.bits(Self.bias), "scores are not the bias")
        }
        #expect(Self.cases.map { Self.rankByHand(Int($0.target), Self.bias) } == Self.ranks)

        let cutoffs = [1, 3, 5, 10]
        var progress: [Int] = []
        let metrics = Evaluator.evaluate(model, cases: Self.cases, batchSize: 3, cutoffs: cutoffs) { progress.append($0) }
        #expect(progress == [3, 6, 7])
        #expect(metrics.count == 7 && metrics.cutoffs == cutoffs)
        let n = 7.0
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-12 }
        // Discounts 1/log2(rank + 2) and reciprocal ranks 1/(rank + 1) of ranks 0, 2, 3, 4, 7, 8, 9.
        let d0: Double = 1, d2: Double = 1 / log2(4.0), d3: Double = 1 / log2(5.0), d4: Double = 1 / log2(6.0)
        let d7: Double = 1 / log2(9.0), d8: Double = 1 / log2(10.0), d9: Double = 1 / log2(11.0)
        let r0: Double = 1, r2: Double = 1.0 / 3, r3: Double = 1.0 / 4, r4: Double = 1.0 / 5
        let r7: Double = 1.0 / 8, r8: Double = 1.0 / 9, r9: Double = 1.0 / 10
        // @1: rank 0 only.
        #expect(close(metrics.hitRate(at: 1), 1 / n) && close(metrics.ndcg(at: 1), 1 / n) && close(metrics.mrr(at: 1), 1 / n))
        // @3: ranks 0, 2.
        #expect(close(metrics.hitRate(at: 3), 2 / n))
        #expect(close(metrics.ndcg(at: 3), (d0 + d2) / n))
        #expect(close(metrics.mrr(at: 3), (r0 + r2) / n))
        // @5: ranks 0, 3, 2, 4.
        #expect(close(metrics.hitRate(at: 5), 4 / n))
        let ndcg5: Double = (d0 + d3 + d2 + d4) / n
        let mrr5: Double = (r0 + r3 + r2 + r4) / n
        #expect(close(metrics.ndcg(at: 5), ndcg5))
        #expect(close(metrics.mrr(at: 5), mrr5))
        // @10: every rank (the largest is 9).
        #expect(metrics.hitRate(at: 10) == 1)
        let ndcg10: Double = (d0 + d3 + d9 + d2 + d4 + d8 + d7) / n
        let mrr10: Double = (r0 + r3 + r9 + r2 + r4 + r8 + r7) / n
        #expect(close(metrics.ndcg(at: 10), ndcg10))
        #expect(close(metrics.mrr(at: 10), mrr10))

        // The batch size changes nothing.
        for batchSize in [1, 2, 7, 256] {
            #expect(Evaluator.evaluate(model, cases: Self.cases, batchSize: batchSize, cutoffs: cutoffs) == metrics)
        }
        #expect(Evaluator.evaluate(model, cases: []).count == 0)
    }

    /// Items (padding excluded) scoring strictly higher than `target`, in the test's own words.
    static func rankByHand(_ target: Int, _ scores: [Float]) -> Int {
        (1..<scores.count).filter { scores[$0] > scores[target] }.count
    }

    @Test func ranksEveryCaseFromItsOwnMostRecentTItems() throws {
        let N = 40, T = 5, C = 6
        let model = ModelTestSupport.model(items: N, channels: C, dilations: [1, 2], kernelSize: 3, length: T, seed: 18)
        var rng = SeededGenerator(seed: 19)
        let cases = (0..<23).map { i -> EvaluationCase in
            let length = 1 + Int(rng.next() % 9)
            return EvaluationCase(history: (0..<length).map { _ in Int32(1 + rng.next() % UInt64(N - 1)) },
                                  target: Int32(1 + rng.next() % UInt64(N - 1)))
        }
        var expected = RankingMetrics()
        for c in cases {
            // Left-padded by hand, one case at a time.
            let recent = Array(c.history.suffix(T))
            let row = [Int32](repeating: 0, count: T - recent.count) + recent
            let scores = Tensor(shape: [1, N])
            model.scores(inputs: row, batch: 1, length: T, output: scores.data)
            expected.add(rank: Self.rankByHand(Int(c.target), scores.values))
        }
        let metrics = Evaluator.evaluate(model, cases: cases, batchSize: 8)
        #expect(metrics.count == cases.count)
        for k in RankingMetrics.defaultCutoffs {
            #expect(abs(metrics.hitRate(at: k) - expected.hitRate(at: k)) < 1e-12)
            #expect(abs(metrics.ndcg(at: k) - expected.ndcg(at: k)) < 1e-12)
            #expect(abs(metrics.mrr(at: k) - expected.mrr(at: k)) < 1e-12)
        }
        #expect(expected.hitRate(at: 20) > 0 && expected.hitRate(at: 5) < 1)  // not a degenerate check
    }

    @Test func aNaNScoreCountsAsAMiss() throws {
        let model = try Self.biasOnlyModel()
        let output = try #require(model.output as? FullSoftmax)
        output.bias.value.data[2] = .nan
        let metrics = Evaluator.evaluate(model, cases: [EvaluationCase(history: [1], target: 2)], cutoffs: [1, 11])
        #expect(metrics.count == 1 && metrics.hitRate(at: 11) == 0)
    }
}
