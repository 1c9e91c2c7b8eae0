import Testing

@testable import CompactRec
@testable import CompactRecRuntime

struct ConvCase: Sendable, CustomTestStringConvertible {
    let channels, kernelSize, dilation, batch, length: Int
    var testDescription: String { "C=\(channels) k=\(kernelSize) r=\(dilation) B=\(batch) T=\(length)" }

    static let all: [ConvCase] = [
        ConvCase(channels: 3, kernelSize: 2, dilation: 1, batch: 2, length: 5),
        ConvCase(channels: 4, kernelSize: 3, dilation: 2, batch: 2, length: 7),
        // r·(k-1) = T: tap 2 never lands inside the sequence, tap 1 does for t ≥ 2.
        ConvCase(channels: 2, kernelSize: 3, dilation: 2, batch: 1, length: 4),
        // r ≥ T: every tap but 0 falls off the start.
        ConvCase(channels: 3, kernelSize: 3, dilation: 5, batch: 2, length: 4),
        // k = 1 is a per-position linear map.
        ConvCase(channels: 5, kernelSize: 1, dilation: 3, batch: 3, length: 4),
        // T = 1.
        ConvCase(channels: 3, kernelSize: 2, dilation: 1, batch: 2, length: 1),
        // Large enough that the checker samples the weight; C = 17 is not a multiple of 16.
        ConvCase(channels: 17, kernelSize: 3, dilation: 2, batch: 2, length: 9),
    ]
}

extension LayerTestSupport {
    /// y[s, t, o] = b[o] + Σ_j Σ_i x[s, t - j·r, i] · W[i, j, o], with x = 0 before t = 0.
    static func naiveCausalConv(_ conv: CausalConv1d, input x: Tensor, batch B: Int, length T: Int) -> [Double] {
        let C = conv.channels, k = conv.kernelSize, r = conv.dilation
        let w = conv.weight.value.data, b = conv.bias.value.data
        var y = [Double](repeating: 0, count: B * T * C)
        for s in 0..<B {
            for t in 0..<T {
                for o in 0..<C {
                    var sum = Double(b[o])
                    for j in 0..<k {
                        let source = t - j * r
                        if source < 0 { continue }
                        for i in 0..<C {
                            sum += Double(x.data[(s * T + source) * C + i]) * Double(w[(i * k + j) * C + o])
                        }
                    }
                    y[(s * T + t) * C + o] = sum
                }
            }
        }
        return y
    }
}

@Suite("CausalConv1d")
struct CausalConv1dTests {
    @Test(arguments: ConvCase.all)
    func forwardMatchesNaiveConvolution(_ c: ConvCase) {
        var rng = SeededGenerator(seed: 11)
        let conv = CausalConv1d(channels: c.channels, kernelSize: c.kernelSize, dilation: c.dilation, rng: &rng)
        let x = LayerTestSupport.normal([c.batch, c.length, c.channels], &rng)
        let y = Tensor(shape: x.shape)
        y.fill(.nan)
        conv.forward(input: x.data, batch: c.batch, length: c.length, output: y.data)
        let expected = LayerTestSupport.naiveCausalConv(conv, input: x, batch: c.batch, length: c.length)
        let error = LayerTestSupport.maxAbsDifference(LayerTestSupport.doubles(y), expected)
        #expect(error < 1e-5, "max |Δ| = \(error)")
    }

    @Test(arguments: ConvCase.all)
    func gradientsMatchFiniteDifferences(_ c: ConvCase) {
        var rng = SeededGenerator(seed: 12)
        let conv = CausalConv1d(channels: c.channels, kernelSize: c.kernelSize, dilation: c.dilation, rng: &rng)
        let B = c.batch, T = c.length
        let x = LayerTestSupport.normal([B, T, c.channels], &rng)
        let r = LayerTestSupport.normal(x.shape, &rng)
        let y = Tensor(shape: x.shape)
        let dx = Tensor(shape: x.shape)
        dx.fill(.nan)  // backward must overwrite, not accumulate
        let w0 = LayerTestSupport.prefillGradient(conv.weight, &rng)
        let b0 = LayerTestSupport.prefillGradient(conv.bias, &rng)

        conv.forward(input: x.data, batch: B, length: T, output: y.data)
        conv.backward(input: x.data, outputGradient: r.data, batch: B, length: T, inputGradient: dx.data)
        let dW = LayerTestSupport.accumulated(conv.weight, since: w0)
        let db = LayerTestSupport.accumulated(conv.bias, since: b0)

        let loss = {
            conv.forward(input: x.data, batch: B, length: T, output: y.data)
            return LayerTestSupport.probe(y.data, r)
        }
        // Linear in every argument, so a large step has no truncation error.
        let check = GradientCheck(step: 0.05, absoluteTolerance: 2e-5, relativeTolerance: 1e-4)
        check.expectMatches("weight", values: conv.weight.value, analytic: dW, loss)
        check.expectMatches("bias", values: conv.bias.value, analytic: db, loss)
        check.expectMatches("input", values: x, analytic: LayerTestSupport.doubles(dx), loss)
    }

