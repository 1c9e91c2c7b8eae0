import Foundation

/// What the training loop reports as it goes.
public enum TrainingEvent: Sendable {
    /// After each step: the epoch (1-based), steps done in it, steps per epoch, the running mean loss,
    /// and training sequences per second so far in this epoch.
    case step(epoch: Int, step: Int, stepsPerEpoch: Int, loss: Float, sequencesPerSecond: Double)
    /// After each epoch.
    case epoch(EpochSummary)
}

public struct EpochSummary: Sendable, Codable, Equatable {
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
    /// The loss of a step was not finite; the weights are those from before that step.
    case diverged(epoch: Int, step: Int, loss: Float, lastCheckpoint: String?)
    /// A parameter held a NaN, an infinity or a value beyond ``ModelBundle/weightLimit`` (which no
    /// model bundle loads) when a checkpoint was due or training ended, so nothing was written from it.
    case unusableParameter(name: String, element: Int, value: Float, epoch: Int, step: Int, lastCheckpoint: String?)

    public var description: String {
        switch self {
        case let .diverged(epoch, step, loss, lastCheckpoint):
            return "training diverged: the loss became \(loss) at epoch \(epoch), step \(step); "
                + Self.advice(lastCheckpoint)
        case let .unusableParameter(name, element, value, epoch, step, lastCheckpoint):
            let beyond = value.isFinite ? ", beyond the ±\(ModelBundle.weightLimit) a model bundle accepts" : ""
            return "training diverged: parameter \(name) holds \(value) (element \(element)) after epoch \(epoch), step \(step)"
                + "\(beyond), so nothing was written from it; " + Self.advice(lastCheckpoint)
        }
    }

    private static func advice(_ lastCheckpoint: String?) -> String {
        guard let lastCheckpoint else { return "try a lower --learning-rate or --clip-norm" }
        return "the last good checkpoint is \(lastCheckpoint), written before it; continue from it with "
            + "--resume and a lower --learning-rate or a --clip-norm"
    }
}

/// The training loop: seeded shuffles, Adam, per-epoch validation, early stopping, checkpoints.
///
///     let trainer = Trainer(model: model, options: options)
///     let summary = try trainer.fit(train: data.train, validation: data.validation) { event in … }
///
/// The loop's state lives in `progress`; a trainer restored from a checkpoint (see
/// `restore(from:)`) continues where the checkpointed one was, taking the same steps.
public final class Trainer {
    public let model: SequentialRecommender
    public let options: TrainingOptions
    public let optimizer: Adam
    /// When set, each `step` adds its phases' wall time to it (`compactrec benchmark`).
    public var phaseClock: TrainingPhaseClock?
    /// Where the loop is: epoch, step, the shuffle's generator, the epochs done.
    public internal(set) var progress: TrainingProgress
    /// The best validation epoch's weights, aligned with `optimizer.parameters`, while they
    /// differ from the current ones (nil without validation).
    public internal(set) var bestWeights: [[Float]]?
    /// Where the last checkpoint was written or restored from, for error messages.
    public internal(set) var lastCheckpoint: String?
    /// The model the student distils from, if any (see `Teacher`).
    public var teacher: Teacher?
    /// The dotted name of each of `optimizer.parameters`.
    public let parameterNames: [String]
    /// [B, T] inputs and targets of the current batch.
    private let inputs: UnsafeMutablePointer<Int32>, targets: UnsafeMutablePointer<Int32>

    public init(model: SequentialRecommender, options: TrainingOptions) {
        let capacity = options.batchSize * model.configuration.maxLength
        inputs = .allocate(capacity: capacity)
        targets = .allocate(capacity: capacity)
        self.model = model
        self.options = options
        let named = model.uniqueWeights()
        optimizer = Adam(
            weights: named.map(\.weight), learningRate: options.learningRate,
            beta1: options.beta1, beta2: options.beta2, epsilon: options.epsilon, weightDecay: options.weightDecay)
        parameterNames = named.map(\.name)
        progress = TrainingProgress(seed: options.seed)
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
        phaseClock?.start()
        for p in optimizer.parameters { p.gradient.zero() }
        guard let loss = model.trainingStep(inputs: inputs, targets: targets, batch: batch.count, length: T,
                                            dropoutSeed: dropoutSeed(step: progress.stepsDone), teacher: teacher,
                                            clock: phaseClock) else { return nil }
        if !loss.isFinite { return loss }  // the caller stops; the weights stay as they were
        if let c = options.gradientClipNorm { clipGradientNorm(optimizer.parameters, maxNorm: c) }
        optimizer.step()
        phaseClock?.lap(.optimizer)
        return loss
    }

    /// The seed of the dropout masks of the run's `step`-th step (from 0): a function of the run's
    /// seed and the step alone, so a resumed run draws the masks the uninterrupted one would have.
    func dropoutSeed(step: Int) -> UInt64 {
        var generator = SeededGenerator(seed: options.seed ^ (UInt64(step) &* 0x9E37_79B9_7F4A_7C15))
        return generator.next()
    }

