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

    /// Cuts a long history into training windows, so that every item of it is a target once.
    ///
    /// ``fillTrainingRow(_:length:inputs:targets:)`` trains on a sequence's last `T + 1` items
    /// only. Here a sequence of `n` items gives windows ending at `n, n − T, n − 2T, …`, each
    /// holding up to `T + 1` items: its targets are the `T` items after its first, and that
    /// first item is the previous window's last target. The oldest window, the first to end
    /// within `T` items, is padded, so the first item is predicted from padding as in a short
    /// single row. A sequence of at most `T` items is one window. Oldest window first.
    public static func trainingWindows(_ sequence: [Int32], length T: Int) -> [[Int32]] {
        precondition(T >= 1, "window length must be at least 1")
        var ends: [Int] = []
        var end = sequence.count
        while end > 0 {
            ends.append(end)
            // A window of at most T items is padded and all its items are targets: the last one.
            // Otherwise its first item is only an input, and the next window ends there: at end − T.
            if end <= T { break }
            end -= T
        }
        return ends.reversed().map { end in Array(sequence[max(0, end - T - 1)..<end]) }
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
