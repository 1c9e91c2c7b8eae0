import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// The whole model: `trainingStep`'s loss and gradients, masking of padding targets, and causality.
@Suite("SequentialRecommender")
struct SequentialRecommenderTests {
    static let T = 6, B = 2

    /// Row 0 is short (left padding: targets 0 at positions 0 and 1, input 0 with a real target
    /// at position 2); row 1 is longer than T + 1 and repeats item 4 (gradients accumulate over
    /// both uses).
    static let sequences: [[Int32]] = [[3, 7, 1, 9], [2, 5, 10, 4, 4, 8, 6, 1]]

    static func batch() -> (inputs: [Int32], targets: [Int32]) {
        ModelTestSupport.trainingBatch(sequences, length: T)
    }

    @Test func theFixtureBatchIsWhatTheTestsAssume() {
        let (inputs, targets) = Self.batch()
        #expect(inputs == [0, 0, 0, 3, 7, 1, /**/ 5, 10, 4, 4, 8, 6])
        #expect(targets == [0, 0, 3, 7, 1, 9, /**/ 10, 4, 4, 8, 6, 1])
    }

    /// The loss is piecewise smooth: a ReLU input that crosses 0 within a finite-difference
    /// step bends the loss there, and at the initial weights dozens of the 4·T·B·(2·blocks)
    /// ReLU inputs lie within reach of a 1e-2 step (differences of several percent were seen;
    /// they vanish as the step shrinks). LayerNorm bounds its normalised output by
    /// |x̂| ≤ sqrt(C-1) (= 1.73 for C = 4) whatever its input, so gains in [0.4, 0.7] and biases
    /// of magnitude in [1.4, 1.8] fix every ReLU's side with a margin of ≥ 0.19 (far more than a
    /// step of the gain or bias itself moves it): channels with a positive bias always pass,
    /// those with a negative bias never do. Both kinds occur in every LayerNorm, so the gating
    /// is still exercised; the magnitudes stay moderate so that the loss's curvature (the
    /// truncation error of central differences) stays small too.
    static func keepReLUsAwayFromTheirKinks(_ model: SequentialRecommender) {
        var rng = SeededGenerator(seed: 77)
        let encoder = model.encoder as! NextItNet
        for (b, block) in encoder.blocks.enumerated() {
            for (n, norm) in [block.norm1, block.norm2].enumerated() {
                for c in 0..<norm.channels {
                    norm.gain.value.data[c] = 0.4 + 0.3 * rng.nextUniform()
                    let dead = (c + b + n) % 4 == 1
                    norm.bias.value.data[c] = (dead ? -1 : 1) * (1.4 + 0.4 * rng.nextUniform())
                }
            }
        }
    }

    @Test(arguments: [(3, [1, 2]), (2, [1, 2]), (2, [3])])
    func lossGradientMatchesFiniteDifferencesForEveryParameter(kernelSize k: Int, dilations: [Int]) {
        let T = Self.T, B = Self.B
        let model = ModelTestSupport.model(items: 11, channels: 4, dilations: dilations, kernelSize: k, length: T, seed: 5)
        Self.keepReLUsAwayFromTheirKinks(model)
        var (inputs, targets) = Self.batch()
        // A masked position in the middle of a row as well, not only the left padding.
        targets[T + 2] = 0
        model.zeroGradients()
        let loss0 = ModelTestSupport.loss(model, inputs, targets, batch: B, length: T)
        #expect(loss0 != nil)
        let analytic = model.uniqueWeights().map { LayerTestSupport.doubles($0.weight.gradient) }
        let loss = { () -> Double in
            model.zeroGradients()
            return Double(ModelTestSupport.loss(model, inputs, targets, batch: B, length: T)!)
        }
        let check = GradientCheck(step: 5e-3, absoluteTolerance: 1e-4, relativeTolerance: 1e-3, maximumEntries: 64)
        let C = model.configuration.embeddingSize
        var names: [String] = []
        for (p, gradient) in zip(model.uniqueWeights(), analytic) {
            names.append(p.name)
            var entries = check.entries(count: p.weight.count)
            if p.name == "item_embedding.weight" {
                // Row 0 is the padding, which maps to zeros by contract and gets no gradient.
                #expect(gradient[0..<C].allSatisfy { $0 == 0 })
                entries.removeAll { $0 < C }
            }
            check.expectMatches(p.name, values: p.weight.value, analytic: gradient, entries: entries, loss)
        }
        let blockNames = dilations.indices.flatMap { i in
            ["conv1.weight", "conv1.bias", "ln1.weight", "ln1.bias", "conv2.weight", "conv2.bias", "ln2.weight", "ln2.bias"]
                .map { "blocks.\(i).\($0)" }
        }
        #expect(names == ["item_embedding.weight"] + blockNames + ["output.weight", "output.bias"])
    }

