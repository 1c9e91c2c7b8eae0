import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// `torch.optim.Adam` (amsgrad off) in Double, for one tensor:
///
///     g = grad + weight_decay · p
///     m = β1·m + (1-β1)·g ;  v = β2·v + (1-β2)·g²
///     p -= lr / (1-β1ᵗ) · m / (sqrt(v) / sqrt(1-β2ᵗ) + ε)
struct TorchAdamReference {
    var p: [Double]
    var m: [Double]
    var v: [Double]
    var t = 0
    let lr: Double, beta1: Double, beta2: Double, eps: Double, weightDecay: Double

    init(_ p: [Float], lr: Double, beta1: Double, beta2: Double, eps: Double, weightDecay: Double) {
        self.p = p.map(Double.init)
        m = Array(repeating: 0, count: p.count)
        v = m
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
    }

    mutating func step(_ grad: [Float]) {
        t += 1
        let bc1 = 1 - pow(beta1, Double(t)), bc2 = 1 - pow(beta2, Double(t))
        for i in p.indices {
            let g = Double(grad[i]) + weightDecay * p[i]
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            p[i] -= lr / bc1 * m[i] / (v[i].squareRoot() / bc2.squareRoot() + eps)
        }
    }
}

@Suite("Adam")
struct AdamTests {
    static func parameter(_ values: [Float], gradient: [Float]) -> Weight {
        let p = Weight(shape: [values.count])
        p.value.copy(from: Tensor(shape: [values.count], values: values))
        p.gradient.copy(from: Tensor(shape: [values.count], values: gradient))
        return p
    }

    static func maxDifference(_ a: [Float], _ b: [Double]) -> Double {
        LayerTestSupport.maxAbsDifference(a.map(Double.init), b)
    }

    @Test(arguments: [0.0, 0.1])
    func matchesTorchAdamStepByStep(weightDecay: Double) {
        let values: [Float] = [0.5, -1.5, 2.0, 0.0, 1e-3, -4]
        let gradient: [Float] = [0.1, -0.2, 0.0, 3.0, -1e-4, 0.5]
        // Non-default hyper-parameters, so that swapped betas or a misplaced ε would show.
        let lr = 0.01, beta1 = 0.8, beta2 = 0.99, eps = 1e-3
        let p = Self.parameter(values, gradient: gradient)
        let adam = Adam(weights: [p], learningRate: Float(lr), beta1: Float(beta1), beta2: Float(beta2),
                        epsilon: Float(eps), weightDecay: Float(weightDecay))
        var reference = TorchAdamReference(values, lr: lr, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay)
        for step in 1...3 {
            adam.step()
            reference.step(gradient)
            #expect(adam.stepCount == step)
            #expect(Self.maxDifference(p.value.values, reference.p) <= 1e-6, "step \(step): \(p.value.values) vs \(reference.p)")
            #expect(Self.maxDifference(adam.firstMoments[0].values, reference.m) <= 1e-6)
            #expect(Self.maxDifference(adam.secondMoments[0].values, reference.v) <= 1e-6)
            #expect(p.gradient.values == gradient, "step must leave the gradient in place")
        }
        // The first step moves every entry with a gradient by about lr (Adam's scale invariance),
        // here less because of ε; the reference must not be trivially close to the start.
        #expect(Self.maxDifference(values, reference.p) > 0.02)
        if weightDecay > 0 {
            // Entry 2 has no gradient: only the decay moves it.
            #expect(p.value.data[2] < 2.0)
        } else {
            #expect(p.value.data[2] == 2.0)
        }
    }

    @Test func matchesTorchAdamWithDefaultsAndAChangingGradientAcrossThreads() {
        // Large enough to be split over threads; the gradient changes every step.
        let count = 150_000
        var rng = SeededGenerator(seed: 61)
        let values = (0..<count).map { _ in rng.nextNormal() }
        let p = Self.parameter(values, gradient: [Float](repeating: 0, count: count))
        let adam = Adam(weights: [p], learningRate: 1e-3, weightDecay: 1e-2)
        var reference = TorchAdamReference(values, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2)
        for _ in 0..<3 {
            let gradient = (0..<count).map { _ in rng.nextNormal() * 0.1 }
            p.gradient.copy(from: Tensor(shape: [count], values: gradient))
            adam.step()
            reference.step(gradient)
        }
        #expect(Self.maxDifference(p.value.values, reference.p) <= 1e-5)
    }

