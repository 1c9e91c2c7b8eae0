import CompactRecRuntime

// The training side of the runtime's layer protocols: each variant's backward pass lives in
// this folder, beside the others, as an extension of the runtime type it differentiates.

/// An item embedding that training can differentiate.
public protocol TrainableItemEmbedding: ItemEmbedding {
    /// Accumulates parameter gradients from dOutput: [rows, C]. Padding contributes nothing.
    func backward(ids: UnsafePointer<Int32>, rows: Int, outputGradient: UnsafePointer<Float>)
}

/// An output layer that training can differentiate through its loss.
public protocol TrainableOutputLayer: OutputLayer {
    /// Mean softmax cross-entropy of `targets` given `hidden`; accumulates parameter gradients
    /// of that mean and writes `hiddenGradient`.
    /// hidden, hiddenGradient: [M, C]; targets: [M] (all non-padding).
    func lossAndBackward(
        hidden: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows M: Int,
        hiddenGradient: UnsafeMutablePointer<Float>
    ) -> Float
}

/// An output layer whose loss can also learn from a teacher's logits (see `Teacher`): those that
/// compute the logits of every item anyway (the full softmax, tied or over a compressed matrix).
public protocol DistillableOutputLayer: TrainableOutputLayer {
    /// As `lossAndBackward`, with the loss `(1 − α)·CE + α·τ²·KL(teacher_τ ‖ student_τ)` when
    /// `teacher` is given (its logits are the same rows', and are overwritten).
    func lossAndBackward(
        hidden: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows M: Int,
        hiddenGradient: UnsafeMutablePointer<Float>, teacher: TeacherLogits?
    ) -> Float
}

extension DistillableOutputLayer {
    public func lossAndBackward(
        hidden: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows M: Int,
        hiddenGradient: UnsafeMutablePointer<Float>
    ) -> Float {
        lossAndBackward(hidden: hidden, targets: targets, rows: M, hiddenGradient: hiddenGradient, teacher: nil)
    }
}

/// A sequence encoder that training can differentiate.
public protocol TrainableSequenceEncoder: SequenceEncoder {
    /// The forward of a training step: as `forward`, with the encoder's dropout (if it has any)
    /// drawn from `dropoutSeed`; backward follows it.
    func trainingForward(input: UnsafePointer<Float>, ids: UnsafePointer<Int32>, batch B: Int, length T: Int,
                         dropoutSeed: UInt64) -> UnsafePointer<Float>
    /// Backward through the last forward: accumulates parameter gradients, writes dInput [B, T, C].
    func backward(outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>)
}

/// An item matrix that training can differentiate, as an embedding and as a scorer.
public protocol TrainableItemMatrix: ItemMatrix, TrainableItemEmbedding {
    /// The backward of `scoreItems` on the same hidden rows, which it must follow (it may reuse
    /// products kept from it): accumulates the parameter gradients of Σ dScores ⊙ scores and
    /// writes hiddenGradient = dScores · E. Column 0 of dScores is ignored.
    /// hidden, hiddenGradient: [B, C]; scoresGradient: [B, N].
    func scoreItemsBackward(
        hidden: UnsafePointer<Float>, rows B: Int, scoresGradient: UnsafePointer<Float>,
        hiddenGradient: UnsafeMutablePointer<Float>)
}

extension SequentialRecommender {
    /// The parts of the model with their backward passes. Every variant of the runtime has one
    /// here, so a failure is a variant added without its backward (a programming error).
    var trainableParts: (embedding: any TrainableItemEmbedding, encoder: any TrainableSequenceEncoder, output: any TrainableOutputLayer) {
        guard let embedding = embedding as? any TrainableItemEmbedding else { preconditionFailure("\(type(of: embedding)) has no backward pass") }
        guard let encoder = encoder as? any TrainableSequenceEncoder else { preconditionFailure("\(type(of: encoder)) has no backward pass") }
        guard let output = output as? any TrainableOutputLayer else { preconditionFailure("\(type(of: output)) has no backward pass") }
        return (embedding, encoder, output)
    }
}

extension CompressedSoftmax {
    /// The item matrix with its backward pass (see `SequentialRecommender.trainableParts`).
    var trainableItems: any TrainableItemMatrix {
        guard let items = items as? any TrainableItemMatrix else { preconditionFailure("\(type(of: items)) has no backward pass") }
        return items
    }
}
