/// Ranks a target by scoring the items a block at a time, in vocabulary order (most frequent in
/// training first), and stopping as soon as `k` items beat it: most targets are not in the top
/// `k`, and the popular items that beat them come first, so a ranking reads a small part of the
/// catalogue (on Beauty, 5 %). The answer is exactly `rank(of:in:count:)` over the scores that
/// `score` writes for every item, which must not depend on the range they are written in (the
/// row-wise kernels'). Used by the output layers' `ranks` when pruning is asked for.
///
/// Shape legend: N items (padding included).
enum BlockwiseRanking {
    /// Items scored between two checks of the count.
    static let blockRows = ItemBlockBounds.defaultBlockRows

    /// The target's rank (items other than padding scored strictly higher) when below `k`, nil
    /// otherwise. `score(range, row)` writes the scores of items `range` into `row[range]`;
    /// row: [N], scratch. `skips(j, s)`, when given, says that no item of block `j` can score
    /// above `s` (`ItemBlockBounds`).
    static func rank(
        items N: Int, target: Int, below k: Int, blockRows: Int = blockRows, row: UnsafeMutablePointer<Float>,
        score: (Range<Int>, UnsafeMutablePointer<Float>) -> Void, skips: ((Int, Float) -> Bool)? = nil,
        statistics: inout RankingStatistics
    ) -> Int? {
        precondition(target >= 0 && target < N, "target \(target) of \(N)")
        statistics.rows += 1
        score(target..<(target + 1), row)
        let s = row[target]
        if s.isNaN { return N < k ? N : nil }  // as `rank(of:in:count:)`: a NaN target ranks last
        var above = 0
        for j in 0..<((N + blockRows - 1) / blockRows) {
            let range = max(j * blockRows, 1)..<min(N, (j + 1) * blockRows)
            if range.isEmpty { continue }
            if let skips, skips(j, s) {
                statistics.itemsSkipped += range.count
                statistics.itemsSkippedByBound += range.count
                continue
            }
            score(range, row)
            above += Kernels.countAbove(row + range.lowerBound, count: range.count, s)
            statistics.itemsScored += range.count
            if above >= k {
                statistics.itemsSkipped += N - range.upperBound
                return nil
            }
        }
        return above
    }

    /// `rank` for each of `B` rows of `hidden`, `score(h, range, row)` scoring history h's items.
    /// hidden: [B, C]; targets: [B]; scratch: [B, N].
    static func ranks(
        items N: Int, hidden: UnsafePointer<Float>, columns C: Int, rows B: Int, targets: UnsafePointer<Int32>, below k: Int,
        scratch: UnsafeMutablePointer<Float>, statistics: inout RankingStatistics,
        score: @escaping (UnsafePointer<Float>, Range<Int>, UnsafeMutablePointer<Float>) -> Void
    ) -> [Int?] {
        ranks(items: N, rows: B, targets: targets, below: k, scratch: scratch, statistics: &statistics) { r, row, statistics in
            rank(items: N, target: Int(targets[r]), below: k, row: row, score: { score(hidden + r * C, $0, $1) }, statistics: &statistics)
        }
    }

    /// `rank` for each of `B` rows, threads splitting the rows, the statistics summed.
    /// hidden: [B, C]; targets: [B]; scratch: [B, N]. `score(r, range, row)` scores row r's items.
    static func ranks(
        items N: Int, rows B: Int, targets: UnsafePointer<Int32>, below k: Int, scratch: UnsafeMutablePointer<Float>,
        statistics: inout RankingStatistics,
        rank: (_ r: Int, _ row: UnsafeMutablePointer<Float>, _ statistics: inout RankingStatistics) -> Int?
    ) -> [Int?] {
        var found = [Int?](repeating: nil, count: B)
        var counts = [RankingStatistics](repeating: RankingStatistics(), count: B)
        found.withUnsafeMutableBufferPointer { found in
            counts.withUnsafeMutableBufferPointer { counts in
                Parallel.forEachChunk(B) { chunk in
                    for r in chunk { found[r] = rank(r, scratch + r * N, &counts[r]) }
                }
            }
        }
        for c in counts {
            statistics.rows += c.rows
            statistics.itemsScored += c.itemsScored
            statistics.itemsSkipped += c.itemsSkipped
            statistics.itemsSkippedByBound += c.itemsSkippedByBound
        }
        return found
    }
}

/// An output layer that scores one history against any range of its items, an item's score the
/// same bits whatever the range it is scored in: when pruning is asked for, it ranks blockwise
/// (`BlockwiseRanking`), and otherwise scores every item (`ranksScoringEverything`).
public protocol RangeScoringOutputLayer: OutputLayer {
    /// row[range] = the scores of the items `range` for the history h. h: [C]; row: [N].
    func scores(history h: UnsafePointer<Float>, items range: Range<Int>, into row: UnsafeMutablePointer<Float>)
}

extension RangeScoringOutputLayer {
    public func ranks(
        hidden: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows B: Int, below k: Int, pruning: RankingPruning,
        statistics: inout RankingStatistics
    ) -> [Int?] {
        guard pruning != .none else { return ranksScoringEverything(hidden: hidden, targets: targets, rows: B, below: k) }
        let N = itemCount
        return BlockwiseRanking.ranks(items: N, hidden: hidden, columns: dimensions, rows: B, targets: targets, below: k,
                                      scratch: rankingScratch.ensure(B * N), statistics: &statistics) { h, range, row in
            self.scores(history: h, items: range, into: row)
        }
    }
}
