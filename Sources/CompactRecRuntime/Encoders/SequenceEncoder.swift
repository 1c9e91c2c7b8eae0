/// A sequence encoder reads embedded histories and returns one hidden state per position:
/// `[B, T, C] -> [B, T, C]`, causally (position t sees only positions ≤ t).
///
/// NextItNet and SASRec are the two. Both read the item ids beside their embeddings, `[B, T]`,
/// left-padded with 0: SASRec never attends to padding; NextItNet convolves it as zeros.
public protocol SequenceEncoder: WeightContainer {
    var dimensions: Int { get }
    /// Runs the encoder and returns its output, [B, T, C], valid until the next forward.
    func forward(input: UnsafePointer<Float>, ids: UnsafePointer<Int32>, batch B: Int, length T: Int) -> UnsafePointer<Float>
    /// The output at the last position only, [B, C], for serving; valid until the next forward.
    /// It may skip work the last position does not depend on, and it leaves nothing for backward.
    func forwardLast(input: UnsafePointer<Float>, ids: UnsafePointer<Int32>, batch B: Int, length T: Int) -> UnsafePointer<Float>

    /// The same layer over the same weights, shared and only read, with scratch of its own: two
    /// callers, each with its own replica, can run at once (see `InferenceContext`).
    func replica() -> Self
}
