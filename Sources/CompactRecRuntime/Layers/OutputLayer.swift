/// What turns hidden states into item scores: the full softmax, and later its compressed variants.
///
/// Training calls `lossAndBackward` on the `M` positions that carry a target; evaluation and
/// `recommend` call `scores`. Scores need only rank items consistently (logits or log-probabilities).
public protocol OutputLayer: ParameterContainer {
    /// N, including padding.
    var itemCount: Int { get }
    /// C
    var dimensions: Int { get }

    /// Scores of every item for each row. hidden: [B, C]; output: [B, N].
    func scores(hidden: UnsafePointer<Float>, rows B: Int, output: UnsafeMutablePointer<Float>)
}
