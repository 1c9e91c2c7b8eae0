import Testing

@testable import CompactRec

/// Gradients live on the training side, one per weight, made at first use.
@Suite("Gradients")
struct GradientsTests {
    @Test func recommendingAllocatesNoGradientAndTheFirstBackwardDoes() {
        let configuration = ModelConfiguration(itemCount: 300, embeddingSize: 8, dilations: [1, 2], maxLength: 6,
                                               outputLayer: .treeSoftmax, cutoffs: [30, 120, 300])
        let model = SequentialRecommender(configuration: configuration, seed: 1)
        _ = InferenceContext(model: model).recommend(history: [3, 1, 4, 1, 5], count: 10)
        _ = model.recommend(history: [9, 2, 6], count: 10, excludingHistory: true)
        let weights = model.uniqueWeights()
        #expect(weights.count > 10)
        #expect(weights.filter { Gradients.isAllocated(for: $0.weight) }.map(\.name) == [])

        // Asking for one allocates that one alone, zero-filled, and the same tensor every time.
        let first = weights[0].weight
        #expect(first.gradient.values.allSatisfy { $0 == 0 } && first.gradient.count == first.count)
        #expect(first.gradient === first.gradient)
        #expect(weights.filter { Gradients.isAllocated(for: $0.weight) }.count == 1)

        // A training step gives every weight that took part its gradient.
        // Targets in the head and in both tails of the tree.
        let inputs: [Int32] = [0, 3, 50, 4, 200, 5], targets: [Int32] = [3, 50, 4, 200, 5, 250]
        let loss = model.trainingStep(inputs: inputs, targets: targets, batch: 1, length: 6, dropoutSeed: 1, teacher: nil, clock: nil)
        #expect(loss != nil)
        #expect(weights.filter { !Gradients.isAllocated(for: $0.weight) }.map(\.name) == [])
    }

    @Test func twoModelsOfTheSameShapeHaveTheirOwnGradients() {
        let configuration = ModelConfiguration(itemCount: 40, embeddingSize: 4, dilations: [1], maxLength: 4)
        let a = SequentialRecommender(configuration: configuration, seed: 1)
        let b = SequentialRecommender(configuration: configuration, seed: 1)
        let wa = a.uniqueWeights()[0].weight, wb = b.uniqueWeights()[0].weight
        wa.gradient.fill(2)
        #expect(wb.gradient.values.allSatisfy { $0 == 0 })
        #expect(wa.gradient.values.allSatisfy { $0 == 2 })
        b.zeroGradients()
        #expect(wa.gradient.values.allSatisfy { $0 == 2 })
    }

    @Test func adamSeesTheGradientsTheBackwardPassesFill() {
        let weight = Weight(shape: [3])
        weight.value.fill(1)
        let adam = Adam(weights: [weight, weight], learningRate: 0.1)
        #expect(adam.parameters.count == 1)
        #expect(adam.parameters[0].gradient === weight.gradient)
        weight.gradient.fill(1)
        adam.step()
        // Adam's first step moves every value by the learning rate against the gradient's sign.
        #expect(weight.value.values.allSatisfy { abs($0 - 0.9) < 1e-5 })
    }
}
