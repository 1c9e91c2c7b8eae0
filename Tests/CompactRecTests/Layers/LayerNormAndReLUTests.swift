import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

extension LayerTestSupport {
    /// y = (x - mean) / sqrt(var + eps) · g + b per row, in Double (biased variance, as PyTorch).
    static func naiveLayerNorm(_ x: Tensor, rows: Int, gain: Tensor, bias: Tensor, epsilon: Double) -> [Double] {
        let C = gain.count
        var y = [Double](repeating: 0, count: rows * C)
        for r in 0..<rows {
            let row = (0..<C).map { Double(x.data[r * C + $0]) }
            let mean = row.reduce(0, +) / Double(C)
            let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(C)
            let inv = 1 / (variance + epsilon).squareRoot()
            for c in 0..<C { y[r * C + c] = (row[c] - mean) * inv * Double(gain.data[c]) + Double(bias.data[c]) }
        }
        return y
    }
}

@Suite("LayerNorm")
struct LayerNormTests {
    static func layer(channels: Int, epsilon: Float, _ rng: inout SeededGenerator) -> LayerNorm {
        let norm = LayerNorm(channels: channels, epsilon: epsilon)
        #expect(norm.gain.value.values == [Float](repeating: 1, count: channels))
        #expect(norm.bias.value.values == [Float](repeating: 0, count: channels))
        // Non-trivial gain and bias so that their roles in forward and backward are tested.
        for c in 0..<channels {
            norm.gain.value.data[c] = 0.5 + rng.nextUniform()
            norm.bias.value.data[c] = rng.nextNormal() * 0.5
        }
        return norm
    }

    @Test(arguments: [(Float(1e-5), Float(1)), (0.5, 0.3), (1e-8, 1e-2)])
    func forwardMatchesNaiveLayerNorm(epsilon: Float, inputScale: Float) {
        // With inputScale 0.3 the variance is ~0.09 and eps = 0.5 dominates it, so a layer that
        // ignored eps, or added it to the std instead of the variance, fails.
        var rng = SeededGenerator(seed: 31)
        let rows = 5, C = 7
        let norm = Self.layer(channels: C, epsilon: epsilon, &rng)
        let x = LayerTestSupport.normal([rows, C], std: inputScale, &rng)
        for i in 0..<x.count { x.data[i] += 0.7 }  // a non-zero mean
        let y = Tensor(shape: x.shape)
        norm.forward(input: x.data, rows: rows, output: y.data)
        let expected = LayerTestSupport.naiveLayerNorm(x, rows: rows, gain: norm.gain.value, bias: norm.bias.value, epsilon: Double(epsilon))
        let error = LayerTestSupport.maxAbsDifference(LayerTestSupport.doubles(y), expected)
        #expect(error < 2e-5, "max |Δ| = \(error)")
    }

