import CKernels

/// The CPU level of the C kernels that score histories against stored rows (`ck_scores_*_rows`,
/// quantized_rows.c): the best this CPU runs is picked once, at the first call.
///
/// - 2, `avx512-vnni`: AVX-512 F, BW, VL and VNNI; sixteen rows per reduction, int8 and int4
///   codes in `vpdpwssd` (row_scores_avx512.c).
/// - 1, `avx2`: AVX2 with FMA and F16C; eight rows per reduction, `vpmaddwd` (row_scores_avx2.c).
/// - 0, `portable`: float FMAs in the compiler's per-CPU clones.
public enum RowKernels {
    /// The name of the level in use, for reports ("avx512-vnni", "avx2", "portable").
    public static var name: String { String(cString: ck_row_kernels_at(ck_row_kernels_level())!.pointee.name) }

    /// Every level this CPU runs, lowest first: what tests check against the scalar references.
    package static var levels: [Int32] { (0...2).filter { ck_row_kernels_at($0) != nil } }

    /// The kernels of `level` (nil: the level in use).
    static func at(_ level: Int32?) -> ck_row_kernels {
        ck_row_kernels_at(level ?? ck_row_kernels_level())!.pointee
    }

    /// output[b·ldo + i] = bias[i] + Σ_c histories[b, c] · rows[i, c] for i in `range`, by the
    /// Float32 kernel of `level` (nil: the level in use). histories: [B, C]; rows: [N, C].
    package static func scoresFloat32(
        level: Int32?, histories: UnsafePointer<Float>, count B: Int, rows: UnsafePointer<Float>, columns C: Int,
        range: Range<Int>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, outputStride ldo: Int
    ) {
        at(level).f32(histories, C, B, rows, C, range.lowerBound, range.upperBound, bias, output, ldo)
    }
}
