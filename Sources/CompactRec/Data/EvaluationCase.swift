/// One next-item prediction to score: the model reads `history` and should rank `target` high.
public struct EvaluationCase: Equatable, Sendable {
    /// Vocabulary indices, oldest first. Empty when no history item is known: a test session's
    /// items all only in the test file, or, after `mapCases`, all unknown to the model (the
    /// model then reads only padding).
    public let history: [Int32]
    /// The vocabulary index of the item that came next.
    public let target: Int32

    public init(history: [Int32], target: Int32) {
        self.history = history
        self.target = target
    }
}
