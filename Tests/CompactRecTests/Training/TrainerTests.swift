import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// Synthetic data with an obvious pattern: every sequence is a run of consecutive items
/// s, s+1, s+2, … (items 1…N-1, wrapping), so the next item is always the last one plus 1.
enum RunData {
    static let items = 30  // N, with the padding

    static func next(_ item: Int32) -> Int32 { item % Int32(items - 1) + 1 }

    static func run(from start: Int32, count: Int) -> [Int32] {
        var out = [start]
        while out.count < count { out.append(next(out.last!)) }
        return out
    }

    static func sequences(_ count: Int, seed: UInt64) -> [[Int32]] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            run(from: Int32(1 + rng.next() % UInt64(items - 1)), count: 6 + Int(rng.next() % 7))
        }
    }

    /// Held-out cases: a fresh run and the item after it.
    static func cases(_ count: Int, seed: UInt64) -> [EvaluationCase] {
        sequences(count, seed: seed).map { run in EvaluationCase(history: Array(run.dropLast()), target: run.last!) }
    }

    static func options(epochs: Int, seed: UInt64 = 1, patience: Int? = nil) -> TrainingOptions {
        var options = TrainingOptions()
        options.epochs = epochs
        options.batchSize = 32
        options.learningRate = 0.01
        options.seed = seed
        options.patience = patience
        return options
    }

    static func model(seed: UInt64 = 7) -> SequentialRecommender {
        ModelTestSupport.model(items: items, channels: 16, dilations: [1, 2], kernelSize: 3, length: 8, seed: seed)
    }
}

@Suite("Trainer")
struct TrainerTests {
    @Test func theLossFallsAndTheModelLearnsThePattern() throws {
        let train = RunData.sequences(200, seed: 1), test = RunData.cases(100, seed: 2)
        let model = RunData.model()
        let before = Evaluator.evaluate(model, cases: test)
        var steps = 0, epochEvents = 0
        let summary = try Trainer(model: model, options: RunData.options(epochs: 4)).fit(train: train, validation: []) { event in
            switch event {
            case let .step(epoch, step, stepsPerEpoch, loss, _):
                steps += 1
                #expect(stepsPerEpoch == 7 && (1...7).contains(step) && (1...4).contains(epoch) && loss.isFinite)
            case let .epoch(summary):
                epochEvents += 1
                #expect(summary.epoch == epochEvents && summary.validation == nil && summary.improved)
            }
        }
        #expect(steps == 4 * 7 && epochEvents == 4)
        let losses = summary.epochs.map(\.loss)
        #expect(losses.count == 4)
        // From about log(30) = 3.4 to a fraction of it.
        #expect(losses[0] > 2 && losses[3] < 0.5 * losses[0], "\(losses)")
        #expect(zip(losses, losses.dropFirst()).allSatisfy { $0 > $1 }, "\(losses)")
        #expect(summary.bestEpoch == 4 && !summary.stoppedEarly)

        let after = Evaluator.evaluate(model, cases: test)
        // Random HR@10 over 29 items is 10/29 ≈ 0.34.
        #expect(after.hitRate(at: 10) > 0.9, "HR@10 \(after.hitRate(at: 10)) (before training \(before.hitRate(at: 10)))")
        #expect(after.ndcg(at: 10) > before.ndcg(at: 10) + 0.3)
    }

    @Test func earlyStoppingRestoresTheBestEpochsWeights() throws {
        let train = RunData.sequences(200, seed: 3), validation = RunData.cases(60, seed: 4)
        let model = RunData.model(seed: 8)
        var weightsAfterEpoch: [[[Float]]] = []
        let summary = try Trainer(model: model, options: RunData.options(epochs: 30, patience: 1))
            .fit(train: train, validation: validation) { event in
                if case .epoch = event { weightsAfterEpoch.append(ModelTestSupport.weights(model)) }
            }
        let scores = summary.epochs.map { $0.validation?["ndcg@10"] ?? .nan }
        #expect(summary.stoppedEarly, "never stopped: \(scores)")
        #expect(summary.epochs.count < 30 && weightsAfterEpoch.count == summary.epochs.count)
        // The best epoch is the first with the highest validation NDCG@10, and with patience 1
        // training stops one epoch after it.
        let best = try #require(scores.indices.max { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 > $1) })
        #expect(summary.bestEpoch == best + 1, "\(scores)")
        #expect(summary.epochs.count == summary.bestEpoch + 1)
        #expect(summary.epochs.map(\.improved) == scores.indices.map { i in scores[..<i].allSatisfy { $0 < scores[i] } })
        #expect(summary.epochs.allSatisfy { $0.validation?.keys.contains("hr@20") == true })

        // The model holds the best epoch's weights, bit for bit, not the last epoch's.
        let final = ModelTestSupport.weights(model)
        #expect(ModelTestSupport.bits(final) == ModelTestSupport.bits(weightsAfterEpoch[best]))
        #expect(ModelTestSupport.bits(final) != ModelTestSupport.bits(weightsAfterEpoch.last!))
        #expect(Evaluator.evaluate(model, cases: validation).ndcg(at: 10) == scores[best])
        #expect(scores[best] > 0.5)
        #expect(summary.bestEpoch >= 2, "the fixture no longer trains past epoch 1: \(scores)")
    }

