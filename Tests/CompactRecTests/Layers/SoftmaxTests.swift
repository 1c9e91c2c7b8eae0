import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

extension LayerTestSupport {
    /// p = softmax(row) in Double.
    static func softmaxDouble(_ row: [Double]) -> [Double] {
        let top = row.max()!
        let e = row.map { exp($0 - top) }
        let sum = e.reduce(0, +)
        return e.map { $0 / sum }
    }
}

@Suite("FullSoftmax")
struct FullSoftmaxTests {
    /// A layer with the given W ([C, N]) and b.
    static func layer(weight: [Float], bias: [Float], dimensions C: Int) -> FullSoftmax {
        var rng = SeededGenerator(seed: 0)
        let layer = FullSoftmax(itemCount: bias.count, dimensions: C, rng: &rng)
        layer.weight.value.copy(from: Tensor(shape: [C, bias.count], values: weight))
        layer.bias.value.copy(from: Tensor(shape: [bias.count], values: bias))
        return layer
    }

    @Test func tinyCaseMatchesHandComputedLossAndGradients() throws {
        let M = 2, C = 2, N = 3
        let layer = Self.layer(weight: [0.1, -0.2, 0.3, 0.4, 0.0, -0.5], bias: [0.05, -0.1, 0.2], dimensions: C)
        let hidden: [Float] = [1, -1, 0.5, 2]
        let targets: [Int32] = [2, 0]
        // z = h·W + b, by hand.
        let z: [[Double]] = [[-0.25, -0.3, 1.0], [0.9, -0.2, -0.65]]

        let scores = Tensor(shape: [M, N])
        layer.scores(hidden: hidden, rows: M, output: scores.data)
        for m in 0..<M { for n in 0..<N { #expect(abs(Double(scores.data[m * N + n]) - z[m][n]) < 1e-6) } }

        func logSumExp(_ row: [Double]) -> Double { log(row.map(exp).reduce(0, +)) }
        let expectedLoss = ((logSumExp(z[0]) - z[0][2]) + (logSumExp(z[1]) - z[1][0])) / 2
        let dH = Tensor(shape: [M, C])
        dH.fill(.nan)
        layer.zeroGradients()
        let loss = layer.lossAndBackward(hidden: hidden, targets: targets, rows: M, hiddenGradient: dH.data)
        #expect(abs(Double(loss) - expectedLoss) < 1e-6, "loss \(loss), expected \(expectedLoss)")

        // dZ = (softmax(z) - onehot) / M; dW = Hᵀ·dZ; db = Σ_m dZ; dH = dZ·Wᵀ.
        var dZ = z.map(LayerTestSupport.softmaxDouble)
        for m in 0..<M { dZ[m][Int(targets[m])] -= 1; dZ[m] = dZ[m].map { $0 / Double(M) } }
        let w = layer.weight.value.values.map(Double.init)
        for n in 0..<N {
            let db = dZ[0][n] + dZ[1][n]
            #expect(abs(Double(layer.bias.gradient.data[n]) - db) < 1e-6)
            for c in 0..<C {
                let dw = Double(hidden[c]) * dZ[0][n] + Double(hidden[C + c]) * dZ[1][n]
                #expect(abs(Double(layer.weight.gradient.data[c * N + n]) - dw) < 1e-6)
            }
        }
        for m in 0..<M {
            for c in 0..<C {
                let dh = (0..<N).reduce(0.0) { $0 + dZ[m][$1] * w[c * N + $1] }
                #expect(abs(Double(dH.data[m * C + c]) - dh) < 1e-6)
            }
        }
    }

    @Test(arguments: [
        (7, 4, [3, 1, 3, 3, 6] as [Int32]),  // repeated targets; rows split over two workers
        (37, 5, [36, 1, 17] as [Int32]),  // N not a multiple of 16; W is sampled
        (20, 3, [4] as [Int32]),  // one row
    ])
    func gradientsMatchFiniteDifferences(items N: Int, dimensions C: Int, targets: [Int32]) {
        var rng = SeededGenerator(seed: 51)
        let M = targets.count
        let layer = FullSoftmax(itemCount: N, dimensions: C, rng: &rng)
        let hidden = LayerTestSupport.normal([M, C], &rng)
        let dH = Tensor(shape: [M, C])
        dH.fill(.nan)
        let w0 = LayerTestSupport.prefillGradient(layer.weight, &rng)
        let b0 = LayerTestSupport.prefillGradient(layer.bias, &rng)
        let reported = layer.lossAndBackward(hidden: hidden.data, targets: targets, rows: M, hiddenGradient: dH.data)
        let dW = LayerTestSupport.accumulated(layer.weight, since: w0)
        let db = LayerTestSupport.accumulated(layer.bias, since: b0)

        let logits = Tensor(shape: [M, N])
        let loss = {
            layer.scores(hidden: hidden.data, rows: M, output: logits.data)
            return LayerTestSupport.meanCrossEntropy(logits.data, rows: M, width: N, targets: targets)
        }
        let exact = loss()
        #expect(abs(Double(reported) - exact) <= 1e-6 * exact, "loss \(reported), Double \(exact)")

        let check = GradientCheck(step: 1e-2, absoluteTolerance: 2e-5, relativeTolerance: 1e-3)
        check.expectMatches("weight", values: layer.weight.value, analytic: dW, loss)
        check.expectMatches("bias", values: layer.bias.value, analytic: db, loss)
        check.expectMatches("hidden", values: hidden, analytic: LayerTestSupport.doubles(dH), loss)
    }

    @Test func scoresMatchNaiveProduct() {
        var rng = SeededGenerator(seed: 52)
        let B = 3, C = 5, N = 19
        let layer = FullSoftmax(itemCount: N, dimensions: C, rng: &rng)
        let hidden = LayerTestSupport.normal([B, C], &rng)
        let out = Tensor(shape: [B, N])
        out.fill(.nan)
        layer.scores(hidden: hidden.data, rows: B, output: out.data)
        var worst = 0.0
        for r in 0..<B {
            for n in 0..<N {
                var z = Double(layer.bias.value.data[n])
                for c in 0..<C { z += Double(hidden.data[r * C + c]) * Double(layer.weight.value.data[c * N + n]) }
                worst = max(worst, abs(Double(out.data[r * N + n]) - z))
            }
        }
        #expect(worst < 1e-6, "max |Δ| = \(worst)")
    }

    @Test func initialisationIsUniformWithinTorchBound() {
        var rng = SeededGenerator(seed: 53)
        let layer = FullSoftmax(itemCount: 50, dimensions: 16, rng: &rng)
        #expect(layer.weight.shape == [16, 50] && layer.bias.shape == [50])
        let values = layer.weight.value.values + layer.bias.value.values
        #expect(values.allSatisfy { abs($0) <= 0.25 })
        #expect(values.contains { abs($0) > 0.2 })
    }
}

@Suite("SoftmaxCrossEntropy kernel")
struct SoftmaxCrossEntropyTests {
    @Test func rowsForwardBackwardMatchesDoubleReference() {
        var rng = SeededGenerator(seed: 61)
        let rows = 4, N = 21
        let scale: Float = 0.25
        let targets: [Int32] = [5, 20, 20, 0]
        let original = LayerTestSupport.normal([rows, N], std: 3, &rng)
        let bias = LayerTestSupport.normal([N], &rng)
        let logits = Tensor(shape: original.shape)
        logits.copy(from: original)
        let biasGradient = LayerTestSupport.normal([N], &rng)
        let before = biasGradient.values

        let total = SoftmaxCrossEntropy.rowsForwardBackward(
            logits: logits.data, bias: bias.data, targets: targets, rows: 1..<3, width: N, scale: scale,
            biasGradient: biasGradient.data)

        // Rows outside the range are untouched.
        for r in [0, 3] { for i in 0..<N { #expect(logits.data[r * N + i] == original.data[r * N + i]) } }
        var expectedTotal = 0.0
        var expectedBias = before.map(Double.init)
        for r in 1..<3 {
            let z = (0..<N).map { Double(original.data[r * N + $0]) + Double(bias.data[$0]) }
            let p = LayerTestSupport.softmaxDouble(z)
            expectedTotal += -log(p[Int(targets[r])])
            for i in 0..<N {
                let g = Double(scale) * (p[i] - (i == Int(targets[r]) ? 1 : 0))
                #expect(abs(Double(logits.data[r * N + i]) - g) < 1e-7, "row \(r) [\(i)]")
                expectedBias[i] += g
            }
        }
        #expect(abs(total - expectedTotal) < 1e-5 * expectedTotal, "\(total) vs \(expectedTotal)")
        #expect(LayerTestSupport.maxAbsDifference(LayerTestSupport.doubles(biasGradient), expectedBias) < 1e-6)
    }

    @Test(arguments: [5, 16, 37])
    func gradientsMatchFiniteDifferencesOfItsOwnLoss(width N: Int) {
        var rng = SeededGenerator(seed: 62)
        let rows = 3
        let scale: Float = 1 / 3
        let targets: [Int32] = [1, Int32(N - 1), 1]
        let z = LayerTestSupport.normal([rows, N], std: 2, &rng)
        let bias = LayerTestSupport.normal([N], &rng)
        let dz = Tensor(shape: z.shape)
        dz.copy(from: z)
        let db = Tensor(shape: [N])
        _ = SoftmaxCrossEntropy.rowsForwardBackward(
            logits: dz.data, bias: bias.data, targets: targets, rows: 0..<rows, width: N, scale: scale,
            biasGradient: db.data)

        let scratch = Tensor(shape: z.shape)
        let loss = {
            scratch.copy(from: z)
            let total = SoftmaxCrossEntropy.rowsForwardBackward(
                logits: scratch.data, bias: bias.data, targets: targets, rows: 0..<rows, width: N, scale: scale,
                biasGradient: nil)
            return Double(scale) * total
        }
        let check = GradientCheck(step: 3e-2, absoluteTolerance: 3e-5, relativeTolerance: 1e-3)
        check.expectMatches("logits", values: z, analytic: LayerTestSupport.doubles(dz), loss)
        check.expectMatches("bias", values: bias, analytic: LayerTestSupport.doubles(db), loss)
    }

    @Test func withoutBiasAndWithExtremeLogits() {
        // Logits far beyond exp's range: the max shift must keep everything finite.
        let N = 19
        var values = [Float](repeating: -1000, count: N)
        values[3] = 1000
        values[17] = 999.5
        values[18] = -3e38
        let logits = Tensor(shape: [2, N], values: values + values)
        let targets: [Int32] = [17, 3]
        let total = SoftmaxCrossEntropy.rowsForwardBackward(
            logits: logits.data, bias: nil, targets: targets, rows: 0..<2, width: N, scale: 1, biasGradient: nil)
        // p(17) = 1 / (1 + e^0.5), p(3) = e^0.5 / (1 + e^0.5), everything else 0.
        let p17 = 1 / (1 + exp(0.5))
        let expected = -log(p17) - log(1 - p17)
        // Each row's loss is rounded once at the magnitude of its largest logit (see below):
        // ulp(1000) = 6.1e-5.
        #expect(abs(total - expected) < 2 * Double(Float(1000).ulp), "\(total) vs \(expected)")
        #expect(logits.values.allSatisfy { $0.isFinite })
        #expect(abs(Double(logits.data[17]) - (p17 - 1)) < 1e-6 && abs(Double(logits.data[3]) - (1 - p17)) < 1e-6)
        #expect(abs(Double(logits.data[N + 17]) - p17) < 1e-6 && abs(Double(logits.data[N + 3]) - (-p17)) < 1e-6)
        // e^-1000 underflows (the kernel test checks that exp flushes to exactly 0 there).
        for i in 0..<N where i != 3 && i != 17 { #expect(abs(logits.data[i]) < 1e-30 && abs(logits.data[N + i]) < 1e-30) }
    }

    @Test func lossKeepsFloatPrecisionWhenLogitsAreLarge() {
        // The loss is formed as `logf(sum) + (top - targetLogit)`, so it is exact to the Float
        // rounding of the loss itself even when the logits are near 1000.
        var values = [Float](repeating: -1000, count: 5)
        values[1] = 1000
        values[2] = 999.5
        let logits = Tensor(shape: [1, 5], values: values)
        let targets: [Int32] = [2]
        let total = SoftmaxCrossEntropy.rowsForwardBackward(
            logits: logits.data, bias: nil, targets: targets, rows: 0..<1, width: 5, scale: 1, biasGradient: nil)
        let expected = log(1 + exp(0.5))
        #expect(abs(total - expected) < 4 * Double(Float(expected).ulp), "\(total) vs \(expected)")
    }
}