    @Test func lossIsTheMeanCrossEntropyOverNonPaddingTargets() throws {
        let T = Self.T, B = Self.B, N = 11
        let model = ModelTestSupport.model(items: N, length: T, seed: 8)
        var (inputs, targets) = Self.batch()
        targets[T + 3] = 0  // mask one inner position too
        // The reference: logits at every position from the encoder's hidden states, in Double,
        // averaged over the 9 positions whose target is not padding.
        let hidden = ModelTestSupport.hiddenStates(model, inputs, batch: B, length: T)
        let logits = ModelTestSupport.scores(model, hidden: hidden, rows: B * T)
        let kept = (0..<(B * T)).filter { targets[$0] != 0 }
        #expect(kept.count == 9)
        let keptLogits: [Float] = kept.flatMap { ModelTestSupport.row(logits, $0, width: N) }
        let expected = LayerTestSupport.meanCrossEntropy(keptLogits, rows: kept.count, width: N, targets: kept.map { targets[$0] })

        model.zeroGradients()
        let loss = try #require(ModelTestSupport.loss(model, inputs, targets, batch: B, length: T))
        #expect(abs(Double(loss) - expected) <= 1e-5 * expected, "loss \(loss), expected \(expected)")

        // Counting a masked position (here: as if its target were item 1) would change the value.
        var unmasked = targets
        unmasked[T + 3] = 1
        let other = try #require(ModelTestSupport.loss(model, inputs, unmasked, batch: B, length: T))
        #expect(abs(other - loss) > 1e-3)
    }

    @Test func aRowWithOnlyPaddingTargetsContributesNothing() throws {
        let T = Self.T, C = 4
        let model = ModelTestSupport.model(length: T, seed: 9)
        let (inputs, targets) = Self.batch()
        let rowZero = (Array(inputs[0..<T]), Array(targets[0..<T]))

        model.zeroGradients()
        let alone = try #require(ModelTestSupport.loss(model, rowZero.0, rowZero.1, batch: 1, length: T))
        let aloneGradients = model.uniqueWeights().map { LayerTestSupport.doubles($0.weight.gradient) }

        // Row 1 has real inputs but every target is padding.
        let masked = targets[0..<T] + [Int32](repeating: 0, count: T)
        model.zeroGradients()
        let together = try #require(ModelTestSupport.loss(model, inputs, Array(masked), batch: 2, length: T))
        let togetherGradients = model.uniqueWeights().map { LayerTestSupport.doubles($0.weight.gradient) }

        #expect(abs(alone - together) <= 1e-6 * abs(alone))
        for (name, (a, b)) in zip(model.uniqueWeights().map(\.name), zip(aloneGradients, togetherGradients)) {
            #expect(LayerTestSupport.maxAbsDifference(a, b) <= 1e-6, "\(name)")
        }
        // Item 10 appears only in row 1's inputs: its embedding row gets no gradient.
        let embedding = togetherGradients[0]
        #expect(embedding[(10 * C)..<(11 * C)].allSatisfy { $0 == 0 })
        #expect(!embedding[(3 * C)..<(4 * C)].allSatisfy { $0 == 0 })
    }

    @Test func allPaddingTargetsReturnNilAndLeaveGradientsAlone() {
        let T = Self.T
        let model = ModelTestSupport.model(length: T, seed: 10)
        let (inputs, _) = Self.batch()
        model.zeroGradients()
        #expect(ModelTestSupport.loss(model, inputs, [Int32](repeating: 0, count: 2 * T), batch: 2, length: T) == nil)
        #expect(model.uniqueWeights().allSatisfy { $0.weight.gradient.values.allSatisfy { $0 == 0 } })
    }

