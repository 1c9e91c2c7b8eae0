/// What turns hidden states into item scores: the full softmax, and later its compressed variants.
///
/// Training calls `lossAndBackward` on the `M` positions that carry a target; evaluation and
/// `recommend` call `scores`. Scores need only rank items consistently (logits or log-probabilities).
public protocol OutputLayer: ParameterContainer {
    /// N, including padding.
    var itemCount: Int { get }
    /// C
    var dimensions: Int { get }

    /// Mean softmax cross-entropy of `targets` given `hidden`; accumulates parameter gradients
    /// of that mean and writes `hiddenGradient`.
    /// hidden, hiddenGradient: [M, C]; targets: [M] (all non-padding).
    func lossAndBackward(
        hidden: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows M: Int,
        hiddenGradient: UnsafeMutablePointer<Float>
    ) -> Float

    /// Scores of every item for each row. hidden: [B, C]; output: [B, N].
    func scores(hidden: UnsafePointer<Float>, rows B: Int, output: UnsafeMutablePointer<Float>)
}
