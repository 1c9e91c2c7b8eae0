// Exact early-stop ranking for `TreeSoftmax`. Shape legend as in TreeSoftmax.swift; K = top-K cut-off.

/// How much of the catalogue a ranking scored and skipped, accumulated over calls. Layers that
/// score every item leave it untouched; the tree softmax's early stop counts tails and items.
public struct RankingStatistics: Sendable, Equatable {
    /// Rows ranked.
    public var rows = 0
    /// (row, tail) pairs whose tail was scored, and those skipped: they add up to rows · (n − 1).
    public var tailsVisited = 0
    public var tailsSkipped = 0
    /// Of the skipped pairs, those a tail bound skipped while the row went on to later tails
    /// (the rest ended with their row, at a node below the row's threshold).
    public var tailsSkippedByBound = 0
    /// Items other than padding whose log-probability was computed (every head item of every
    /// row, and the items of each visited tail), and those skipped: they add up to rows · (N − 1).
    public var itemsScored = 0
    public var itemsSkipped = 0
    /// Of the skipped items, those a block bound skipped (`ItemBlockBounds`; the rest ended with
    /// their row, once k items beat its target).
    public var itemsSkippedByBound = 0

    public init() {}

    /// The share of (row, tail) pairs skipped; 0 when there are none.
    public var skippedTailShare: Double {
        let all = tailsVisited + tailsSkipped
        return all == 0 ? 0 : Double(tailsSkipped) / Double(all)
    }

    /// The share of (row, tail) pairs a tail bound skipped; 0 when there are none.
    public var boundSkippedTailShare: Double {
        let all = tailsVisited + tailsSkipped
        return all == 0 ? 0 : Double(tailsSkippedByBound) / Double(all)
    }

    /// The share of item scores a block bound skipped; 0 when there are none.
    public var boundSkippedItemShare: Double {
        let all = itemsScored + itemsSkipped
        return all == 0 ? 0 : Double(itemsSkippedByBound) / Double(all)
    }

    /// The share of item scores skipped; 0 when there are none.
    public var skippedItemShare: Double {
        let all = itemsScored + itemsSkipped
        return all == 0 ? 0 : Double(itemsSkipped) / Double(all)
    }
}

extension TreeSoftmax {
    /// `OutputLayer`'s ranking, with the early stop: the tail bounds are the ones kept for the
    /// current weights (`currentTailBounds()`).
    public func topK(
        hidden: UnsafePointer<Float>, rows B: Int, k: Int, pruning: RankingPruning, statistics: inout RankingStatistics
    ) -> [[ScoredItem]] {
        switch pruning {
        case .none: return topKScoringEverything(hidden: hidden, rows: B, k: k, normalizing: false)  // log-probabilities already
        case .nodeRule: return topK(hidden: hidden, rows: B, k: k, bounds: nil, statistics: &statistics)
        case .tailBounds: return topK(hidden: hidden, rows: B, k: k, bounds: currentTailBounds(), statistics: &statistics)
        }
    }

    public func ranks(
        hidden: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows B: Int, below k: Int, pruning: RankingPruning,
        statistics: inout RankingStatistics
    ) -> [Int?] {
        switch pruning {
        case .none: return ranksScoringEverything(hidden: hidden, targets: targets, rows: B, below: k)
        case .nodeRule: return ranks(hidden: hidden, targets: targets, rows: B, below: k, bounds: nil, statistics: &statistics)
        case .tailBounds:
            return ranks(hidden: hidden, targets: targets, rows: B, below: k, bounds: currentTailBounds(), statistics: &statistics)
        }
    }