    @Test func trainingStepAccumulatesIntoGradients() throws {
        let T = Self.T, B = Self.B
        let model = ModelTestSupport.model(length: T, seed: 12)
        let (inputs, targets) = Self.batch()
        model.zeroGradients()
        let first = try #require(ModelTestSupport.loss(model, inputs, targets, batch: B, length: T))
        let once = model.uniqueWeights().map { LayerTestSupport.doubles($0.weight.gradient) }
        let second = try #require(ModelTestSupport.loss(model, inputs, targets, batch: B, length: T))
        let twice = model.uniqueWeights().map { LayerTestSupport.doubles($0.weight.gradient) }
        #expect(first == second)
        for (a, b) in zip(once, twice) {
            #expect(LayerTestSupport.maxAbsDifference(a.map { 2 * $0 }, b) <= 1e-6)
        }
    }

    @Test func hiddenStatesAreCausal() {
        let T = 7, B = 2, C = 4
        let model = ModelTestSupport.model(items: 11, dilations: [1, 2], kernelSize: 3, length: T, seed: 13)
        let base: [Int32] = [0, 0, 3, 7, 1, 9, 2, /**/ 5, 10, 4, 4, 8, 6, 1]
        let reference = ModelTestSupport.hiddenStates(model, base, batch: B, length: T)
        for t in 0..<T {
            var changed = base
            changed[t] = changed[t] == 6 ? 8 : 6  // row 0, position t
            let hidden = ModelTestSupport.hiddenStates(model, changed, batch: B, length: T)
            let row0 = { (h: [Float], p: Int) -> [Float] in ModelTestSupport.row(h, p, width: C) }
            for p in 0..<t {
                #expect(ModelTestSupport.bits(row0(hidden, p)) == ModelTestSupport.bits(row0(reference, p)),
                        "position \(p) changed when the input at \(t) did")
            }
            #expect(row0(hidden, t) != row0(reference, t), "the input at \(t) does not reach its own position")
            #expect(ModelTestSupport.bits(Array(hidden[(T * C)...])) == ModelTestSupport.bits(Array(reference[(T * C)...])),
                    "row 1 changed with row 0")
        }
        // With dilations 1,2 · 2,4 and k = 3 the receptive field is 1 + 2·(1+2+2+4) = 19 > T,
        // so the first input reaches the last position.
        var first = base
        first[0] = 3
        let last = ModelTestSupport.hiddenStates(model, first, batch: B, length: T)
        #expect(ModelTestSupport.row(last, T - 1, width: C) != ModelTestSupport.row(reference, T - 1, width: C))
    }

    @Test func scoresReadTheLastPositionAndAShorterRunAgreesWithItsPrefix() {
        let T = 6, B = 2, C = 4, N = 11
        let model = ModelTestSupport.model(items: N, length: T, seed: 14)
        let (inputs, _) = Self.batch()
        let hidden = ModelTestSupport.hiddenStates(model, inputs, batch: B, length: T)
        let final = Array(UnsafeBufferPointer(start: model.finalHidden(inputs: inputs, batch: B, length: T), count: B * C))
        let lastRows: [Float] = (0..<B).flatMap { b in ModelTestSupport.row(hidden, b * T + T - 1, width: C) }
        #expect(ModelTestSupport.bits(final) == ModelTestSupport.bits(lastRows))

        let scores = Tensor(shape: [B, N])
        model.scores(inputs: inputs, batch: B, length: T, output: scores.data)
        let expected = ModelTestSupport.scores(model, hidden: lastRows, rows: B)
        #expect(LayerTestSupport.maxAbsDifference(LayerTestSupport.doubles(scores), expected.map(Double.init)) <= 1e-6)

        // Running only positions 0...t (same start, no extra padding) gives position t's state:
        // what lets the loss reference above compute every position from the encoder.
        for t in 0..<T {
            let prefix: [Int32] = (0..<B).flatMap { b in Array(inputs[(b * T)...(b * T + t)]) }
            let h = model.finalHidden(inputs: prefix, batch: B, length: t + 1)
            for b in 0..<B {
                let got = (0..<C).map { Double(h[b * C + $0]) }
                let want = (0..<C).map { Double(hidden[(b * T + t) * C + $0]) }
                #expect(LayerTestSupport.maxAbsDifference(got, want) <= 1e-5, "t=\(t) b=\(b)")
            }
        }
    }
}
