import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// Evaluation and recommend with a tree softmax go through the exact early stop; they must agree
/// with scoring every item.
@Suite("Early-stop evaluation")
struct EarlyStopEvaluationTests {
    static func model(seed: UInt64) -> SequentialRecommender {
        let c = ModelConfiguration(itemCount: 40, embeddingSize: 8, dilations: [1, 2], kernelSize: 2, maxLength: 6,
                                   outputLayer: .treeSoftmax, cutoffs: [6, 15, 40], rankDivisor: 2)
        return SequentialRecommender(configuration: c, seed: seed)
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func metricsEqualScoringEveryItem(seed: UInt64) {
        let model = Self.model(seed: seed)
        var rng = SeededGenerator(seed: seed)
        let cases = (0..<150).map { _ in
            EvaluationCase(history: (0..<(1 + Int(rng.next() % 8))).map { _ in Int32(1 + rng.next() % 39) },
                           target: Int32(1 + rng.next() % 39))
        }
        var early = RankingStatistics(), full = RankingStatistics()
        // Cut-offs small enough that many targets rank beyond them.
        let a = Evaluator.evaluate(model, cases: cases, batchSize: 32, cutoffs: [1, 3, 5], statistics: &early)
        let b = Evaluator.evaluate(model, cases: cases, batchSize: 32, cutoffs: [1, 3, 5], statistics: &full, earlyStop: false)
        #expect(a == b)
        #expect(early.rows == cases.count)
        #expect(full.rows == 0)
        #expect(a.hitRate(at: 5) < 1, "some targets must rank beyond the deepest cut-off for the test to mean anything")
    }

    @Test func recommendEqualsTopKOfEveryScore() {
        let model = Self.model(seed: 9)
        let N = model.configuration.itemCount, T = model.configuration.maxLength
        for history: [Int32] in [[1], [5, 9, 33], [39, 38, 37, 36, 35, 34, 33]] {
            var inputs = [Int32](repeating: 0, count: T)
            var scores = [Float](repeating: 0, count: N)
            HistoryWindow.fill(history, length: T, row: &inputs)
            model.scores(inputs: inputs, batch: 1, length: T, output: &scores)
            let expected = scores.withUnsafeBufferPointer { topK(scores: $0.baseAddress!, count: N, k: 7) }
            let got = model.recommend(history: history, count: 7)
            #expect(got.map(\.item) == expected.map { Int32($0.item) })
            #expect(got.map(\.score.bitPattern) == expected.map(\.score.bitPattern))
            // Excluding the history removes exactly those items and keeps the order of the rest.
            let seen = Set(history)
            let filtered = scores.withUnsafeBufferPointer {
                topK(scores: $0.baseAddress!, count: N, k: 7) { $0 == 0 || seen.contains(Int32($0)) }
            }
            #expect(model.recommend(history: history, count: 7, excludingHistory: true).map(\.item)
                    == filtered.map { Int32($0.item) })
        }
    }

    /// `recommend` keeps the tail bounds it took on its first request; a training step drops
    /// them. A flat tail is skipped by its bound; then an item of it is made the best of all:
    /// with the stale bounds it would stay skipped, with new ones it is found.
    @Test func recommendTakesNewTailBoundsAfterATrainingStep() {
        let model = Self.model(seed: 4)
        let tree = model.output as! TreeSoftmax
        // Head columns: items 0..<6, then the nodes of tails 6..<15 and 15..<40. Items 1–5 get
        // p = 0.1 each, the second tail's node 0.5, everything else ~0; the tail is flat, so each
        // of its 25 items has p = 0.02 and its bound, log 0.5 − log 25, is below log 0.1.
        let tail = tree.tails[1]
        for i in 0..<tree.headWeight.count { tree.headWeight.value.data[i] = 0 }
        for (column, bias) in [-1000, 0, 0, 0, 0, 0, -1000, Float(log(5.0))].enumerated() { tree.headBias.value.data[column] = bias }
        for i in 0..<tail.weight.count { tail.weight.value.data[i] = 0 }
        for i in 0..<tail.bias.count { tail.bias.value.data[i] = 0 }
        let history: [Int32] = [3, 7, 11]
        let before = model.recommend(history: history, count: 5)
        #expect(before.map(\.item) == [1, 2, 3, 4, 5])

        // A step (its gradients are not applied), then an optimizer-like write to the weights.
        let T = model.configuration.maxLength
        var inputs = [Int32](repeating: 0, count: T), targets = [Int32](repeating: 0, count: T)
        HistoryWindow.fill(history, length: T, row: &inputs)
        targets[T - 1] = 20
        _ = model.trainingStep(inputs: inputs, targets: targets, batch: 1, length: T)
        model.zeroGradients()
        tail.bias.value.data[30 - 15] = 1000
        let after = model.recommend(history: history, count: 5)
        #expect(after.first?.item == 30)
    }
}