    /// The `k` most probable items of each row, best first, ties to the lower index — exactly what
    /// `topK(scores:count:k:)` returns for that row of `scores(hidden:rows:output:)`, the same
    /// items, order and score bits, never padding — while scoring only the tails that can reach
    /// the top `k`. hidden: [B, C]. (The same rows, that is: like any GEMM, the head's may round
    /// a row differently in a batch of another size.)
    ///
    /// The head is scored for all rows (one GEMM) and gives each row its `k` best head items.
    /// Then each row visits its tails in descending node log-probability. A tail item's
    /// log-probability never exceeds its node's, so once a node is below the row's current k-th
    /// best, neither that tail nor any later one can enter, and the row stops. Rows advance in
    /// rounds, and in each round all rows visiting one tail are scored together: a gather and
    /// two matrix products (`rowProducts`), however many rows there are.
    ///
    /// With `bounds` (taken from the current weights, see `TreeSoftmaxTailBounds`), a tail whose
    /// node log-probability plus its bound for the row is below the k-th best is skipped too,
    /// and the row goes on to its next tail.
    public func topK(
        hidden: UnsafePointer<Float>, rows B: Int, k: Int, bounds: TreeSoftmaxTailBounds? = nil,
        statistics: inout RankingStatistics
    ) -> [[(item: Int, score: Float)]] {
        var best = [[(item: Int, score: Float)]](repeating: [], count: B)
        guard B > 0 && k > 0 else { return best }
        let H = headWidth, c1 = headItemCount
        let head = headLogProbabilities(hidden: hidden, rows: B)
        best.withUnsafeMutableBufferPointer { best in
            Self.forEachRowChunk(B, width: c1) { _, rows in
                for r in rows { best[r] = CompactRecRuntime.topK(scores: head + r * H, count: c1, k: k) }
            }
            visitTails(
                hidden: hidden, rows: B, headLogProbabilities: head, bounds: bounds, statistics: &statistics,
                stop: { r, node in best[r].count == k && node < best[r][k - 1].score },
                merge: { r, t, logProbabilities in
                    Self.offer(logProbabilities, count: tails[t].items.count, firstItem: tails[t].items.lowerBound,
                               to: &best[r], k: k)
                })
        }
        return best
    }

    /// Each row's target rank as `Evaluator.rank(of:in:count:)` counts it on `scores` — the items
    /// other than padding with a strictly higher log-probability — when it is below `k`; nil for
    /// any rank of `k` or more, and for a NaN target score (`Evaluator.rank` makes that a miss).
    /// hidden: [B, C]; targets: [B], none of them padding.
    ///
    /// HR, NDCG and MRR are all truncated at their cut-off, so for every cut-off ≤ `k` nil is a
    /// miss and the metrics equal those of full scoring; evaluate with `k` = the largest cut-off.
    ///
    /// The target's log-probability comes first: the head for all rows, then each tail for the
    /// rows whose target it holds (scored together, as in training). The head items above it are
    /// counted, and the other tails visited in descending node log-probability as in
    /// `topK(hidden:…)`; a row stops once `k` items are above its target, or at a node not above
    /// the target's log-probability (nothing in that tail or a later one can be). With `bounds`,
    /// a tail whose node plus bound is not above the target's log-probability is skipped too.
    public func ranks(
        hidden: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows B: Int, below k: Int,
        bounds: TreeSoftmaxTailBounds? = nil, statistics: inout RankingStatistics
    ) -> [Int?] {
        guard B > 0 else { return [] }
        let H = headWidth, c1 = headItemCount
        let head = headLogProbabilities(hidden: hidden, rows: B)
        var byTail = [[Int32]](repeating: [], count: tails.count)
        var score = [Float](repeating: .nan, count: B), above = [Int](repeating: 0, count: B)
        for r in 0..<B {
            let x = Int(targets[r])
            precondition(x > 0 && x < itemCount, "target \(x) outside 1..<\(itemCount)")
            if let t = tailIndex(of: x) { byTail[t].append(Int32(r)) } else { score[r] = head[r * H + x] }
        }
        score.withUnsafeMutableBufferPointer { score in
            above.withUnsafeMutableBufferPointer { above in
                for t in tails.indices where !byTail[t].isEmpty {
                    let first = tails[t].items.lowerBound, size = tails[t].items.count
                    scoreGroup(t, rows: byTail[t], hidden: hidden, headLogProbabilities: head) { r, logProbabilities in
                        let s = logProbabilities[Int(targets[r]) - first]
                        score[r] = s
                        above[r] = Self.count(logProbabilities, count: size, above: s)
                    }
                }
                Self.forEachRowChunk(B, width: c1) { _, rows in
                    for r in rows { above[r] += Self.count(head + r * H + 1, count: c1 - 1, above: score[r]) }
                }
                visitTails(
                    hidden: hidden, rows: B, headLogProbabilities: head, bounds: bounds,
                    alreadyVisited: { self.tailIndex(of: Int(targets[$0])) }, statistics: &statistics,
                    stop: { r, node in above[r] >= k || !(node > score[r]) },
                    merge: { r, t, logProbabilities in
                        above[r] += Self.count(logProbabilities, count: tails[t].items.count, above: score[r])
                    })
            }
        }
        return (0..<B).map { r in score[r].isNaN || above[r] >= k ? nil : above[r] }
    }

