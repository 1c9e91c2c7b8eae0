import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// Hand-written Double references for `TreeSoftmax`, straight from METHODS.md §3.3.
enum TreeReference {
    static func logSoftmax(_ z: [Double], at i: Int) -> Double {
        let top = z.max()!
        return z[i] - top - log(z.reduce(0) { $0 + exp($1 - top) })
    }

    /// z = h · W + b for W stored [inputs, outputs].
    static func affine(_ h: [Double], _ w: Weight, _ b: Weight?) -> [Double] {
        let inputs = w.shape[0], outputs = w.shape[1]
        return (0..<outputs).map { j in
            (0..<inputs).reduce(b.map { Double($0.value.data[j]) } ?? 0) { $0 + h[$1] * Double(w.value.data[$1 * outputs + j]) }
        }
    }

    /// log p(x) for one hidden row and the given items (default: all):
    /// log softmax_head(x), or log softmax_head(node_j) + log softmax_j(x).
    static func logProbabilities(_ layer: TreeSoftmax, hidden: UnsafePointer<Float>, items: [Int]? = nil) -> [Double] {
        let h = (0..<layer.dimensions).map { Double(hidden[$0]) }
        let head = affine(h, layer.headWeight, layer.headBias)
        var tailLogits: [Int: [Double]] = [:]  // cluster j ≥ 1 (tail j − 1), computed when first needed
        return (items ?? Array(0..<layer.itemCount)).map { x in
            guard x >= layer.cutoffs[0] else { return logSoftmax(head, at: x) }
            let j = layer.cutoffs.firstIndex { x < $0 }!
            let tail = layer.tails[j - 1]
            if tailLogits[j] == nil { tailLogits[j] = affine(affine(h, tail.projection, nil), tail.weight, tail.bias) }
            return logSoftmax(head, at: layer.cutoffs[0] + j - 1) + logSoftmax(tailLogits[j]!, at: x - layer.cutoffs[j - 1])
        }
    }

    /// −mean over rows of log p(target).
    static func loss(_ layer: TreeSoftmax, hidden: Tensor, targets: [Int32]) -> Double {
        let C = layer.dimensions
        return -targets.indices.reduce(0.0) { $0 + logProbabilities(layer, hidden: hidden.data + $1 * C, items: [Int(targets[$1])])[0] }
            / Double(targets.count)
    }
}

@Suite("TreeSoftmax")
struct TreeSoftmaxTests {
    static func tinyTree(_ rng: inout SeededGenerator) -> TreeSoftmax {
        TreeSoftmax(itemCount: 13, dimensions: 4, cutoffs: [4, 8, 13], tailDimensions: [3, 2], rng: &rng)
    }

    /// A random tree of 2–5 clusters; `smallHead` keeps c_1 at 2–4.
    static func randomTree(_ rng: inout SeededGenerator, smallHead: Bool, maximumTail: Int = 400) -> TreeSoftmax {
        let clusters = 2 + Int(rng.next() % 4)
        var cutoffs = [smallHead ? 2 + Int(rng.next() % 3) : 2 + Int(rng.next() % 300)]
        for _ in 1..<clusters { cutoffs.append(cutoffs.last! + 1 + Int(rng.next() % UInt64(maximumTail))) }
        let dims = (1..<clusters).map { _ in 1 + Int(rng.next() % 12) }
        var layerRNG = rng.split()
        return TreeSoftmax(itemCount: cutoffs.last!, dimensions: 1 + Int(rng.next() % 48), cutoffs: cutoffs,
                           tailDimensions: dims, rng: &layerRNG)
    }

