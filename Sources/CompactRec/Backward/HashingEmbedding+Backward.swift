import CompactRecRuntime

extension HashingEmbedding: TrainableItemMatrix {
    /// dU[h(x)] += dOutput[i] for every non-padding row.
    public func backward(ids: UnsafePointer<Int32>, rows: Int, outputGradient: UnsafePointer<Float>) {
        let C = dimensions, du = table.gradient.data
        for i in 0..<rows where ids[i] != 0 {
            Kernels.add(outputGradient + i * C, into: du + Int(buckets[Int(ids[i])]) * C, count: C)
        }
    }

    public func scoreItemsBackward(
        hidden: UnsafePointer<Float>, rows B: Int, scoresGradient: UnsafePointer<Float>,
        hiddenGradient: UnsafeMutablePointer<Float>
    ) {
        scoring.backward(table: table, weights: nil, buckets: buckets, hidden: hidden, rows: B,
                         scoresGradient: scoresGradient, hiddenGradient: hiddenGradient)
    }
}
