import CKernels

/// The fused softmax cross-entropy kernel shared by every softmax-shaped output layer.
public enum SoftmaxCrossEntropy {
    /// For each row of `logits` ([_, width]): adds `bias`, then replaces the row by
    /// `scale · (softmax(row) - onehot(target))` — the gradient of `scale · CE` — and adds that
    /// row to `biasGradient`. Returns the sum over rows of the cross-entropy.
    ///
    /// Each row is touched while it sits in cache: max, exp-and-sum, normalise.
    ///
    /// With a `teacher` (its logits of the same rows), the loss and gradient are distillation's
    /// (see `Teacher`), and the sum returned is of `(1 − α)·CE + α·τ²·KL`.
    @inline(__always)
    public static func rowsForwardBackward(
        logits: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, targets: UnsafePointer<Int32>,
        rows: Range<Int>, width N: Int, scale: Float, biasGradient: UnsafeMutablePointer<Float>?, teacher: TeacherLogits? = nil
    ) -> Double {
        guard let teacher else {
            return ck_softmax_xent_rows(logits, bias, targets, rows.lowerBound, rows.upperBound, N, scale, biasGradient)
        }
        var crossEntropy = 0.0, divergence = 0.0
        ck_distill_xent_rows(logits, bias, targets, teacher.logits, rows.lowerBound, rows.upperBound, N, teacher.weight,
                             teacher.temperature, scale, biasGradient, &crossEntropy, &divergence)
        let a = Double(teacher.weight), t = Double(teacher.temperature)
        return (1 - a) * crossEntropy + a * t * t * divergence
    }

    /// `rowsForwardBackward` over rows `0..<M`, split into `workers` contiguous chunks run
    /// concurrently. Each worker adds its bias gradient into its own row of `partials`
    /// ([workers, width], grown as needed), which are then added to `biasGradient`; one worker
    /// writes `biasGradient` directly. Returns the sum of the rows' cross-entropies.
    public static func parallelRowsForwardBackward(
        logits: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
        rows M: Int, width: Int, scale: Float, biasGradient: UnsafeMutablePointer<Float>,
        workers: Int, partials: Workspace, teacher: TeacherLogits? = nil
    ) -> Double {
        if workers <= 1 {
            return rowsForwardBackward(logits: logits, bias: bias, targets: targets, rows: 0..<M, width: width,
                                       scale: scale, biasGradient: biasGradient, teacher: teacher)
        }
        let partial = partials.ensure(workers * width)
        partial.update(repeating: 0, count: workers * width)
        var losses = [Double](repeating: 0, count: workers)
        losses.withUnsafeMutableBufferPointer { losses in
            Parallel.forEachWorker(workers) { w in
                losses[w] = rowsForwardBackward(
                    logits: logits, bias: bias, targets: targets, rows: (M * w / workers)..<(M * (w + 1) / workers),
                    width: width, scale: scale, biasGradient: partial + w * width, teacher: teacher)
            }
        }
        for w in 0..<workers { Kernels.add(partial + w * width, into: biasGradient, count: width) }
        return losses.reduce(0, +)
    }
}