    @Test(arguments: [(1, 1), (5, 6), (3, 19)])
    func gradientsMatchFiniteDifferences(rows: Int, channels C: Int) {
        var rng = SeededGenerator(seed: 32)
        let norm = Self.layer(channels: C, epsilon: 1e-5, &rng)
        let x = LayerTestSupport.normal([rows, C], &rng)
        let r = LayerTestSupport.normal(x.shape, &rng)
        let y = Tensor(shape: x.shape), dx = Tensor(shape: x.shape)
        dx.fill(.nan)
        let g0 = LayerTestSupport.prefillGradient(norm.gain, &rng)
        let b0 = LayerTestSupport.prefillGradient(norm.bias, &rng)
        norm.forward(input: x.data, rows: rows, output: y.data)
        norm.backward(input: x.data, outputGradient: r.data, rows: rows, inputGradient: dx.data)
        let dg = LayerTestSupport.accumulated(norm.gain, since: g0)
        let db = LayerTestSupport.accumulated(norm.bias, since: b0)
        let dxValues = LayerTestSupport.doubles(dx)

        let loss = {
            norm.forward(input: x.data, rows: rows, output: y.data)
            return LayerTestSupport.probe(y.data, r)
        }
        // Linear in gain and bias; for the input the truncation error is ~h²·|f‴|/6.
        // C = 1 normalises every row to 0, so the gain and input gradients are exactly zero there.
        GradientCheck(step: 0.05, absoluteTolerance: 2e-5, relativeTolerance: 1e-4)
            .expectMatches("gain", values: norm.gain.value, analytic: dg, mayBeZero: C == 1, loss)
        GradientCheck(step: 0.05, absoluteTolerance: 2e-5, relativeTolerance: 1e-4)
            .expectMatches("bias", values: norm.bias.value, analytic: db, loss)
        GradientCheck(step: 1e-2, absoluteTolerance: 3e-4, relativeTolerance: 2e-3)
            .expectMatches("input", values: x, analytic: dxValues, mayBeZero: C == 1, loss)
        if C == 1 { #expect(dxValues.allSatisfy { $0 == 0 } && dg.allSatisfy { $0 == 0 }) }
        // The normalisation removes the mean, so each row of dx sums to 0.
        for row in 0..<rows {
            let sum = (0..<C).reduce(0.0) { $0 + dxValues[row * C + $1] }
            #expect(abs(sum) < 1e-5)
        }
    }

    /// The kernel's documented order in Swift: eight running sums (lane l takes columns l, l + 8,
    /// …), one fixed tree, each product and sum rounded on its own. The kernel must equal it bit
    /// for bit on whichever CPU level runs it, which is what keeps runs reproducible across machines.
    static func fixedOrderLayerNorm(_ x: [Float], C: Int, gain: [Float], bias: [Float], epsilon: Float) -> [Float] {
        func total(_ a: [Float]) -> Float { ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7])) }
        var y = [Float](repeating: 0, count: x.count)
        for r in 0..<(x.count / C) {
            var s = [Float](repeating: 0, count: 8), v = s
            for c in 0..<C { s[c % 8] += x[r * C + c] }
            let mu = total(s) / Float(C)
            for c in 0..<C { let d = x[r * C + c] - mu; let dd = d * d; v[c % 8] += dd }
            let inv = 1 / (total(v) / Float(C) + epsilon).squareRoot()
            for c in 0..<C { let a = (x[r * C + c] - mu) * inv; let b = a * gain[c]; y[r * C + c] = b + bias[c] }
        }
        return y
    }

    @Test(arguments: [1, 7, 8, 64, 65])
    func forwardFollowsTheFixedOrderBitForBit(channels C: Int) {
        var rng = SeededGenerator(seed: UInt64(C))
        let norm = Self.layer(channels: C, epsilon: 1e-5, &rng)
        let rows = 5
        let x = Tensor(shape: [rows, C])
        for i in 0..<x.count { x.data[i] = 3 * rng.nextNormal() + 0.7 }
        let y = Tensor(shape: [rows, C])
        norm.forward(input: x.data, rows: rows, output: y.data)
        let expected = Self.fixedOrderLayerNorm(x.values, C: C, gain: norm.gain.value.values, bias: norm.bias.value.values,
                                                epsilon: 1e-5)
        #expect(y.values.map(\.bitPattern) == expected.map(\.bitPattern))
    }

    @Test func constantRowNormalisesToTheBias() {
        let norm = LayerNorm(channels: 4)
        norm.bias.value.fill(0.25)
        let x = Tensor(shape: [1, 4], values: [3, 3, 3, 3])
        let y = Tensor(shape: x.shape)
        norm.forward(input: x.data, rows: 1, output: y.data)
        #expect(y.values == [0.25, 0.25, 0.25, 0.25])
    }
}

@Suite("ReLU")
struct ReLUTests {
    @Test func forwardAndBackwardMatchFiniteDifferences() {
        var rng = SeededGenerator(seed: 41)
        let count = 37
        // Keep every input at least 0.2 from the kink so that x ± h never crosses it.
        let x = Tensor(shape: [count])
        for i in 0..<count {
            let magnitude = 0.2 + 2 * rng.nextUniform()
            x.data[i] = i % 3 == 0 ? -magnitude : (rng.nextUniform() < 0.5 ? -magnitude : magnitude)
        }
        let r = LayerTestSupport.normal([count], &rng)
        let y = Tensor(shape: [count])
        y.copy(from: x)
        ReLU.forward(y.data, count: count)
        for i in 0..<count { #expect(y.data[i] == max(x.data[i], 0)) }

        let g = Tensor(shape: [count])
        g.copy(from: r)
        ReLU.backward(output: y.data, gradient: g.data, count: count)
        for i in 0..<count { #expect(g.data[i] == (x.data[i] > 0 ? r.data[i] : 0)) }

        let scratch = Tensor(shape: [count])
        let loss = {
            scratch.copy(from: x)
            ReLU.forward(scratch.data, count: count)
            return LayerTestSupport.probe(scratch.data, r)
        }
        GradientCheck(step: 1e-2, absoluteTolerance: 1e-5, relativeTolerance: 1e-4, maximumEntries: count)
            .expectMatches("input", values: x, analytic: LayerTestSupport.doubles(g), loss)
    }

    @Test func zeroInputHasZeroOutputAndGradient() {
        let y = Tensor(shape: [3], values: [0, -0.0, -1])
        ReLU.forward(y.data, count: 3)
        #expect(y.values.allSatisfy { $0 == 0 })
        let g = Tensor(shape: [3], values: [5, 6, 7])
        ReLU.backward(output: y.data, gradient: g.data, count: 3)
        #expect(g.values == [0, 0, 0])
    }
}