    /// Trains from `progress` until the options' epochs are done or early stopping ends it,
    /// then leaves the best validation epoch's weights in the model.
    ///
    /// With `checkpoints`, the schedule's `save` is called after every `n` steps or epochs;
    /// before each call, and once more at the end, every parameter is checked to be finite and
    /// within ``ModelBundle/weightLimit``, so neither a checkpoint nor the trained model holds a
    /// diverged state that a model bundle would refuse.
    /// - Throws: `TrainingError` when a loss stops being finite or a parameter is unusable
    ///   (naming the last checkpoint), or whatever `save` throws.
    public func fit(
        train: [[Int32]], validation: [EvaluationCase], checkpoints: CheckpointSchedule? = nil,
        onEvent: (TrainingEvent) -> Void = { _ in }
    ) throws -> TrainingSummary {
        try options.validate()
        let B = options.batchSize
        let stepsPerEpoch = (train.count + B - 1) / B

        while !progress.isFinished(under: options) {
            let epoch = progress.epoch
            var generator = progress.orderGenerator
            let order = Batching.epochOrder(count: train.count, using: &generator)
            while progress.stepInEpoch < stepsPerEpoch {
                let step = progress.stepInEpoch
                let rows = min(B, train.count - step * B)
                let batch = order[(step * B)..<(step * B + rows)].lazy.map { train[$0] }
                let start = DispatchTime.now().uptimeNanoseconds
                let loss = self.step(on: batch)
                if let loss, !loss.isFinite {
                    throw TrainingError.diverged(epoch: epoch, step: step + 1, loss: loss, lastCheckpoint: lastCheckpoint)
                }
                progress.epochSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                progress.stepInEpoch += 1
                progress.stepsDone += 1
                if let loss {
                    progress.epochLossSum += Double(loss)
                    progress.epochLossSteps += 1
                    progress.epochSequences += rows
                    onEvent(.step(epoch: epoch, step: step + 1, stepsPerEpoch: stepsPerEpoch, loss: progress.epochMeanLoss,
                                  sequencesPerSecond: Double(progress.epochSequences) / max(progress.epochSeconds, 1e-9)))
                }
                if case let .steps(n)? = checkpoints?.interval, progress.stepsDone % n == 0 {
                    try save(checkpoints!, after: (epoch, step + 1))
                }
            }
            let summary = finishEpoch(validation: validation, nextOrderGenerator: generator)
            onEvent(.epoch(summary))
            if case let .epochs(n)? = checkpoints?.interval, epoch % n == 0 || progress.stoppedEarly {
                try save(checkpoints!, after: (epoch, stepsPerEpoch))
            }
        }
        if let bestWeights, progress.bestEpoch != progress.epochs.last?.epoch {
            for (p, w) in zip(optimizer.parameters, bestWeights) {
                w.withUnsafeBufferPointer { p.value.data.update(from: $0.baseAddress!, count: p.count) }
            }
            model.weightsDidChange()
        }
        try checkParameters(after: (progress.epochs.last?.epoch ?? progress.epoch, stepsPerEpoch))
        return TrainingSummary(
            epochs: progress.epochs, bestEpoch: progress.bestEpoch, stoppedEarly: progress.stoppedEarly,
            trainingSeconds: progress.trainingSeconds,
            sequencesPerSecond: Double(progress.trainedSequences) / max(progress.trainingSeconds, 1e-9))
    }

    /// Validates, keeps the best weights, records the epoch and moves `progress` to the next one.
    private func finishEpoch(validation: [EvaluationCase], nextOrderGenerator: SeededGenerator) -> EpochSummary {
        let epoch = progress.epoch
        var validationMetrics: [String: Double]?
        var improved = true
        if !validation.isEmpty {
            let metrics = Evaluator.evaluate(model, cases: validation)
            validationMetrics = metrics.values
            let score = metrics.ndcg(at: 10)
            improved = score > (progress.bestScore ?? -.infinity)
            if improved {
                progress.bestScore = score
                progress.bestEpoch = epoch
                progress.epochsSinceBest = 0
                if options.patience != nil || epoch < options.epochs {
                    bestWeights = optimizer.parameters.map(\.value.values)
                }
            } else {
                progress.epochsSinceBest += 1
            }
        } else {
            progress.bestEpoch = epoch
        }
        let seconds = max(progress.epochSeconds, 1e-9)
        let summary = EpochSummary(
            epoch: epoch, loss: progress.epochMeanLoss, seconds: progress.epochSeconds,
            sequencesPerSecond: Double(progress.epochSequences) / seconds, validation: validationMetrics, improved: improved)
        progress.epochs.append(summary)
        progress.trainingSeconds += progress.epochSeconds
        progress.trainedSequences += progress.epochSequences
        progress.epoch += 1
        progress.stepInEpoch = 0
        progress.orderGenerator = nextOrderGenerator
        progress.epochLossSum = 0
        progress.epochLossSteps = 0
        progress.epochSequences = 0
        progress.epochSeconds = 0
        if let patience = options.patience, progress.epochsSinceBest >= patience {
            progress.stoppedEarly = true
        }
        return summary
    }

    /// Checks the parameters, then hands the trainer to the schedule to save.
    /// `last` is the (epoch, step) of the step just taken, for the error.
    private func save(_ schedule: CheckpointSchedule, after last: (epoch: Int, step: Int)) throws {
        try checkParameters(after: last)
        lastCheckpoint = try schedule.save(self)
    }

    /// Throws `unusableParameter` for the first parameter value that is not finite or lies beyond
    /// ``ModelBundle/weightLimit``: a model bundle holding it would be refused when read, so a
    /// checkpoint or a model written from these weights could not be served.
    private func checkParameters(after last: (epoch: Int, step: Int)) throws {
        for (p, name) in zip(optimizer.parameters, parameterNames) {
            let buffer = UnsafeBufferPointer(start: UnsafePointer(p.value.data), count: p.count)
            if let element = SafeTensorsFile.firstBeyond(ModelBundle.weightLimit, in: buffer) {
                throw TrainingError.unusableParameter(
                    name: name, element: element, value: buffer[element], epoch: last.epoch, step: last.step,
                    lastCheckpoint: lastCheckpoint)
            }
        }
    }
}
