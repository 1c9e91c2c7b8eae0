// Elementwise and reduction kernels over raw buffers: no allocation, SIMD where it pays.

public enum Kernels {
    /// y[i] += x[i]
    @inlinable
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] += x[i] }
    }

    /// Sum of squares.
    @inlinable
    public static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Double {
        var acc = SIMD16<Float>()
        var i = 0
        let raw = UnsafeRawPointer(x)
        while i + 16 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            acc += v * v
            i += 16
        }
        var total = Double(acc.sum())
        while i < count { total += Double(x[i] * x[i]); i += 1 }
        return total
    }

    /// Maximum of `count` values (count > 0).
    @inlinable
    public static func maximum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var best = SIMD16<Float>(repeating: -.infinity)
        var i = 0
        let raw = UnsafeRawPointer(x)
        while i + 16 <= count {
            best = pointwiseMax(best, raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self))
            i += 16
        }
        var m = best.max()
        while i < count { m = max(m, x[i]); i += 1 }
        return m
    }

    /// x[i] = exp(x[i] - shift) in place; returns the sum of the results.
    @inlinable
    public static func expShiftedInPlace(_ x: UnsafeMutablePointer<Float>, count: Int, shift: Float) -> Float {
        var acc = SIMD16<Float>()
        var i = 0
        let raw = UnsafeMutableRawPointer(x)
        let s = SIMD16<Float>(repeating: shift)
        while i + 16 <= count {
            let v = fastExp(raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) - s)
            raw.storeBytes(of: v, toByteOffset: i * 4, as: SIMD16<Float>.self)
            acc += v
            i += 16
        }
        var total = acc.sum()
        while i < count {
            let v = fastExp(SIMD16<Float>(repeating: x[i] - shift))[0]
            x[i] = v
            total += v
            i += 1
        }
        return total
    }

    /// x[i] *= factor
    @inlinable
    public static func scale(_ x: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        var i = 0
        let raw = UnsafeMutableRawPointer(x)
        let f = SIMD16<Float>(repeating: factor)
        while i + 16 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) * f
            raw.storeBytes(of: v, toByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        while i < count { x[i] *= factor; i += 1 }
    }

    /// exp(x) for 16 lanes, relative error below 2e-7 over the range where Float is finite.
    ///
    /// Cody–Waite reduction x = n·ln2 + r with |r| ≤ ln2/2, a degree-6 polynomial for e^r,
    /// and 2^n assembled in the exponent bits. Inputs below -87.3 flush to 0, which softmax
    /// (always called with x ≤ 0 after the max shift) relies on.
    @inlinable @inline(__always)
    public static func fastExp(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let lo = SIMD16<Float>(repeating: -87.3)
        let hi = SIMD16<Float>(repeating: 88.3)
        let clamped = pointwiseMin(pointwiseMax(x, lo), hi)
        let n = (clamped * 1.442_695_04).rounded(.toNearestOrEven)
        var r = clamped - n * 0.693_359_375
        r = r - n * -2.121_944_4e-4
        var p = SIMD16<Float>(repeating: 1.987_569_1e-4)
        p = p * r + 1.398_199_9e-3
        p = p * r + 8.333_452e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 0.166_666_66
        p = p * r + 0.5
        p = p * r * r + r + 1
        let bits = (SIMD16<Int32>(truncatingIfNeeded: SIMD16<Int32>(n)) &+ 127) &<< 23
        let pow2n = unsafeBitCast(bits, to: SIMD16<Float>.self)
        let result = p * pow2n
        return result.replacing(with: 0, where: x .< lo)
    }
}
