import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// A request's few histories are scored by the row kernel, a batch by gemm: both must give the
/// same scores (Float sums in different orders), for the unrolled width 64 and any other.
@Suite("Tied softmax scoring")
struct TiedSoftmaxScoringTests {
    @Test(arguments: [64, 13, 3])
    func rowKernelAgreesWithGemm(columns C: Int) {
        let N = 53, B = RowScoring.maximumRowKernelHistories + 3
        var rng = SeededGenerator(seed: UInt64(C))
        let weight = Weight(shape: [N, C]), bias = Weight(shape: [N])
        weight.value.fillUniform(bound: 1, using: &rng)
        bias.value.fillUniform(bound: 1, using: &rng)
        let layer = TiedSoftmax(weight: weight, bias: bias)
        let hidden = (0..<(B * C)).map { _ in rng.nextNormal() }
        var batch = [Float](repeating: .nan, count: B * N)
        hidden.withUnsafeBufferPointer { h in
            batch.withUnsafeMutableBufferPointer {
                layer.scores(hidden: h.baseAddress!, rows: B, output: $0.baseAddress!)
            }
        }
        for few in [1, 2, RowScoring.maximumRowKernelHistories] {
            var request = [Float](repeating: .nan, count: few * N)
            hidden.withUnsafeBufferPointer { h in
                request.withUnsafeMutableBufferPointer {
                    layer.scores(hidden: h.baseAddress!, rows: few, output: $0.baseAddress!)
                }
            }
            for r in 0..<few {
                for i in 0..<N {
                    var expected = Double(bias.value.data[i]), magnitude = abs(expected)
                    for c in 0..<C {
                        let term = Double(hidden[r * C + c]) * Double(weight.value.data[i * C + c])
                        expected += term
                        magnitude += abs(term)
                    }
                    let tolerance = 1e-6 * magnitude + 1e-7
                    #expect(abs(Double(request[r * N + i]) - expected) <= tolerance,
                            "C=\(C) B=\(few) row \(r) item \(i)")
                    #expect(abs(Double(batch[r * N + i]) - expected) <= tolerance, "C=\(C) gemm row \(r) item \(i)")
                }
            }
        }
    }
}