    @Test func withoutPatienceTheBestEpochIsStillRestoredAtTheEnd() throws {
        // A validation set the training data does not teach (the target is the item *before*
        // the run), so its NDCG@10 wanders and the best epoch need not be the last; this seed's
        // best is epoch 2 of 3 (checked below), so the final restore really is exercised.
        let train = RunData.sequences(200, seed: 5)
        let validation = RunData.sequences(40, seed: 6).map { run in
            EvaluationCase(history: Array(run.dropFirst()), target: run.first!)
        }
        let model = RunData.model(seed: 9)
        var weightsAfterEpoch: [[[Float]]] = []
        let summary = try Trainer(model: model, options: RunData.options(epochs: 3))
            .fit(train: train, validation: validation) { event in
                if case .epoch = event { weightsAfterEpoch.append(ModelTestSupport.weights(model)) }
            }
        #expect(summary.epochs.count == 3 && !summary.stoppedEarly)
        let scores = summary.epochs.map { $0.validation!["ndcg@10"]! }
        let best = scores.indices.max { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 > $1) }!
        #expect(summary.bestEpoch == best + 1)
        #expect(summary.bestEpoch < 3, "the fixture no longer exercises restoring: \(scores)")
        #expect(ModelTestSupport.bits(ModelTestSupport.weights(model)) == ModelTestSupport.bits(weightsAfterEpoch[best]))
        #expect(ModelTestSupport.bits(ModelTestSupport.weights(model)) != ModelTestSupport.bits(weightsAfterEpoch[2]))
        #expect(Evaluator.evaluate(model, cases: validation).ndcg(at: 10) == scores[best])
    }

    @Test func theSameSeedGivesBitIdenticalTraining() throws {
        let train = RunData.sequences(120, seed: 10)
        func fit(seed: UInt64) throws -> (weights: [[UInt32]], losses: [Float]) {
            let model = RunData.model(seed: 11)
            var options = RunData.options(epochs: 2, seed: seed)
            options.gradientClipNorm = 1
            options.weightDecay = 1e-4
            let summary = try Trainer(model: model, options: options).fit(train: train, validation: [])
            return (ModelTestSupport.bits(ModelTestSupport.weights(model)), summary.epochs.map(\.loss))
        }
        let first = try fit(seed: 3), second = try fit(seed: 3), other = try fit(seed: 4)
        #expect(first.weights == second.weights)
        #expect(first.losses.map(\.bitPattern) == second.losses.map(\.bitPattern))
        // The seed drives the shuffle.
        #expect(first.weights != other.weights)
        #expect(first.losses.allSatisfy { $0.isFinite })
    }

    @Test func aNonFiniteLossStopsTrainingWithAnError() throws {
        let model = RunData.model()
        let output = try #require(model.output as? FullSoftmax)
        output.bias.value.data[3] = .nan
        #expect {
            try Trainer(model: model, options: RunData.options(epochs: 2)).fit(train: RunData.sequences(40, seed: 12), validation: [])
        } throws: { error in
            guard case let .diverged(epoch, step, loss, _)? = error as? TrainingError else { return false }
            return epoch == 1 && step == 1 && loss.isNaN && "\(error)".contains("diverged")
        }
    }

    @Test func batchesWithoutTargetsAreSkipped() throws {
        // Single-item sequences still have a target (the item, predicted from padding); empty
        // ones have none. A training set of only empty sequences makes no step.
        let model = RunData.model()
        let before = ModelTestSupport.bits(ModelTestSupport.weights(model))
        let trainer = Trainer(model: model, options: RunData.options(epochs: 1))
        let summary = try trainer.fit(train: [[], [], []], validation: [])
        #expect(trainer.optimizer.stepCount == 0)
        #expect(summary.epochs.count == 1 && summary.epochs[0].loss == 0)
        #expect(ModelTestSupport.bits(ModelTestSupport.weights(model)) == before)
    }
}
