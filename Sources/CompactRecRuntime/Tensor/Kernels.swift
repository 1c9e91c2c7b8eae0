import CKernels

/// Elementwise and reduction kernels over raw buffers: no allocation.
///
/// The loops live in the C target `CKernels`, compiled once per x86-64 level (v4 with AVX-512,
/// v3 with AVX2 and FMA, baseline) and chosen at load time for the CPU it runs on; these are
/// their Swift names.
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
    /// How many of x[0..<count] are strictly greater than s.
    public static func countAbove(_ x: UnsafePointer<Float>, count: Int, _ s: Float) -> Int {
        count > 0 ? Int(ck_count_above(x, count, s)) : 0
    }

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

    /// y[i] += a · x[i]
    @inline(__always)
    public static func axpy(_ a: Float, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        ck_axpy(a, x, y, count)
    }

    /// Σ x[i] · y[i], accumulated in Float.
    @inline(__always)
    public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
        ck_dot(x, y, count)
    }

    /// out[i] = x[i] · y[i]
    @inline(__always)
    public static func multiply(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
        ck_multiply(x, y, out, count)
    }

    /// acc[i] += x[i] · y[i]
    @inline(__always)
    public static func multiplyAdd(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, into acc: UnsafeMutablePointer<Float>, count: Int) {
        ck_multiply_add(x, y, acc, count)
    }

    /// out[i] = x[i] + a
    @inline(__always)
    public static func addScalar(_ a: Float, to x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
        ck_add_scalar(x, a, out, count)
    }

    /// out[i] = s[bucket[i]] · w[i] (w nil: 1), for one row of a hashed table's scores.
    @inline(__always)
    public static func gatherScaled(
        _ s: UnsafePointer<Float>, buckets: UnsafePointer<Int32>, weights w: UnsafePointer<Float>?,
        into out: UnsafeMutablePointer<Float>, count: Int
    ) {
        ck_gather_scaled(s, buckets, w, out, count)
    }

    /// The backward of `gatherScaled` for one row with score gradient g: ds[bucket[i]] += g[i] · w[i]
    /// (w nil: 1), and dw[i] += g[i] · s[bucket[i]] unless dw is nil.
    @inline(__always)
    public static func scatterScaled(
        _ g: UnsafePointer<Float>, buckets: UnsafePointer<Int32>, weights w: UnsafePointer<Float>?, scores s: UnsafePointer<Float>,
        scoresGradient ds: UnsafeMutablePointer<Float>, weightsGradient dw: UnsafeMutablePointer<Float>?, count: Int
    ) {
        ck_scatter_scaled(g, buckets, w, s, ds, dw, count)
    }
}
