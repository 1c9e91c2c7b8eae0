import Testing

@testable import CompactRecRuntime

/// Serving holds weights only.
@Suite("Serving memory")
struct ServingMemoryTests {
    /// A model built to receive stored weights skips its random fills, only while asked and only
    /// in the task that asks; the fills outside are the seed's as ever.
    @Test func aModelBuiltForStoredWeightsSkipsItsRandomFills() {
        let configuration = ModelConfiguration(itemCount: 50, embeddingSize: 8, dilations: [1], maxLength: 4)
        let skipped = Tensor.$skipsRandomFill.withValue(true) { SequentialRecommender(configuration: configuration, seed: 1) }
        let table = skipped.uniqueWeights().first { $0.name == "item_embedding.weight" }!.weight.value
        #expect(table.values.allSatisfy { $0 == 0 })
        let filled = SequentialRecommender(configuration: configuration, seed: 1)
        let again = SequentialRecommender(configuration: configuration, seed: 1)
        let values = filled.uniqueWeights().first { $0.name == "item_embedding.weight" }!.weight.value.values
        #expect(values.contains { $0 != 0 })
        #expect(values == again.uniqueWeights().first { $0.name == "item_embedding.weight" }!.weight.value.values)
    }
}
