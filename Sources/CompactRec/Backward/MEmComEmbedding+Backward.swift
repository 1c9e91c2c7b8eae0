import CompactRecRuntime

extension MEmComEmbedding: TrainableItemMatrix {
    /// For each non-padding row with gradient g: dU[h(x)] += w[x] · g and dw[x] += U[h(x)] · g.
    public func backward(ids: UnsafePointer<Int32>, rows: Int, outputGradient: UnsafePointer<Float>) {
        let C = dimensions, u = table.value.data, w = weights.value.data
        let du = table.gradient.data, dw = weights.gradient.data
        for i in 0..<rows where ids[i] != 0 {
            let x = Int(ids[i]), row = Int(buckets[x]) * C, g = outputGradient + i * C
            dw[x] += Kernels.dot(u + row, g, count: C)
            Kernels.axpy(w[x], g, into: du + row, count: C)
        }
    }

    public func scoreItemsBackward(
        hidden: UnsafePointer<Float>, rows B: Int, scoresGradient: UnsafePointer<Float>,
        hiddenGradient: UnsafeMutablePointer<Float>
    ) {
        scoring.backward(table: table, weights: weights, buckets: buckets, hidden: hidden, rows: B,
                         scoresGradient: scoresGradient, hiddenGradient: hiddenGradient)
    }
}
