import CKernels

extension QuantizedRows {
    /// output[b·ldo + i] = bias[i] + Σ_c histories[b, c] · value(i, c) for the rows `rows` and every
    /// history b, straight from the codes (the C kernels of `quantized_rows.c` at the CPU level
    /// `level`, nil for the best this CPU runs: `RowKernels`). histories: [B, C] with row stride
    /// C; bias: [N] or nil; output: [B, ldo].
    public func scores(
        histories: UnsafePointer<Float>, count B: Int, rows range: Range<Int>, bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, outputStride ldo: Int, level: Int32? = nil
    ) {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "rows \(range) of \(rows)")
        let C = columns, kernels = RowKernels.at(level)
        switch format {
        case .float32: preconditionFailure("unreachable: no Float32 QuantizedRows")
        case .float16:
            kernels.f16(histories, C, B, codes, C, range.lowerBound, range.upperBound, bias, output, ldo)
        case .int8:
            kernels.i8(histories, C, B, codes.assumingMemoryBound(to: Int8.self), scales!,
                       C, range.lowerBound, range.upperBound, bias, output, ldo)
        case .int4:
            kernels.u4(histories, C, B, codes.assumingMemoryBound(to: UInt8.self), scales!, offsets!,
                       C, range.lowerBound, range.upperBound, bias, output, ldo)
        }
    }

    /// `scores` computed by the scalar reference (each value dequantized on its own, sums in
    /// Double, in order): what tests compare the kernels with.
    package func referenceScores(
        histories: UnsafePointer<Float>, count B: Int, rows range: Range<Int>, bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, outputStride ldo: Int
    ) {
        ck_scores_rows_reference(referenceFormat, histories, columns, B, codes, scales, offsets, columns,
                                 range.lowerBound, range.upperBound, bias, output, ldo)
    }

    /// Row `r` dequantized by the scalar reference. output: [C]
    package func referenceDequantizeRow(_ r: Int, into output: UnsafeMutablePointer<Float>) {
        ck_dequantize_reference(referenceFormat, codes, scales, offsets, columns, r, output)
    }

    private var referenceFormat: Int32 {
        switch format {
        case .float32: preconditionFailure("unreachable: no Float32 QuantizedRows")
        case .float16: 16
        case .int8: 8
        case .int4: 4
        }
    }
}
