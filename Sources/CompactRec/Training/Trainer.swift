import Foundation

/// What the training loop reports as it goes.
public enum TrainingEvent: Sendable {
    /// After each step: the epoch (1-based), steps done in it, steps per epoch, the running mean loss,
    /// and training sequences per second so far in this epoch.
    case step(epoch: Int, step: Int, stepsPerEpoch: Int, loss: Float, sequencesPerSecond: Double)
    /// After each epoch.
    case epoch(EpochSummary)
}

public struct EpochSummary: Sendable, Codable {
    public var epoch: Int
    public var loss: Float
    /// Seconds of training steps only (validation excluded).
    public var seconds: Double
    public var sequencesPerSecond: Double
    /// Validation metrics when the data has a validation split.
    public var validation: [String: Double]?
    public var improved: Bool
}

public struct TrainingSummary: Sendable, Codable {
    public var epochs: [EpochSummary]
    /// The epoch whose weights the model holds at the end (the best on validation, else the last).
    public var bestEpoch: Int
    public var stoppedEarly: Bool
    public var trainingSeconds: Double
    public var sequencesPerSecond: Double
}

public enum TrainingError: Error, CustomStringConvertible {
    case diverged(epoch: Int, step: Int, loss: Float)

    public var description: String {
        switch self {
        case let .diverged(epoch, step, loss):
            return "training diverged: the loss became \(loss) at epoch \(epoch), step \(step); "
                + "try a lower --learning-rate or --clip-norm"
        }
    }
}

/// The training loop: seeded shuffles, Adam, per-epoch validation and early stopping.
///
///     let trainer = Trainer(model: model, options: options)
///     let summary = try trainer.fit(train: data.train, validation: data.validation) { event in … }
public final class Trainer {
    public let model: SequentialRecommender
    public let options: TrainingOptions
    public let optimizer: Adam
    private var rng: SeededGenerator
    /// [B, T] inputs and targets of the current batch.
    private let inputs: UnsafeMutablePointer<Int32>, targets: UnsafeMutablePointer<Int32>

    public init(model: SequentialRecommender, options: TrainingOptions) {
        let capacity = options.batchSize * model.configuration.maxLength
        inputs = .allocate(capacity: capacity)
        targets = .allocate(capacity: capacity)
        self.model = model
        self.options = options
        optimizer = Adam(
            parameters: model.uniqueParameters().map(\.parameter), learningRate: options.learningRate,
            beta1: options.beta1, beta2: options.beta2, epsilon: options.epsilon, weightDecay: options.weightDecay)
        rng = SeededGenerator(seed: options.seed ^ 0x5EED_0F_BA7C4)
    }

    deinit {
        inputs.deallocate()
        targets.deallocate()
    }

    /// One optimisation step on up to `batchSize` sequences: batch, forward, backward, clip, Adam.
    /// Returns the batch's mean loss, or nil when no position carried a target.
    public func step(on batch: some Collection<[Int32]>) -> Float? {
        let T = model.configuration.maxLength
        precondition(batch.count <= options.batchSize, "batch larger than batchSize")
        for (r, sequence) in batch.enumerated() {
            Batching.fillTrainingRow(sequence, length: T, inputs: inputs + r * T, targets: targets + r * T)
        }
        for p in optimizer.parameters { p.gradient.zero() }
        guard let loss = model.trainingStep(inputs: inputs, targets: targets, batch: batch.count, length: T) else { return nil }
        if !loss.isFinite { return loss }  // the caller stops; the weights stay as they were
        if let c = options.gradientClipNorm { clipGradientNorm(optimizer.parameters, maxNorm: c) }
        optimizer.step()
        return loss
    }

    public func fit(
        train: [[Int32]], validation: [EvaluationCase], onEvent: (TrainingEvent) -> Void = { _ in }
    ) throws -> TrainingSummary {
        try options.validate()
        let B = options.batchSize
        let stepsPerEpoch = (train.count + B - 1) / B
        let parameters = optimizer.parameters

        var epochs: [EpochSummary] = []
        var best = -Double.infinity, bestEpoch = 0, sinceBest = 0
        var bestWeights: [[Float]]?
        var stoppedEarly = false
        var trainingSeconds = 0.0, trainedSequences = 0

        for epoch in 1...options.epochs {
            let order = Batching.epochOrder(count: train.count, using: &rng)
            let start = DispatchTime.now().uptimeNanoseconds
            var lossSum = 0.0, lossSteps = 0, seen = 0
            for step in 0..<stepsPerEpoch {
                let rows = min(B, train.count - step * B)
                let batch = order[(step * B)..<(step * B + rows)].lazy.map { train[$0] }
                guard let loss = self.step(on: batch) else { continue }
                if !loss.isFinite { throw TrainingError.diverged(epoch: epoch, step: step + 1, loss: loss) }
                lossSum += Double(loss)
                lossSteps += 1
                seen += rows
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                onEvent(.step(epoch: epoch, step: step + 1, stepsPerEpoch: stepsPerEpoch,
                              loss: Float(lossSum / Double(max(lossSteps, 1))), sequencesPerSecond: Double(seen) / elapsed))
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            trainingSeconds += seconds
            trainedSequences += seen

            var validationMetrics: [String: Double]?
            var improved = true
            if !validation.isEmpty {
                let metrics = Evaluator.evaluate(model, cases: validation)
                validationMetrics = metrics.values
                let score = metrics.ndcg(at: 10)
                improved = score > best
                if improved {
                    best = score
                    bestEpoch = epoch
                    sinceBest = 0
                    if options.patience != nil || epoch < options.epochs {
                        bestWeights = parameters.map(\.value.values)
                    }
                } else {
                    sinceBest += 1
                }
            } else {
                bestEpoch = epoch
            }
            let summary = EpochSummary(
                epoch: epoch, loss: Float(lossSum / Double(max(lossSteps, 1))), seconds: seconds,
                sequencesPerSecond: Double(seen) / seconds, validation: validationMetrics, improved: improved)
            epochs.append(summary)
            onEvent(.epoch(summary))
            if let patience = options.patience, sinceBest >= patience {
                stoppedEarly = true
                break
            }
        }
        if let bestWeights, bestEpoch != epochs.last?.epoch {
            for (p, w) in zip(parameters, bestWeights) {
                w.withUnsafeBufferPointer { p.value.data.update(from: $0.baseAddress!, count: p.count) }
            }
        }
        return TrainingSummary(
            epochs: epochs, bestEpoch: bestEpoch, stoppedEarly: stoppedEarly, trainingSeconds: trainingSeconds,
            sequencesPerSecond: Double(trainedSequences) / max(trainingSeconds, 1e-9))
    }
}