    @Test func aParameterListedTwiceIsUpdatedOnce() {
        let values: [Float] = [1, -2, 3], gradient: [Float] = [0.3, 0.2, -0.1]
        let shared = Self.parameter(values, gradient: gradient)
        let other = Self.parameter([4, 5], gradient: [1, -1])
        let adam = Adam(weights: [shared, other, shared], learningRate: 0.1)
        #expect(adam.parameters.count == 2 && adam.parameters[0].weight === shared && adam.parameters[1].weight === other)
        #expect(adam.firstMoments.count == 2 && adam.secondMoments.count == 2)

        let single = Self.parameter(values, gradient: gradient)
        let singleAdam = Adam(weights: [single], learningRate: 0.1)
        for _ in 0..<3 {
            adam.step()
            singleAdam.step()
        }
        #expect(ModelTestSupport.bits(shared.value.values) == ModelTestSupport.bits(single.value.values))
        var reference = TorchAdamReference(values, lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0)
        for _ in 0..<3 { reference.step(gradient) }
        #expect(Self.maxDifference(shared.value.values, reference.p) <= 1e-6)
    }

    @Test func aModelWithSharedConvolutionsHasOneOptimiserStatePerWeight() {
        let C = 3, k = 2
        var rng = SeededGenerator(seed: 62)
        let shared = CausalConv1d(channels: C, kernelSize: k, dilation: 1, rng: &rng)
        let encoder = NextItNet(dimensions: C, dilations: [1, 2], kernelSize: k) { _, _, r in
            CausalConv1d(channels: C, kernelSize: k, dilation: r, weight: shared.weight, bias: shared.bias)
        }
        let model = SequentialRecommender(
            configuration: ModelConfiguration(itemCount: 6, embeddingSize: C, dilations: [1, 2], kernelSize: k, maxLength: 4),
            embedding: Embedding(count: 6, dimensions: C, rng: &rng), encoder: encoder,
            output: FullSoftmax(itemCount: 6, dimensions: C, rng: &rng))
        let trainer = Trainer(model: model, options: TrainingOptions())
        // Embedding, one conv weight and bias, 2 blocks × 2 LayerNorms × 2, output weight and bias.
        #expect(trainer.optimizer.parameters.count == 1 + 2 + 8 + 2)
        #expect(model.namedWeights(prefix: "").count == 1 + 2 * 8 + 2)
    }

    @Test func clippingScalesToTheMaximumNormAndReturnsTheNormBefore() {
        let a = Self.parameter([0, 0], gradient: [3, 4]), b = Self.parameter([0], gradient: [12])
        // ‖(3, 4, 12)‖ = 13.
        let norm = clipGradientNorm([Parameter(a), Parameter(b)], maxNorm: 6.5)
        #expect(abs(norm - 13) < 1e-5)
        let clipped = a.gradient.values + b.gradient.values
        #expect(Self.maxDifference(clipped, [1.5, 2, 6]) < 1e-5)
        let after = clipped.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
        #expect(abs(after - 6.5) < 1e-5 && after <= 6.5)
        #expect(a.value.values == [0, 0], "clipping touches gradients only")

        // Below the maximum (or at it): returned, and nothing changes.
        let c = Self.parameter([1, 1], gradient: [3, 4])
        #expect(abs(clipGradientNorm([Parameter(c)], maxNorm: 10) - 5) < 1e-6)
        #expect(c.gradient.values == [3, 4])
        #expect(abs(clipGradientNorm([Parameter(c)], maxNorm: 5) - 5) < 1e-6)
        #expect(c.gradient.values == [3, 4])

        let zero = Self.parameter([1], gradient: [0])
        #expect(clipGradientNorm([Parameter(zero)], maxNorm: 1) == 0 && zero.gradient.values == [0])
    }
}
