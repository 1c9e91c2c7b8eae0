/// Turns item sequences into left-padded `[B, T]` input and target matrices.
///
/// A training sequence is cut to its most recent `T + 1` items and left-padded with 0, so the
/// last position always holds the last real item; inputs are positions `0..<T`, targets
/// `1...T`. Position t predicts the item at t+1, including the first real item (predicted from
/// padding), as NextItNet does.
public enum Batching {
    /// Writes one training row. inputs, targets: [T].
    public static func fillTrainingRow(
        _ sequence: [Int32], length T: Int, inputs: UnsafeMutablePointer<Int32>, targets: UnsafeMutablePointer<Int32>
    ) {
        let window = min(sequence.count, T + 1)
        let padding = T + 1 - window
        let start = sequence.count - window
        // The padded row w has T + 1 entries: w[i] = 0 for i < padding, else sequence[start + i - padding].
        for i in 0..<T {
            inputs[i] = i < padding ? 0 : sequence[start + i - padding]
            let j = i + 1
            targets[i] = j < padding ? 0 : sequence[start + j - padding]
        }
    }

    /// Writes the most recent `T` items of `history`, left-padded with 0. row: [T].
    public static func fillHistoryRow(_ history: [Int32], length T: Int, row: UnsafeMutablePointer<Int32>) {
        let n = min(history.count, T)
        let padding = T - n
        row.update(repeating: 0, count: padding)
        for i in 0..<n { row[padding + i] = history[history.count - n + i] }
    }

    /// The sequences' order for one epoch: a seeded shuffle of `0..<count`.
    public static func epochOrder(count: Int, using rng: inout SeededGenerator) -> [Int] {
        var order = Array(0..<count)
        // Fisher–Yates with our generator, so the order depends only on the seed.
        if count > 1 {
            for i in stride(from: count - 1, to: 0, by: -1) {
                let j = Int(rng.next() % UInt64(i + 1))
                order.swapAt(i, j)
            }
        }
        return order
    }
}