    /// The batched early stop shared by `topK` and `ranks`.
    ///
    /// Row r visits its tails in descending node log-probability (ties: lower tail first), one per
    /// round, except `alreadyVisited(r)`, a tail its caller has scored. Before each visit, after
    /// the earlier rounds are merged, `stop(r, nodeLogProbability)` may end the row: that tail and
    /// every later one are skipped. Otherwise, with `bounds`, `stop(r, node + bound)` skips that
    /// tail alone: `stop(r, x)` must mean "nothing at or below log-probability x can matter to
    /// row r". Each round scores each tail once for all its visiting rows,
    /// and `merge(r, t, logProbabilities)` receives row r's log p over tail t's items; it runs
    /// on worker threads, rows of one tail in parallel, so it must touch only row r's state.
    private func visitTails(
        hidden: UnsafePointer<Float>, rows B: Int, headLogProbabilities head: UnsafePointer<Float>,
        bounds: TreeSoftmaxTailBounds?, alreadyVisited: (Int) -> Int? = { _ in nil },
        statistics: inout RankingStatistics, stop: (Int, Float) -> Bool, merge: (Int, Int, UnsafePointer<Float>) -> Void
    ) {
        let T = tails.count, H = headWidth, c1 = headItemCount, C = dimensions
        var tailsVisited = 0, tailsSkippedByBound = 0, itemsScored = B * (c1 - 1)
        // [d_j] one row's projection for its bound: a tail's scoring reuses the workspaces.
        var projection = [Float](repeating: 0, count: bounds == nil ? 0 : tails.map(\.dimensions).max() ?? 0)
        var order = [Int](repeating: 0, count: B * T)
        for r in 0..<B {
            let nodes = head + r * H + c1, o = r * T
            for t in 0..<T {  // insertion sort: T is a handful
                var p = t
                while p > 0 && nodes[t] > nodes[order[o + p - 1]] {
                    order[o + p] = order[o + p - 1]
                    p -= 1
                }
                order[o + p] = t
            }
            if let t = alreadyVisited(r) {
                tailsVisited += 1
                itemsScored += tails[t].items.count
            }
        }
        var live = [Bool](repeating: true, count: B), liveCount = B
        var groups = [[Int32]](repeating: [], count: T)
        for round in 0..<T where liveCount > 0 {
            for t in 0..<T { groups[t].removeAll(keepingCapacity: true) }
            for r in 0..<B where live[r] {
                let t = order[r * T + round]
                if t == alreadyVisited(r) { continue }
                let node = head[r * H + c1 + t]
                if stop(r, node) {
                    live[r] = false
                    liveCount -= 1
                    continue
                }
                if let bounds {
                    let q = tails[t].projection.value.data, d = tails[t].dimensions
                    let bound = projection.withUnsafeMutableBufferPointer { u in
                        Self.rowProducts(hidden + r * C, lda: C, rows: 1, inner: C, q, ldb: d, columns: d, into: u.baseAddress!, ldo: d)
                        return bounds.bound(t, projected: u.baseAddress!)
                    }
                    if bound.isFinite && stop(r, node + bound) {
                        tailsSkippedByBound += 1
                        continue
                    }
                }
                groups[t].append(Int32(r))
            }
            for t in 0..<T where !groups[t].isEmpty {
                scoreGroup(t, rows: groups[t], hidden: hidden, headLogProbabilities: head) { r, logProbabilities in
                    merge(r, t, logProbabilities)
                }
                tailsVisited += groups[t].count
                itemsScored += groups[t].count * tails[t].items.count
            }
        }
        statistics.rows += B
        statistics.tailsVisited += tailsVisited
        statistics.tailsSkipped += B * T - tailsVisited
        statistics.tailsSkippedByBound += tailsSkippedByBound
        statistics.itemsScored += itemsScored
        statistics.itemsSkipped += B * (itemCount - 1) - itemsScored
    }

