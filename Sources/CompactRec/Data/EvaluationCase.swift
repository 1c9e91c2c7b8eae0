/// One next-item prediction to score: the model reads `history` and should rank `target` high.
public struct EvaluationCase: Equatable, Sendable {
    /// Vocabulary indices, oldest first; never empty.
    public let history: [Int32]
    /// The vocabulary index of the item that came next.
    public let target: Int32

    public init(history: [Int32], target: Int32) {
        self.history = history
        self.target = target
    }
}
