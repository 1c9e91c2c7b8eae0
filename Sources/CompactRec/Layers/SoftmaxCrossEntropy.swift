import CKernels

/// The fused softmax cross-entropy kernel shared by every softmax-shaped output layer.
public enum SoftmaxCrossEntropy {
    /// For each row of `logits` ([_, width]): adds `bias`, then replaces the row by
    /// `scale · (softmax(row) - onehot(target))` — the gradient of `scale · CE` — and adds that
    /// row to `biasGradient`. Returns the sum over rows of the cross-entropy.
    ///
    /// Each row is touched while it sits in cache: max, exp-and-sum, normalise.
    @inline(__always)
    public static func rowsForwardBackward(
        logits: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, targets: UnsafePointer<Int32>,
        rows: Range<Int>, width N: Int, scale: Float, biasGradient: UnsafeMutablePointer<Float>?
    ) -> Double {
        ck_softmax_xent_rows(logits, bias, targets, rows.lowerBound, rows.upperBound, N, scale, biasGradient)
    }
}