    /// Tail t's log-probabilities for the given rows at once: gather their hidden states and
    /// node log-probabilities, then `tailLogProbabilities`; `body(r, logProbabilities)` per row.
    private func scoreGroup(
        _ t: Int, rows: [Int32], hidden: UnsafePointer<Float>, headLogProbabilities head: UnsafePointer<Float>,
        _ body: (Int, UnsafePointer<Float>) -> Void
    ) {
        let C = dimensions, H = headWidth, node = headItemCount + t, k = tails[t].items.count, Mj = rows.count
        let x = tailHidden.ensure(Mj * C), nodes = tailNodes.ensure(Mj)
        for (i, r) in rows.enumerated() {
            (x + i * C).update(from: hidden + Int(r) * C, count: C)
            nodes[i] = head[Int(r) * H + node]
        }
        tailLogProbabilities(
            t, hidden: x, rows: Mj, nodeLogProbabilities: nodes, nodeStride: 1, output: tailLogits.ensure(Mj * k),
            outputStride: k
        ) { i, logProbabilities in body(Int(rows[i]), logProbabilities) }
    }

    /// Offers items `firstItem ..< firstItem + n` with log-probabilities `scores` to `best`, a
    /// best-first list of at most `k`, in the order `topK(scores:count:k:)` gives: higher score
    /// first, then lower item. NaN never enters. Tails arrive in any item order, so unlike that
    /// scan an item may displace an equal score of a higher item.
    static func offer(
        _ scores: UnsafePointer<Float>, count n: Int, firstItem: Int, to best: inout [(item: Int, score: Float)], k: Int
    ) {
        var threshold = best.count == k ? best[k - 1].score : -.infinity
        var i = 0
        while i < n {
            // Most items fall below the k-th best: skip them a block at a time.
            if best.count == k && i % 256 == 0 && Kernels.maximum(scores + i, count: min(256, n - i)) < threshold {
                i += 256
                continue
            }
            let s = scores[i], item = firstItem + i
            i += 1
            if best.count == k {
                if !(s >= threshold) || (s == threshold && item > best[k - 1].item) { continue }
            } else if s.isNaN {
                continue
            }
            var position = best.count
            while position > 0 && (best[position - 1].score < s || (best[position - 1].score == s && best[position - 1].item > item)) {
                position -= 1
            }
            best.insert((item, s), at: position)
            if best.count > k { best.removeLast() }
            if best.count == k { threshold = best[k - 1].score }
        }
    }

    /// How many of `x[0..<n]` are strictly greater than `s` (none when `s` is NaN).
    static func count(_ x: UnsafePointer<Float>, count n: Int, above s: Float) -> Int {
        Kernels.countAbove(x, count: n, s)
    }
}
