/// One next-item prediction to score: the model reads `history` and should rank `target` high.
public struct EvaluationCase: Equatable, Sendable {
    /// Vocabulary indices, oldest first. Never empty when read from data; after `mapCases` it can
    /// be, if no history item is known to the model (the model then reads only padding).
    public let history: [Int32]
    /// The vocabulary index of the item that came next.
    public let target: Int32

    public init(history: [Int32], target: Int32) {
        self.history = history
        self.target = target
    }
}