    /// Copies a few item columns onto others (head and tails), so some items score exactly alike.
    static func makeTies(_ layer: TreeSoftmax, _ rng: inout SeededGenerator) {
        func copyColumn(_ w: Weight, _ b: Weight, range: Range<Int>) {
            guard range.count >= 2 else { return }
            let from = range.lowerBound + Int(rng.next() % UInt64(range.count))
            let to = range.lowerBound + Int(rng.next() % UInt64(range.count))
            let width = w.shape[1]
            for c in 0..<w.shape[0] { w.value.data[c * width + to] = w.value.data[c * width + from] }
            b.value.data[to] = b.value.data[from]
        }
        for _ in 0..<3 {
            copyColumn(layer.headWeight, layer.headBias, range: 1..<layer.headItemCount)
            for tail in layer.tails { copyColumn(tail.weight, tail.bias, range: 0..<tail.items.count) }
        }
    }

    // MARK: Training

    /// Each case runs with the tails' logits stored and BLAS (fused rank 0) and fused (rank 8).
    @Test(arguments: [
        [1, 5, 5, 12, 3, 9, 7, 12] as [Int32],  // every cluster, repeated targets
        [2, 6, 6, 3, 7] as [Int32],  // the second tail has no row
        [10] as [Int32],  // one row, in a tail
    ], [0, 8])
    func gradientsMatchFiniteDifferences(targets: [Int32], fusedTailRank: Int) {
        var rng = SeededGenerator(seed: 71)
        let layer = Self.tinyTree(&rng)
        layer.fusedTailRank = fusedTailRank
        let M = targets.count, C = layer.dimensions
        let hidden = LayerTestSupport.normal([M, C], std: 2, &rng)
        let dH = Tensor(shape: [M, C])
        dH.fill(.nan)
        let named = layer.namedWeights(prefix: "")
        let before = named.map { LayerTestSupport.prefillGradient($0.weight, &rng) }
        let reported = layer.lossAndBackward(hidden: hidden.data, targets: targets, rows: M, hiddenGradient: dH.data)

        let loss = { TreeReference.loss(layer, hidden: hidden, targets: targets) }
        let exact = loss()
        #expect(abs(Double(reported) - exact) <= 2e-6 * exact, "loss \(reported), Double \(exact)")

        let check = GradientCheck(step: 1e-2, absoluteTolerance: 2e-5, relativeTolerance: 1e-3)
        for (p, initial) in zip(named, before) {
            let analytic = LayerTestSupport.accumulated(p.weight, since: initial)
            // A tail no target reaches gets no gradient at all.
            let tail = p.name.hasPrefix("tails.") ? layer.tails[Int(p.name.split(separator: ".")[1])!] : nil
            let unused = tail.map { tail in !targets.contains { tail.items.contains(Int($0)) } } ?? false
            if unused { #expect(analytic.allSatisfy { $0 == 0 }, "\(p.name) changed without a target in its tail") }
            check.expectMatches(p.name, values: p.weight.value, analytic: analytic, mayBeZero: unused, loss)
        }
        check.expectMatches("hidden", values: hidden, analytic: LayerTestSupport.doubles(dH), loss)
    }

    @Test func batchIsTheMeanOfItsRowsAndMatchesTheDoubleLoss() {
        // Wide enough that the softmax passes split over threads with partial bias gradients.
        var rng = SeededGenerator(seed: 72)
        let layer = TreeSoftmax(itemCount: 4000, dimensions: 8, cutoffs: [1200, 1500, 4000], tailDimensions: [4, 2], rng: &rng)
        let M = 48, C = layer.dimensions
        let targets = (0..<M).map { _ in Int32(1 + rng.next() % 3999) }
        let hidden = LayerTestSupport.normal([M, C], &rng)
        let named = layer.namedWeights(prefix: "")
        let dH = Tensor(shape: [M, C])
        layer.zeroGradients()
        let loss = layer.lossAndBackward(hidden: hidden.data, targets: targets, rows: M, hiddenGradient: dH.data)
        let batch = named.map { LayerTestSupport.doubles($0.weight.gradient) }

        let exact = TreeReference.loss(layer, hidden: hidden, targets: targets)
        #expect(abs(Double(loss) - exact) <= 2e-6 * exact, "loss \(loss), Double \(exact)")

        var rowLosses = 0.0
        var sums = named.map { [Double](repeating: 0, count: $0.weight.count) }
        let rowGradient = Tensor(shape: [1, C])
        for r in 0..<M {
            layer.zeroGradients()
            rowLosses += Double(layer.lossAndBackward(
                hidden: hidden.data + r * C, targets: [targets[r]], rows: 1, hiddenGradient: rowGradient.data))
            for i in 0..<C { #expect(abs(rowGradient.data[i] / Float(M) - dH.data[r * C + i]) <= 1e-7) }
            for (p, parameter) in named.enumerated() {
                for i in 0..<parameter.weight.count { sums[p][i] += Double(parameter.weight.gradient.data[i]) }
            }
        }
        #expect(abs(rowLosses / Double(M) - Double(loss)) <= 1e-5 * Double(loss))
        for (p, parameter) in named.enumerated() {
            let mean = sums[p].map { $0 / Double(M) }
            let worst = LayerTestSupport.maxAbsDifference(mean, batch[p])
            #expect(worst <= 1e-6, "\(parameter.name): batch and row-mean gradients differ by \(worst)")
        }
    }

    /// The fused low-rank tails (logits never stored, columns split over workers) agree with the
    /// BLAS route on trees wide enough for several column tiles, odd widths and both threads.
    @Test func fusedTailsMatchTheMaterializedRoute() {
        var rng = SeededGenerator(seed: 74)
        for trial in 0..<8 {
            let C = 1 + Int(rng.next() % 40), head = 2 + Int(rng.next() % 50)
            let tail1 = head + 1 + Int(rng.next() % 40), tail2 = tail1 + 600 + Int(rng.next() % 2500)
            var layerRNG = rng.split()
            let layer = TreeSoftmax(itemCount: tail2, dimensions: C, cutoffs: [head, tail1, tail2],
                                    tailDimensions: [1 + Int(rng.next() % 8), 1 + Int(rng.next() % 8)], rng: &layerRNG)
            let M = 1 + Int(rng.next() % 90)
            let targets = (0..<M).map { r in Int32(r % 3 == 0 ? 1 + Int(rng.next() % UInt64(tail2 - 1)) : tail1 + Int(rng.next() % UInt64(tail2 - tail1))) }
            let hidden = LayerTestSupport.normal([M, C], std: 2, &rng)
            let named = layer.namedWeights(prefix: "")
            func run(fusedTailRank: Int) -> (Float, [Float], [[Float]]) {
                layer.fusedTailRank = fusedTailRank
                layer.zeroGradients()
                let dH = Tensor(shape: [M, C])
                let loss = layer.lossAndBackward(hidden: hidden.data, targets: targets, rows: M, hiddenGradient: dH.data)
                return (loss, Array(dH.buffer), named.map { Array($0.weight.gradient.buffer) })
            }
            let (fusedLoss, fusedDH, fusedGradients) = run(fusedTailRank: 8)
            let (blasLoss, blasDH, blasGradients) = run(fusedTailRank: 0)
            #expect(abs(fusedLoss - blasLoss) <= 1e-5 * blasLoss, "trial \(trial): loss \(fusedLoss) vs \(blasLoss)")
            func worst(_ a: [Float], _ b: [Float]) -> Float {
                zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1) / max(1e-3, abs($1.1))) }
            }
            #expect(worst(fusedDH, blasDH) <= 1e-4, "trial \(trial): hidden gradient")
            for (p, (f, b)) in zip(named, zip(fusedGradients, blasGradients)) {
                #expect(worst(f, b) <= 1e-4, "trial \(trial): \(p.name)")
            }
        }
    }

    // MARK: Scoring

    @Test func scoresAreTheTreeLogProbabilitiesAndSumToOne() {
        var rng = SeededGenerator(seed: 73)
        for trial in 0..<12 {
            let layer = Self.randomTree(&rng, smallHead: trial % 3 == 0, maximumTail: 150)
            let B = 1 + Int(rng.next() % 5), N = layer.itemCount, C = layer.dimensions
            let hidden = LayerTestSupport.normal([B, C], std: 2, &rng)
            let head = layer.headLogProbabilities(hidden: hidden.data, rows: B)
            let nodes = (0..<B).map { r in (0..<layer.tails.count).map { head[r * layer.headWidth + layer.headItemCount + $0] } }
            let scores = Tensor(shape: [B, N])
            scores.fill(.nan)
            layer.scores(hidden: hidden.data, rows: B, output: scores.data)
            for r in 0..<B {
                let row = scores.data + r * N
                // Padding is a column of the head softmax, so item 0 completes the sum.
                let total = (0..<N).reduce(0.0) { $0 + exp(Double(row[$1])) }
                #expect(abs(total - 1) < 1e-5, "trial \(trial) row \(r): Σ p = \(total)")
                let exact = TreeReference.logProbabilities(layer, hidden: hidden.data + r * C)
                let worst = (0..<N).reduce(0.0) { max($0, abs(Double(row[$1]) - exact[$1]) / (1 + abs(exact[$1]))) }
                #expect(worst < 2e-6, "trial \(trial) row \(r): worst relative error \(worst)")
                for (t, tail) in layer.tails.enumerated() {
                    #expect(tail.items.allSatisfy { row[$0] <= nodes[r][t] }, "a tail item above its node")
                }
            }
        }
    }

    // MARK: Early stop

    /// Without and with the per-tail bounds.
    @Test(arguments: [false, true])
    func earlyStopTopKEqualsFullScoring(withBounds: Bool) {
        var rng = SeededGenerator(seed: 74)
        var mismatches: [String] = []
        var skipped = 0, skippedByBound = 0
        for trial in 0..<60 {
            let layer = Self.randomTree(&rng, smallHead: trial % 4 == 0, maximumTail: trial % 6 == 0 ? 1500 : 400)
            Self.makeTies(layer, &rng)
            let B = 1 + Int(rng.next() % 40), N = layer.itemCount, T = layer.tails.count
            // Larger hidden states sharpen the softmaxes, so one tail dominates each row.
            let std: Float = [1, 3, 10, 30][trial % 4]
            let hidden = LayerTestSupport.normal([B, layer.dimensions], std: std, &rng)
            let scores = Tensor(shape: [B, N])
            layer.scores(hidden: hidden.data, rows: B, output: scores.data)
            let bounds = withBounds ? layer.tailBounds() : nil
            for k in Set([1, 5, 10, 20, layer.headItemCount - 1, N - 1]) {
                var statistics = RankingStatistics()
                let fast = layer.topK(hidden: hidden.data, rows: B, k: k, bounds: bounds, statistics: &statistics)
                for r in 0..<B {
                    let full = topK(scores: scores.data + r * N, count: N, k: k)
                    if fast[r].map(\.item) != full.map(\.item)
                        || fast[r].map(\.score.bitPattern) != full.map(\.score.bitPattern) {
                        mismatches.append("trial \(trial) k \(k) row \(r): \(fast[r].prefix(5)) vs \(full.prefix(5))")
                    }
                }
                #expect(statistics.rows == B && statistics.tailsVisited + statistics.tailsSkipped == B * T)
                #expect(statistics.itemsScored + statistics.itemsSkipped == B * (N - 1))
                #expect(withBounds || statistics.tailsSkippedByBound == 0)
                skipped += statistics.tailsSkipped
                skippedByBound += statistics.tailsSkippedByBound
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) rows differ, e.g. \(mismatches.prefix(3))")
        #expect(skipped > 0 && (!withBounds || skippedByBound > 0))
    }

    @Test func earlyStopSkipsTailsWhoseNodeCannotReachTheTopK() {
        var rng = SeededGenerator(seed: 75)
        let layer = TreeSoftmax(itemCount: 600, dimensions: 8, cutoffs: [100, 300, 600], tailDimensions: [4, 2], rng: &rng)
        let B = 16, N = 600
        let hidden = LayerTestSupport.normal([B, 8], &rng)
        let scores = Tensor(shape: [B, N])
        func run(_ k: Int) -> RankingStatistics {
            var statistics = RankingStatistics()
            let fast = layer.topK(hidden: hidden.data, rows: B, k: k, statistics: &statistics)
            layer.scores(hidden: hidden.data, rows: B, output: scores.data)
            for r in 0..<B { #expect(fast[r].map(\.item) == topK(scores: scores.data + r * N, count: N, k: k).map(\.item)) }
            return statistics
        }
        // Both nodes improbable: no tail is worth a look.
        layer.headBias.value.data[100] = -30
        layer.headBias.value.data[101] = -30
        var s = run(10)
        #expect(s.tailsVisited == 0 && s.tailsSkipped == 2 * B && s.itemsScored == B * 99 && s.skippedTailShare == 1)
        // The first tail dominates: every row visits it and skips the second.
        layer.headBias.value.data[100] = 30
        s = run(10)
        #expect(s.tailsVisited == B && s.tailsSkipped == B && s.itemsScored == B * (99 + 200))
        var ignored = RankingStatistics()
        let dominated = layer.topK(hidden: hidden.data, rows: B, k: 10, statistics: &ignored)
        #expect(dominated.allSatisfy { $0.count == 10 && $0.allSatisfy { (100..<300).contains($0.item) } })
        // Asking for every item visits every tail.
        s = run(N - 1)
        #expect(s.tailsSkipped == 0 && s.itemsSkipped == 0)
    }

    @Test(arguments: [false, true])
    func ranksEqualTheEvaluatorsRankBelowK(withBounds: Bool) {
        var rng = SeededGenerator(seed: 76)
        var mismatches: [String] = []
        var skippedByBound = 0
        for trial in 0..<40 {
            let layer = Self.randomTree(&rng, smallHead: trial % 4 == 0, maximumTail: 300)
            Self.makeTies(layer, &rng)
            let B = 1 + Int(rng.next() % 30), N = layer.itemCount, T = layer.tails.count
            let hidden = LayerTestSupport.normal([B, layer.dimensions], std: [1, 5, 20][trial % 3], &rng)
            let scores = Tensor(shape: [B, N])
            layer.scores(hidden: hidden.data, rows: B, output: scores.data)
            // Targets are often the best items, so that ranks below k are common.
            let targets: [Int32] = (0..<B).map { r in
                rng.next() % 2 == 0 ? Int32(1 + rng.next() % UInt64(N - 1))
                    : Int32(topK(scores: scores.data + r * N, count: N, k: 8).last!.item)
            }
            let bounds = withBounds ? layer.tailBounds() : nil
            for k in [1, 5, 20, N] {
                var statistics = RankingStatistics()
                let ranks = layer.ranks(hidden: hidden.data, targets: targets, rows: B, below: k, bounds: bounds,
                                        statistics: &statistics)
                skippedByBound += statistics.tailsSkippedByBound
                for r in 0..<B {
                    let rank = Evaluator.rank(of: Int(targets[r]), in: scores.data + r * N, count: N)
                    if ranks[r] != (rank < k ? rank : nil) {
                        mismatches.append("trial \(trial) k \(k) row \(r): \(String(describing: ranks[r])) vs \(rank)")
                    }
                }
                #expect(statistics.tailsVisited + statistics.tailsSkipped == B * T)
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) ranks differ, e.g. \(mismatches.prefix(3))")
        #expect(withBounds == (skippedByBound > 0))
    }

    /// Every tail item's log-probability, as `scores` computes it and in Double, is at most its
    /// node's plus the tail's bound for the row; and the bound is close for a near-uniform tail.
    @Test func tailBoundsAreAboveEveryTailItemAndTightForAUniformTail() {
        var rng = SeededGenerator(seed: 77)
        var violations: [String] = []
        for trial in 0..<12 {
            let layer = Self.randomTree(&rng, smallHead: false, maximumTail: trial % 6 == 0 ? 3000 : 300)
            let B = 1 + Int(rng.next() % 6), N = layer.itemCount, C = layer.dimensions, H = layer.headWidth
            let hidden = LayerTestSupport.normal([B, C], std: [1, 4, 16][trial % 3], &rng)
            let scores = Tensor(shape: [B, N])
            layer.scores(hidden: hidden.data, rows: B, output: scores.data)
            let nodes = Array(UnsafeBufferPointer(start: layer.headLogProbabilities(hidden: hidden.data, rows: B), count: B * H))
            let bounds = layer.tailBounds()
            for r in 0..<B {
                let h = (0..<C).map { Double(hidden.data[r * C + $0]) }
                for (t, tail) in layer.tails.enumerated() {
                    let u = TreeReference.affine(h, tail.projection, nil)
                    let bound = u.map(Float.init).withUnsafeBufferPointer { bounds.bound(t, projected: $0.baseAddress!) }
                    let z = TreeReference.affine(u, tail.weight, tail.bias)
                    let exact = z.indices.map { TreeReference.logSoftmax(z, at: $0) }.max()!
                    let node = nodes[r * H + layer.headItemCount + t]
                    let scored = tail.items.map { scores.data[r * N + $0] }.max()!
                    if !(Double(bound) >= exact) || !(scored <= node + bound) {
                        violations.append("trial \(trial) row \(r) tail \(t): bound \(bound), exact \(exact), scored \(scored - node)")
                    }
                }
            }
        }
        #expect(violations.isEmpty, "\(violations.count) bounds below an item, e.g. \(violations.prefix(3))")

        // A tail of 5,000 items whose columns and biases barely differ: every item is near
        // log(1/5000), and the bound is within the margin of it.
        let layer = TreeSoftmax(itemCount: 5100, dimensions: 8, cutoffs: [100, 5100], tailDimensions: [4], rng: &rng)
        for i in 0..<(4 * 5000) { layer.tails[0].weight.value.data[i] *= 1e-3 }
        for i in 0..<5000 { layer.tails[0].bias.value.data[i] *= 1e-3 }
        let u: [Float] = [1, -2, 0.5, 3]
        let bound = u.withUnsafeBufferPointer { layer.tailBounds().bound(0, projected: $0.baseAddress!) }
        #expect(bound > -Float(log(5000.0)) && bound < -Float(log(5000.0)) + 0.02)
    }

    /// A probable node over a wide, flat tail: the node alone cannot skip it, the bound does,
    /// and the top-K and ranks stay those of full scoring.
    @Test func theBoundSkipsAFlatTailThatItsNodeCannot() {
        var rng = SeededGenerator(seed: 78)
        let layer = TreeSoftmax(itemCount: 4100, dimensions: 8, cutoffs: [100, 4100], tailDimensions: [2], rng: &rng)
        for i in 0..<(2 * 4000) { layer.tails[0].weight.value.data[i] *= 0.01 }
        layer.headBias.value.data[100] = 2  // the node holds most of the mass; each tail item ~ 1/4000 of it
        let B = 8, N = 4100
        let hidden = LayerTestSupport.normal([B, 8], &rng)
        let scores = Tensor(shape: [B, N])
        layer.scores(hidden: hidden.data, rows: B, output: scores.data)
        var plain = RankingStatistics(), bounded = RankingStatistics()
        let without = layer.topK(hidden: hidden.data, rows: B, k: 10, statistics: &plain)
        let with = layer.topK(hidden: hidden.data, rows: B, k: 10, bounds: layer.tailBounds(), statistics: &bounded)
        for r in 0..<B {
            let full = topK(scores: scores.data + r * N, count: N, k: 10)
            #expect(with[r].map(\.item) == full.map(\.item) && without[r].map(\.item) == full.map(\.item))
        }
        #expect(plain.tailsSkipped == 0 && bounded.tailsSkippedByBound == B && bounded.tailsVisited == 0)
        let targets = (0..<B).map { Int32(1 + $0) }
        var ranked = RankingStatistics()
        let ranks = layer.ranks(hidden: hidden.data, targets: targets, rows: B, below: 20, bounds: layer.tailBounds(),
                                statistics: &ranked)
        for r in 0..<B {
            let rank = Evaluator.rank(of: Int(targets[r]), in: scores.data + r * N, count: N)
            #expect(ranks[r] == (rank < 20 ? rank : nil))
        }
        #expect(ranked.tailsSkippedByBound > 0)
    }

    @Test func offerKeepsTopKOrderWhateverTheOrderOfChunks() {
        var rng = SeededGenerator(seed: 77)
        for _ in 0..<200 {
            let N = 2 + Int(rng.next() % 120)
            // Quantised scores make ties common; a few NaNs.
            let scores: [Float] = (0..<N).map { _ in rng.next() % 25 == 0 ? .nan : Float(rng.next() % 9) }
            let k = 1 + Int(rng.next() % UInt64(N))
            let expected = scores.withUnsafeBufferPointer { topK(scores: $0.baseAddress!, count: N, k: k) }
            // Chunks of items 1..<N offered in a random order, as tails are.
            var bounds = [1, N] + (0..<3).map { _ in 1 + Int(rng.next() % UInt64(N)) }
            bounds = Array(Set(bounds)).sorted()
            var chunks = Array(zip(bounds, bounds.dropFirst()))
            chunks.shuffle(using: &rng)
            var best: [(item: Int, score: Float)] = []
            for (start, end) in chunks {
                scores.withUnsafeBufferPointer {
                    TreeSoftmax.offer($0.baseAddress! + start, count: end - start, firstItem: start, to: &best, k: k)
                }
            }
            #expect(best.map(\.item) == expected.map(\.item), "\(scores), k \(k)")
        }
    }

    // MARK: Parameters

    @Test(arguments: [
        (13, 4, [4, 8, 13], [3, 2]),
        (54_543, 64, [2000, 10_000, 54_543], [16, 4]),
        (100, 16, [100], [Int]()),
        (50, 8, [2, 10, 20, 30, 50], [8, 4, 2, 1]),
    ])
    func parameterCountAndNamesFollowTheFormula(items N: Int, dimensions C: Int, cutoffs: [Int], tailDimensions: [Int]) {
        var rng = SeededGenerator(seed: 78)
        let layer = TreeSoftmax(itemCount: N, dimensions: C, cutoffs: cutoffs, tailDimensions: tailDimensions, rng: &rng)
        let n = cutoffs.count, H = cutoffs[0] + n - 1
        var expected = C * H + H
        var names = ["output.head.weight", "output.head.bias"]
        for t in 0..<(n - 1) {
            let d = tailDimensions[t], k = cutoffs[t + 1] - cutoffs[t]
            expected += C * d + d * k + k
            names += ["output.tails.\(t).projection", "output.tails.\(t).weight", "output.tails.\(t).bias"]
            #expect(layer.tails[t].projection.shape == [C, d] && layer.tails[t].weight.shape == [d, k])
            #expect(layer.tails[t].bias.shape == [k])
            let bound = 1 / Float(d).squareRoot()
            #expect(layer.tails[t].weight.value.values.allSatisfy { abs($0) <= bound })
        }
        #expect(layer.parameterCount == expected)
        #expect(layer.namedWeights(prefix: "output").map(\.name) == names)
        #expect(layer.headWeight.shape == [C, H] && layer.headBias.shape == [H])
        #expect(layer.headWeight.value.values.allSatisfy { abs($0) <= 1 / Float(C).squareRoot() })
    }
}