    @Test func tapsThatNeverReachTheSequenceGetExactlyZeroGradient() {
        // r = 5 ≥ T = 4: taps 1 and 2 only ever see the zero padding.
        let C = 3, k = 3, B = 2, T = 4
        var rng = SeededGenerator(seed: 13)
        let conv = CausalConv1d(channels: C, kernelSize: k, dilation: 5, rng: &rng)
        let x = LayerTestSupport.normal([B, T, C], &rng)
        let r = LayerTestSupport.normal(x.shape, &rng)
        let y = Tensor(shape: x.shape), dx = Tensor(shape: x.shape)
        conv.forward(input: x.data, batch: B, length: T, output: y.data)
        conv.backward(input: x.data, outputGradient: r.data, batch: B, length: T, inputGradient: dx.data)
        let w = conv.weight.gradient.data
        for i in 0..<C {
            for o in 0..<C {
                #expect(w[(i * k + 0) * C + o] != 0)
                for j in 1..<k { #expect(w[(i * k + j) * C + o] == 0, "tap \(j) [\(i), \(o)]") }
            }
        }
        // And the output is the k = 1 convolution with tap 0 alone.
        let single = CausalConv1d(channels: C, kernelSize: 1, dilation: 1, weight: Weight(shape: [C, 1, C]), bias: conv.bias)
        for i in 0..<C {
            for o in 0..<C { single.weight.value.data[i * C + o] = conv.weight.value.data[(i * k) * C + o] }
        }
        let y1 = Tensor(shape: x.shape)
        single.forward(input: x.data, batch: B, length: T, output: y1.data)
        #expect(y.values == y1.values)
    }

    @Test func batchRowsDoNotLeakIntoEachOther() {
        // The second sequence's first positions must not see the end of the first sequence.
        let C = 2, B = 2, T = 3
        let conv = CausalConv1d(
            channels: C, kernelSize: 2, dilation: 1, weight: Weight(shape: [C, 2, C]), bias: Weight(shape: [C]))
        conv.weight.value.fill(1)
        let x = Tensor(shape: [B, T, C], values: [1, 1, 2, 2, 3, 3, 0, 0, 0, 0, 0, 0])
        let y = Tensor(shape: x.shape)
        conv.forward(input: x.data, batch: B, length: T, output: y.data)
        // y[t] = Σ_i x[t] + Σ_i x[t-1] in every output channel.
        #expect(y.values == [2, 2, 6, 6, 10, 10, 0, 0, 0, 0, 0, 0])
    }
}

/// Two convolutions over the same `Weight`s, applied one after the other.
final class SharedConvPair: WeightContainer {
    let first: CausalConv1d
    let second: CausalConv1d

    init(channels: Int, kernelSize: Int, rng: inout SeededGenerator) {
        first = CausalConv1d(channels: channels, kernelSize: kernelSize, dilation: 1, rng: &rng)
        second = CausalConv1d(
            channels: channels, kernelSize: kernelSize, dilation: 2, weight: first.weight, bias: first.bias)
    }

    func namedWeights(prefix: String) -> [NamedWeight] {
        first.namedWeights(prefix: join(prefix, "first")) + second.namedWeights(prefix: join(prefix, "second"))
    }
}

@Suite("Weight sharing")
struct WeightSharingTests {
    @Test func sharedWeightGradientIsTheSumOverBothUses() {
        let C = 4, k = 3, B = 2, T = 6
        var rng = SeededGenerator(seed: 14)
        let pair = SharedConvPair(channels: C, kernelSize: k, rng: &rng)
        #expect(pair.first.weight === pair.second.weight && pair.first.bias === pair.second.bias)
        #expect(pair.namedWeights(prefix: "m").count == 4)
        #expect(pair.uniqueWeights().map(\.name) == ["first.weight", "first.bias"])
        #expect(pair.parameterCount == C * k * C + C)

        let x = LayerTestSupport.normal([B, T, C], &rng)
        let r = LayerTestSupport.normal(x.shape, &rng)
        let h = Tensor(shape: x.shape), y = Tensor(shape: x.shape)
        let dh = Tensor(shape: x.shape), dx = Tensor(shape: x.shape)
        pair.zeroGradients()
        pair.first.forward(input: x.data, batch: B, length: T, output: h.data)
        pair.second.forward(input: h.data, batch: B, length: T, output: y.data)
        pair.second.backward(input: h.data, outputGradient: r.data, batch: B, length: T, inputGradient: dh.data)
        let secondOnly = LayerTestSupport.doubles(pair.first.weight.gradient)
        pair.first.backward(input: x.data, outputGradient: dh.data, batch: B, length: T, inputGradient: dx.data)
        let dW = LayerTestSupport.doubles(pair.first.weight.gradient)
        let db = LayerTestSupport.doubles(pair.first.bias.gradient)
        // The first use contributes too: the sum differs from the second use's share alone.
        #expect(LayerTestSupport.maxAbsDifference(dW, secondOnly) > 1e-2)

        let loss = {
            pair.first.forward(input: x.data, batch: B, length: T, output: h.data)
            pair.second.forward(input: h.data, batch: B, length: T, output: y.data)
            return LayerTestSupport.probe(y.data, r)
        }
        // Quadratic in the shared parameters, for which central differences have no truncation error.
        let check = GradientCheck(step: 0.05, absoluteTolerance: 2e-5, relativeTolerance: 1e-4, maximumEntries: 60)
        check.expectMatches("shared weight", values: pair.first.weight.value, analytic: dW, loss)
        check.expectMatches("shared bias", values: pair.first.bias.value, analytic: db, loss)
        check.expectMatches("input", values: x, analytic: LayerTestSupport.doubles(dx), loss)
    }
}
