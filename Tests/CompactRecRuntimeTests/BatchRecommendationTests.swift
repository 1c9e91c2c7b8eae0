import Testing

@testable import CompactRecRuntime

/// Histories scored together in one forward pass get the answers each gets alone: the same
/// items in the same order, with scores equal up to rounding (a product over B rows sums in
/// another order than over one), and bit for bit for a batch of one.
@Suite("Batch recommendation")
struct BatchRecommendationTests {
    @Test(arguments: 0..<2)
    func aBatchAnswersEachHistoryAsItIsAnsweredAlone(_ index: Int) {
        let model = ReentrantInferenceTests.model(index)
        let histories = ReentrantInferenceTests.histories
        for batchSize in [1, 2, 7, 32, 64] {
            for start in stride(from: 0, to: 256, by: batchSize) {
                let queries = (start..<start + batchSize).map {
                    RecommendationQuery(history: histories[$0], count: 1 + $0 % 20, excludingHistory: $0 % 3 == 0)
                }
                let alone = queries.map { model.recommend(history: $0.history, count: $0.count, excludingHistory: $0.excludingHistory) }
                let together = model.recommend(queries)
                if batchSize == 1 { #expect(together == alone) }
                for (a, b) in zip(together, alone) {
                    #expect(agreeUpToRounding(a.map { (Int($0.item), $0.score) }, b.map { (Int($0.item), $0.score) }),
                            "batch of \(batchSize) from \(start): \(a) vs \(b)")
                }
                #expect(together.map(\.count) == queries.map(\.count))
            }
        }
    }

    @Test func theRecommenderAnswersABatchOfOriginalIds() throws {
        let model = ReentrantInferenceTests.model(0)
        let N = ReentrantInferenceTests.N
        let ids = ["<pad>"] + (1..<N).map { "item-\($0 * 3)" }
        let vocabulary = try Vocabulary(originalIds: ids, frequencies: [0] + (1..<N).map { N - $0 })
        let recommender = Recommender(bundle: ModelBundle(model: model, vocabulary: vocabulary, training: nil, data: [:]))
        let queries = [
            Recommender.Query(history: ["item-3", "nope", "item-30"], count: 5),
            Recommender.Query(history: ["item-9"], count: 3, excludingHistory: true),
            Recommender.Query(history: ["a", "b"], count: 2),
        ]
        let answers = recommender.recommend(queries)
        #expect(answers.map(\.unknown) == [["nope"], [], ["a", "b"]])
        let alone = queries.map { recommender.recommend(history: $0.history, count: $0.count, excludingHistory: $0.excludingHistory) }
        for (a, b) in zip(answers, alone) {
            #expect(agreeUpToRounding(a.items.map { ($0.id, $0.score) }, b.items.map { ($0.id, $0.score) }), "\(a) vs \(b)")
        }
        #expect(answers[1].items.allSatisfy { $0.id != "item-9" })
    }
}

/// Whether two best-first lists are the same up to float rounding: the same length, scores at
/// each position within 1e-5 (relative, at least 1e-5 absolute), and the same item at each
/// position except where two neighbours' scores are that close (a near-tie may swap).
func agreeUpToRounding<Item: Equatable>(_ a: [(Item, Float)], _ b: [(Item, Float)]) -> Bool {
    guard a.count == b.count else { return false }
    func close(_ x: Float, _ y: Float) -> Bool { abs(x - y) <= 1e-5 * max(1, abs(x), abs(y)) }
    for i in a.indices {
        guard close(a[i].1, b[i].1) else { return false }
        if a[i].0 != b[i].0 {
            let nearTie = (i > 0 && close(a[i].1, a[i - 1].1)) || (i + 1 < a.count && close(a[i].1, a[i + 1].1))
            guard nearTie else { return false }
        }
    }
    return true
}
