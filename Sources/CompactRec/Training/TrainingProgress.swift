/// Where the training loop is and what it has gathered so far: everything besides the tensors
/// (weights, Adam moments, best weights) that a checkpoint needs so that training resumed from
/// it takes the very same steps as training that never stopped.
///
/// A fresh run starts at epoch 1, step 0. After the last step of an epoch the loop validates,
/// records the epoch's summary and moves to the next epoch's step 0; `isFinished` once the
/// options' epochs are done or early stopping stopped it.
public struct TrainingProgress: Codable, Sendable, Equatable {
    /// The epoch in progress, from 1; one past the last epoch once training is over.
    public var epoch = 1
    /// Steps of `epoch` done (batches without a target included).
    public var stepInEpoch = 0
    /// Steps done over all epochs, counted as `stepInEpoch` is: what `--checkpoint-every N` counts.
    public var stepsDone = 0
    /// The shuffle generator as it was before drawing `epoch`'s batch order, which is
    /// recomputed from it on resuming; after the draw it is the next epoch's source.
    public var orderGenerator: SeededGenerator

    /// The running sums of the epoch in progress, for its mean loss and speed.
    public var epochLossSum = 0.0
    public var epochLossSteps = 0
    public var epochSequences = 0
    public var epochSeconds = 0.0

    /// The finished epochs.
    public var epochs: [EpochSummary] = []
    /// The best validation NDCG@10 so far; nil before the first validation.
    public var bestScore: Double?
    /// The epoch whose weights are the best so far (the last, without validation).
    public var bestEpoch = 0
    public var epochsSinceBest = 0
    public var stoppedEarly = false

    /// Seconds of training steps and sequences trained on, over all finished epochs.
    public var trainingSeconds = 0.0
    public var trainedSequences = 0

    /// The state before the first step of a run seeded with `seed`.
    public init(seed: UInt64) {
        orderGenerator = SeededGenerator(seed: seed ^ 0x5EED_0F_BA7C4)
    }

    /// Whether the loop has nothing left to do under `options`.
    public func isFinished(under options: TrainingOptions) -> Bool {
        stoppedEarly || epoch > options.epochs
    }

    /// The mean loss of the epoch in progress so far (0 before its first step with a target).
    var epochMeanLoss: Float { Float(epochLossSum / Double(max(epochLossSteps, 1))) }
}
