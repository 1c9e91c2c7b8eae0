import Testing

@testable import CompactRecRuntime

/// Serving holds weights only: recommending never allocates a gradient.
@Suite("Serving memory")
struct ServingMemoryTests {
    @Test func recommendingAllocatesNoGradient() {
        let configuration = ModelConfiguration(itemCount: 300, embeddingSize: 8, dilations: [1, 2], maxLength: 6,
                                               outputLayer: .treeSoftmax, cutoffs: [30, 120, 300])
        let model = SequentialRecommender(configuration: configuration, seed: 1)
        _ = InferenceContext(model: model).recommend(history: [3, 1, 4, 1, 5], count: 10)
        _ = model.recommend(history: [9, 2, 6], count: 10, excludingHistory: true)
        let parameters = model.uniqueParameters()
        #expect(parameters.count > 10)
        #expect(parameters.filter(\.parameter.hasGradient).map(\.name) == [])
        // Asking for one allocates that one alone, zero-filled.
        let first = parameters[0].parameter
        #expect(first.gradient.values.allSatisfy { $0 == 0 } && first.gradient.count == first.count)
        #expect(parameters.filter(\.parameter.hasGradient).count == 1)
    }

    /// A model built to receive stored weights skips its random fills, only while asked and only
    /// in the task that asks; the fills outside are the seed's as ever.
    @Test func aModelBuiltForStoredWeightsSkipsItsRandomFills() {
        let configuration = ModelConfiguration(itemCount: 50, embeddingSize: 8, dilations: [1], maxLength: 4)
        let skipped = Tensor.$skipsRandomFill.withValue(true) { SequentialRecommender(configuration: configuration, seed: 1) }
        let table = skipped.uniqueParameters().first { $0.name == "item_embedding.weight" }!.parameter.value
        #expect(table.values.allSatisfy { $0 == 0 })
        let filled = SequentialRecommender(configuration: configuration, seed: 1)
        let again = SequentialRecommender(configuration: configuration, seed: 1)
        let values = filled.uniqueParameters().first { $0.name == "item_embedding.weight" }!.parameter.value.values
        #expect(values.contains { $0 != 0 })
        #expect(values == again.uniqueParameters().first { $0.name == "item_embedding.weight" }!.parameter.value.values)
    }
}
