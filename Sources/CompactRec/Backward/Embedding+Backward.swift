import CompactRecRuntime

extension Embedding: TrainableItemEmbedding {
    /// dE[ids[i], :] += dOutput[i, :], except for padding.
    public func backward(ids: UnsafePointer<Int32>, rows: Int, outputGradient: UnsafePointer<Float>) {
        let C = dimensions
        let grad = weight.gradient.data
        for i in 0..<rows where ids[i] != 0 {
            Kernels.add(outputGradient + i * C, into: grad + Int(ids[i]) * C, count: C)
        }
    }
}
