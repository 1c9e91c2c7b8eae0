import CompactRecRuntime

extension CompressedSoftmax: DistillableOutputLayer {
    public func lossAndBackward(
        hidden: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows M: Int,
        hiddenGradient: UnsafeMutablePointer<Float>, teacher: TeacherLogits?
    ) -> Float {
        let N = itemCount
        if M == 0 { return 0 }
        let z = logits.ensure(M * N)  // [M, N]
        items.scoreItems(hidden: hidden, rows: M, output: z)
        let total = SoftmaxCrossEntropy.parallelRowsForwardBackward(
            logits: z, bias: bias.value.data, targets: targets, rows: M, width: N, scale: 1 / Float(M),
            biasGradient: bias.gradient.data, workers: max(1, min(Parallel.threads, M)), partials: biasPartials,
            teacher: teacher)
        trainableItems.scoreItemsBackward(hidden: hidden, rows: M, scoresGradient: z, hiddenGradient: hiddenGradient)
        return Float(total / Double(M))
    }
}
