import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

@Suite("Kernels")
struct KernelsTests {
    /// Lengths around the 16-lane blocks: tails only, exact blocks, blocks plus a tail.
    static let lengths = [1, 3, 15, 16, 17, 31, 33, 47, 100]

    /// `Kernels.exp` over `xs`.
    static func fastExp(_ xs: [Float]) -> [Float] { xs.map(Kernels.exp) }

    /// A target's rank: items strictly above, counted as the scalar loop does, with ties, NaNs,
    /// infinities and signed zeros among them.
    @Test(arguments: lengths + [1000, 4099])
    func countAboveMatchesTheScalarCount(_ n: Int) {
        var rng = SeededGenerator(seed: UInt64(n))
        let specials: [Float] = [.nan, .infinity, -.infinity, 0, -0.0, 0.5]
        let x: [Float] = (0..<n).map { _ in rng.next() % 7 == 0 ? specials[Int(rng.next() % 6)] : Float(Int(rng.next() % 9)) / 8 }
        for s in [Float(0.5), 0, -0.0, .infinity, -.infinity, .nan, 2] {
            #expect(Kernels.countAbove(x, count: n, s) == x.filter { $0 > s }.count, "n \(n), s \(s)")
        }
        #expect(Kernels.countAbove(x, count: 0, 0) == 0)
    }

    @Test func fastExpIsAccurateOverTheFiniteRange() {
        // A dense sweep of [-87, 88] (step ≈ 1.7e-4, so every binade and every reduction
        // interval n·ln2 ± ln2/2 is covered many times) plus the two ends exactly.
        let count = 1 << 20
        var xs = (0..<count).map { Float(-87 + 175 * Double($0) / Double(count - 1)) }
        xs += [-87.3, -87, -1e-30, 0, 1e-30, 88]
        let ys = Self.fastExp(xs)
        var worst = 0.0, worstAt: Float = 0
        for (x, y) in zip(xs, ys) {
            let exact = exp(Double(x))
            let error = abs(Double(y) - exact) / exact
            if !(error <= worst) { worst = error; worstAt = x }
        }
        // Float's own rounding is 6e-8; the documented bound is 2e-7.
        #expect(worst < 2e-7, "max relative error \(worst) at \(worstAt)")
        if GradientCheck.verbose { print("fastExp: max relative error \(worst) at \(worstAt)") }
        #expect(ys.allSatisfy { $0.isFinite && $0 > 0 })
        #expect(Self.fastExp([0])[0] == 1)
    }

    @Test func fastExpFlushesToZeroBelowTheCutOff() {
        let xs: [Float] = [-87.31, -87.5, -88, -100, -103.9, -1e4, -3e38, -.infinity]
        #expect(Self.fastExp(xs) == [Float](repeating: 0, count: xs.count))
        // And it is still a normal, accurate number just above the cut-off.
        let cutOff: Float = -87.3
        let atCutOff = Double(Self.fastExp([cutOff])[0]), exact = exp(Double(cutOff))
        #expect(atCutOff >= Double(Float.leastNormalMagnitude))
        #expect(abs(atCutOff - exact) < 2e-7 * exact, "\(atCutOff) vs \(exact)")
    }

    @Test func fastExpClampsAt88Point3() {
        // Documented: inputs above 88.3 are clamped there, so the result stays finite (softmax
        // only passes x ≤ 0); e^88.3 itself is accurate.
        let exact = exp(Double(Float(88.3)))
        for x: Float in [88.3, 88.5, 88.7, .infinity] {
            let y = Double(Self.fastExp([x])[0])
            #expect(y.isFinite)
            #expect(abs(y - exact) < 2e-7 * exact, "exp(\(x)) = \(y), clamped exp(88.3) = \(exact)")
        }
    }

    @Test func fastExpIsMonotoneOnAFineGrid() {
        // Consecutive Floats around 0 and around -10: the polynomial must not step backwards
        // by more than rounding at reduction-interval boundaries.
        for start: Float in [-10.4, -0.35, 0.34, 30.5] {
            var xs = [Float]()
            var x = start
            for _ in 0..<4096 { xs.append(x); x = x.nextUp }
            let ys = Self.fastExp(xs)
            var backwards = 0
            for i in 1..<ys.count where ys[i] < ys[i - 1] * (1 - 3e-7) { backwards += 1 }
            #expect(backwards == 0, "from \(start)")
        }
    }

    @Test(arguments: lengths)
    func maximumMatchesNaive(count: Int) {
        var rng = SeededGenerator(seed: UInt64(count))
        // All negative, so a kernel that started from 0 instead of -inf would be wrong.
        var x = (0..<count).map { _ in -1 - rng.nextUniform() * 10 }
        #expect(Kernels.maximum(x, count: count) == x.max()!)
        // The largest value in the last (tail) position, then in the first.
        x[count - 1] = -0.5
        #expect(Kernels.maximum(x, count: count) == -0.5)
        x[0] = -0.25
        #expect(Kernels.maximum(x, count: count) == -0.25)
    }

    @Test(arguments: lengths)
    func sumOfSquaresMatchesNaive(count: Int) {
        var rng = SeededGenerator(seed: 100 + UInt64(count))
        let x = (0..<count).map { _ in rng.nextNormal() }
        let expected = x.reduce(0.0) { $0 + Double($1) * Double($1) }
        let got = Kernels.sumOfSquares(x, count: count)
        #expect(abs(got - expected) <= 1e-6 * expected, "\(got) vs \(expected)")
    }

    @Test(arguments: lengths)
    func expShiftedInPlaceMatchesNaive(count: Int) {
        var rng = SeededGenerator(seed: 200 + UInt64(count))
        let x = (0..<count).map { _ in rng.nextNormal() * 5 }
        let shift = x.max()!
        var y = x
        let sum = Kernels.expShiftedInPlace(&y, count: count, shift: shift)
        var expectedSum = 0.0
        for i in 0..<count {
            let e = exp(Double(x[i] - shift))
            expectedSum += e
            #expect(abs(Double(y[i]) - e) <= 3e-7 * e, "[\(i)] \(y[i]) vs \(e)")
        }
        #expect(abs(Double(sum) - expectedSum) <= 1e-6 * expectedSum)
        // The tail uses the same polynomial as the blocks.
        #expect(y == Self.fastExp(x.map { $0 - shift }))
    }

    @Test(arguments: lengths)
    func scaleAndAddMatchNaive(count: Int) {
        var rng = SeededGenerator(seed: 300 + UInt64(count))
        let x = (0..<count).map { _ in rng.nextNormal() }
        let factor: Float = -0.37
        var y = x
        Kernels.scale(&y, count: count, by: factor)
        #expect(y == x.map { $0 * factor })
        var z = y
        Kernels.add(x, into: &z, count: count)
        #expect(z == zip(x, y).map { $0.1 + $0.0 })
    }

    @Test func kernelsDoNotTouchMemoryBeyondCount() {
        // 21 values followed by sentinels; the blocked loops must stop at `count`.
        let count = 21
        var x = [Float](repeating: 2, count: count) + [Float](repeating: .nan, count: 11)
        Kernels.scale(&x, count: count, by: 3)
        _ = Kernels.expShiftedInPlace(&x, count: count, shift: 6)
        #expect(x[0..<count].allSatisfy { $0 == 1 })
        #expect(x[count...].allSatisfy { $0.isNaN })
        #expect(Kernels.sumOfSquares(x, count: count) == Double(count))
        #expect(Kernels.maximum(x, count: count) == 1)
    }
}
