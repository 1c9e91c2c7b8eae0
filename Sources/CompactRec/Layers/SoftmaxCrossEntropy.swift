/// The fused softmax cross-entropy kernel shared by every softmax-shaped output layer.
public enum SoftmaxCrossEntropy {
    /// For each row of `logits` ([_, width]): adds `bias`, then replaces the row by
    /// `scale · (softmax(row) - onehot(target))` — the gradient of `scale · CE` — and adds that
    /// row to `biasGradient`. Returns the sum over rows of the cross-entropy.
    ///
    /// Each row is touched three times while it sits in cache: max, exp-and-sum, normalise.
    public static func rowsForwardBackward(
        logits: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, targets: UnsafePointer<Int32>,
        rows: Range<Int>, width N: Int, scale: Float, biasGradient: UnsafeMutablePointer<Float>?
    ) -> Double {
        var total = 0.0
        for r in rows {
            let row = logits + r * N
            if let bias { Kernels.add(bias, into: row, count: N) }
            let target = Int(targets[r])
            let top = Kernels.maximum(row, count: N)
            let targetLogit = row[target]
            let sum = Kernels.expShiftedInPlace(row, count: N, shift: top)
            total += Double(_logf(sum) + top - targetLogit)
            let factor = scale / sum
            Kernels.scale(row, count: N, by: factor)
            row[target] -= scale
            if let biasGradient { Kernels.add(row, into: biasGradient, count: N) }
        }
        return total
    }
}
