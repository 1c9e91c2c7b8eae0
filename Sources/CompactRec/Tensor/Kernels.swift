import CKernels

/// Elementwise and reduction kernels over raw buffers: no allocation.
///
/// The loops live in the C target `CKernels`, compiled once per vector width (AVX-512, AVX2,
/// baseline) and chosen at load time for the CPU it runs on; these are their Swift names.
public enum Kernels {
    /// y[i] += x[i]
    @inline(__always)
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        ck_add(x, y, count)
    }

    /// x[i] *= factor
    @inline(__always)
    public static func scale(_ x: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        ck_scale(x, count, factor)
    }

    /// Sum of squares, accumulated in Double.
    @inline(__always)
    public static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Double {
        ck_sum_squares(x, count)
    }

    /// Maximum of `count` values (count > 0).
    @inline(__always)
    public static func maximum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        ck_max(x, count)
    }

    /// Sum of `count` values.
    @inline(__always)
    public static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        ck_sum(x, count)
    }

    /// x[i] = exp(x[i] - shift) in place; returns the sum of the results.
    @inline(__always)
    public static func expShiftedInPlace(_ x: UnsafeMutablePointer<Float>, count: Int, shift: Float) -> Float {
        ck_exp_shifted(x, count, shift)
    }

    /// exp(x) with relative error below 2e-7 for normal results, for x ≤ 88.3 (clamped above); 0 below -87.3.
    @inline(__always)
    public static func exp(_ x: Float) -> Float { ck_exp(x) }
}
