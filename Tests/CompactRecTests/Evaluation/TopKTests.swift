import Testing

@testable import CompactRec
@testable import CompactRecRuntime

@Suite("topK")
struct TopKTests {
    /// The reference: a full sort, best first, ties by lower index; skipped and NaN items left out.
    static func reference(_ scores: [Float], k: Int, skip: (Int) -> Bool = { $0 == 0 }) -> [Int] {
        let candidates = scores.indices.filter { !skip($0) && !scores[$0].isNaN }
        let sorted = candidates.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        return Array(sorted.prefix(max(k, 0)))
    }

    static func items(_ scores: [Float], k: Int, skip: ((Int) -> Bool)? = nil) -> [(item: Int, score: Float)] {
        scores.withUnsafeBufferPointer { buffer in
            if let skip { return topK(scores: buffer.baseAddress!, count: scores.count, k: k, skip: skip) }
            return topK(scores: buffer.baseAddress!, count: scores.count, k: k)
        }
    }

    @Test func handWorkedExample() {
        let scores: [Float] = [9, 0.5, 0.9, 0.1, 0.9, .nan, 0.7, -.infinity, 0.9]
        let top = Self.items(scores, k: 4)
        #expect(top.map(\.item) == [2, 4, 8, 6])  // padding 0 and NaN 5 skipped, ties by index
        #expect(top.map(\.score) == [0.9, 0.9, 0.9, 0.7])
        #expect(Self.items(scores, k: 100).map(\.item) == [2, 4, 8, 6, 1, 3, 7])
        #expect(Self.items(scores, k: 0).isEmpty)
        #expect(Self.items(scores, k: -3).isEmpty)
    }

    @Test func equalsAFullSortOnRandomScores() {
        var rng = SeededGenerator(seed: 41)
        for trial in 0..<300 {
            let N = 2 + Int(rng.next() % 300)
            // Quantised scores make ties common; some NaNs and infinities.
            let scores: [Float] = (0..<N).map { _ in
                switch rng.next() % 20 {
                case 0: return .nan
                case 1: return .infinity
                case 2: return -.infinity
                default: return Float(Int(rng.next() % 25) - 12) / 4
                }
            }
            for k in [1, 5, 10, N - 1, N, N + 7] {
                let got = Self.items(scores, k: k)
                let want = Self.reference(scores, k: k)
                #expect(got.map(\.item) == want, "trial \(trial) N=\(N) k=\(k)")
                #expect(got.allSatisfy { $0.score.bitPattern == scores[$0.item].bitPattern })
            }
        }
    }

    @Test func equalsAFullSortWithACustomSkip() {
        var rng = SeededGenerator(seed: 42)
        for trial in 0..<100 {
            let N = 2 + Int(rng.next() % 200)
            let scores: [Float] = (0..<N).map { _ in rng.nextUniform() < 0.05 ? .nan : Float(Int(rng.next() % 9)) }
            let history = Set((0..<5).map { _ in Int(rng.next() % UInt64(N)) })
            // A caller excluding its history (and the padding) itself: the predicate replaces the default.
            let skip = { (i: Int) in i == 0 || history.contains(i) }
            for k in [1, 5, 10, N - 1, N + 1] {
                let got = Self.items(scores, k: k, skip: skip).map(\.item)
                #expect(got == Self.reference(scores, k: k, skip: skip), "trial \(trial) N=\(N) k=\(k)")
                #expect(got.allSatisfy { !skip($0) })
            }
            // A predicate that keeps the padding does keep it.
            let keepAll = Self.items(scores, k: N, skip: { _ in false }).map(\.item)
            #expect(keepAll == Self.reference(scores, k: N, skip: { _ in false }))
        }
    }

    @Test func allNaNOrAllSkippedGivesNothing() {
        #expect(Self.items([Float](repeating: .nan, count: 10), k: 3).isEmpty)
        #expect(Self.items([5, 1, 2], k: 3, skip: { _ in true }).isEmpty)
        #expect(Self.items([5], k: 3).isEmpty)  // only the padding
    }
}
