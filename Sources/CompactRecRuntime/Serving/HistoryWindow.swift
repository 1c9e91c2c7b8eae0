/// What the model reads of a history: its most recent `T` items, left-padded with 0, so the
/// last position always holds the last real item (METHODS §1).
public enum HistoryWindow {
    /// Writes the most recent `T` items of `history`, left-padded with 0. row: [T].
    public static func fill(_ history: [Int32], length T: Int, row: UnsafeMutablePointer<Int32>) {
        let n = min(history.count, T)
        let padding = T - n
        row.update(repeating: 0, count: padding)
        for i in 0..<n { row[padding + i] = history[history.count - n + i] }
    }
}
