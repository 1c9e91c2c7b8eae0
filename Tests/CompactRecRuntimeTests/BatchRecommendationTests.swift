import Testing

@testable import CompactRecRuntime

/// Histories scored together in one forward pass get the answers each gets alone: the same
/// items in the same order, scores bit for bit (what the server's micro-batching relies on).
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
                #expect(together == alone, "batch of \(batchSize) from \(start)")
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
        #expect(answers == queries.map { recommender.recommend(history: $0.history, count: $0.count, excludingHistory: $0.excludingHistory) })
        #expect(answers[1].items.allSatisfy { $0.id != "item-9" })
    }
}
