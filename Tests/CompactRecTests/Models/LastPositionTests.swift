import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// Serving computes only the last position's receptive field; it must give the full forward's
/// last row, and compute fewer rows where the dilations allow.
@Suite("Last-position forward")
struct LastPositionTests {
    @Test func thePlanOfConfigurationAWorkedByHand() {
        // Dilations 1,4,1,4: convolutions 1,2 · 4,8 · 1,2 · 4,8; k = 3, T = 20.
        let plan = LastPositionPlan(length: 20, dilations: [(1, 2), (4, 8), (1, 2), (4, 8)], kernelSize: 3)
        let top = plan.blocks[3]
        #expect(top.outputs == [19] && top.hidden == [3, 11, 19] && top.inputs == [3, 7, 11, 15, 19])
        // Output 19's taps 19, 11, 3 are hidden rows 2, 1, 0; hidden 3 reads input 3 only (3 − 4 < 0).
        #expect(top.conv2Sources == [2, 1, 0])
        #expect(top.conv1Sources == [0, -1, -1, /* 11 */ 2, 1, 0, /* 19 */ 4, 3, 2])
        #expect(top.residualSources == [4])
        let third = plan.blocks[2]
        #expect(third.outputs == [3, 7, 11, 15, 19] && third.hidden == Array(stride(from: 1, through: 19, by: 2)))
        #expect(third.inputs == Array(0..<20))
        #expect(plan.blocks[0].isComplete(length: 20) && plan.blocks[1].isComplete(length: 20) && !third.isComplete(length: 20))
        #expect(plan.convolutionRows == 20 + 20 + 20 + 20 + 10 + 5 + 3 + 1)
        // One block, one tap: only the last position at every layer.
        let single = LastPositionPlan(length: 9, dilations: [(1, 2)], kernelSize: 1)
        #expect(single.blocks[0].inputs == [8] && single.convolutionRows == 2)
    }

    @Test(arguments: [
        ([1, 4, 1, 4], 3), ([1, 2], 2), ([2], 3), ([1, 2, 4, 8], 3), ([1], 1),
    ])
    func theLastRowEqualsTheFullForwards(dilations: [Int], kernelSize k: Int) {
        var rng = SeededGenerator(seed: UInt64(7 + dilations.reduce(0, +) * 10 + k))
        let C = 8
        let encoder = NextItNet(dimensions: C, dilations: dilations, kernelSize: k, rng: &rng)
        for named in encoder.uniqueWeights() where named.name.contains("ln") {
            named.weight.value.fillUniform(bound: 0.5, using: &rng)  // LayerNorm scales and shifts away from 1 and 0
        }
        for (B, T) in [(1, 1), (3, 5), (2, 20), (1, 50)] {
            var x = [Float](repeating: 0, count: B * T * C)
            for i in x.indices { x[i] = rng.nextUniform() * 2 - 1 }
            let (full, last) = x.withUnsafeBufferPointer { input -> ([Float], [Float]) in
                let h = encoder.forward(input: input.baseAddress!, batch: B, length: T)
                let full = (0..<B).flatMap { s in Array(UnsafeBufferPointer(start: h + (s * T + T - 1) * C, count: C)) }
                let last = Array(UnsafeBufferPointer(start: encoder.forwardLast(input: input.baseAddress!, batch: B, length: T), count: B * C))
                return (full, last)
            }
            let worst = zip(full, last).map { abs($0 - $1) / max(1, abs($0)) }.max()!
            #expect(worst < 1e-5, "dilations \(dilations) k \(k) B \(B) T \(T): \(worst)")
        }
    }

    @Test func servingScoresMatchTheFullForward() {
        // The recommender's finalHidden goes through forwardLast; scoring from the full forward's
        // last row must agree.
        var rng = SeededGenerator(seed: 3)
        let C = 8, N = 30, T = 12, B = 4
        let encoder = NextItNet(dimensions: C, dilations: [1, 4], kernelSize: 3, rng: &rng)
        let model = SequentialRecommender(
            configuration: ModelConfiguration(itemCount: N, embeddingSize: C, dilations: [1, 4], kernelSize: 3, maxLength: T),
            embedding: Embedding(count: N, dimensions: C, rng: &rng), encoder: encoder,
            output: FullSoftmax(itemCount: N, dimensions: C, rng: &rng))
        let inputs = (0..<(B * T)).map { _ in Int32(rng.next() % UInt64(N)) }
        let served = inputs.withUnsafeBufferPointer {
            Array(UnsafeBufferPointer(start: model.finalHidden(inputs: $0.baseAddress!, batch: B, length: T), count: B * C))
        }
        var embedded = [Float](repeating: 0, count: B * T * C)
        inputs.withUnsafeBufferPointer { ids in
            embedded.withUnsafeMutableBufferPointer { model.embedding.forward(ids: ids.baseAddress!, rows: B * T, output: $0.baseAddress!) }
        }
        let h = embedded.withUnsafeBufferPointer { encoder.forward(input: $0.baseAddress!, batch: B, length: T) }
        for s in 0..<B {
            for c in 0..<C { #expect(abs(served[s * C + c] - h[(s * T + T - 1) * C + c]) < 1e-5) }
        }
    }
}
