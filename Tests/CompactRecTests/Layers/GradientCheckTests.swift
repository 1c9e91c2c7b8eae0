import Testing

@testable import CompactRec
@testable import CompactRecRuntime

@Suite("Gradient checker")
struct GradientCheckTests {
    @Test func catchesAOnePercentErrorInOneEntryAndNothingElse() {
        // A real layer gradient (the convolution weight), then one entry made 1% too large.
        let C = 3, k = 2, B = 2, T = 5
        var rng = SeededGenerator(seed: 81)
        let conv = CausalConv1d(channels: C, kernelSize: k, dilation: 1, rng: &rng)
        let x = LayerTestSupport.normal([B, T, C], &rng)
        let r = LayerTestSupport.normal(x.shape, &rng)
        let y = Tensor(shape: x.shape), dx = Tensor(shape: x.shape)
        conv.zeroGradients()
        conv.forward(input: x.data, batch: B, length: T, output: y.data)
        conv.backward(input: x.data, outputGradient: r.data, batch: B, length: T, inputGradient: dx.data)
        let loss = {
            conv.forward(input: x.data, batch: B, length: T, output: y.data)
            return LayerTestSupport.probe(y.data, r)
        }
        let check = GradientCheck(step: 0.05, absoluteTolerance: 2e-5, relativeTolerance: 1e-4)
        let correct = LayerTestSupport.doubles(conv.weight.gradient)
        let good = check.compare(values: conv.weight.value.data, analytic: correct, entries: check.entries(count: correct.count), loss)
        #expect(good.mismatches.isEmpty && good.checked.count == C * k * C && good.largestNumeric > 0.1)

        let index = correct.indices.max { abs(correct[$0]) < abs(correct[$1]) }!
        var wrong = correct
        wrong[index] *= 1.01
        let bad = check.compare(values: conv.weight.value.data, analytic: wrong, entries: good.checked, loss)
        #expect(bad.mismatches.map(\.index) == [index])

        // A plausible bug: the taps swapped (dW[i, j, o] read from tap k-1-j).
        var swapped = correct
        for i in 0..<C { for j in 0..<k { for o in 0..<C { swapped[(i * k + j) * C + o] = correct[(i * k + (k - 1 - j)) * C + o] } } }
        let taps = check.compare(values: conv.weight.value.data, analytic: swapped, entries: good.checked, loss)
        #expect(taps.mismatches.count > C * C)

        // Checking must leave the values as they were.
        let before = conv.weight.value.values
        _ = check.compare(values: conv.weight.value.data, analytic: correct, entries: good.checked, loss)
        #expect(conv.weight.value.values == before)
    }

    @Test func zeroGradientIsReportedAsVacuous() {
        let x = Tensor(shape: [4], values: [1, 2, 3, 4])
        let report = GradientCheck().compare(values: x.data, analytic: [0, 0, 0, 0], entries: [0, 1, 2, 3]) { 5 }
        #expect(report.mismatches.isEmpty && report.largestNumeric == 0)
    }

    @Test func samplesADistinctSortedReproducibleSubset() {
        let check = GradientCheck(maximumEntries: 10)
        #expect(check.entries(count: 7) == Array(0..<7))
        let sample = check.entries(count: 1000)
        #expect(sample.count == 10 && Set(sample).count == 10 && sample == sample.sorted())
        #expect(sample.allSatisfy { (0..<1000).contains($0) })
        #expect(sample == check.entries(count: 1000))
        #expect(sample.last! > 100)  // spread over the buffer, not only its start
    }
}
