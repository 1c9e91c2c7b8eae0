import CKernels

/// Upper bounds on the scores of blocks of consecutive items, so that a ranking can skip a block
/// none of whose items can change its answer (block-max pruning, as RecJPQPrune and PQTopK
/// prune). For a history `h` and block `j`, every item `i` of the block scores
/// `bias[i] + h · w_i ≤ bound(j)`, where
///
///     bound(j) = maxBias(j) + min(Σ_c max(h_c · lo_jc, h_c · hi_jc), ‖h‖ · max‖w‖(j)) + margin(j)
///
/// with `lo`, `hi` the block's per-column minimum and maximum (the box its rows lie in),
/// `max‖w‖` its largest row norm (Cauchy–Schwarz: the tighter of the two is taken), and
/// `margin(j)` what the scoring kernels may round a score up by (the integer kernels' 16-bit
/// rounding of the history, Float sums): a block is skipped only when none of its items can
/// score above the threshold *as the kernels score it*, so a pruned ranking is exactly the
/// ranking of scoring every item.
///
/// Items are in vocabulary order, most frequent in training first, so a block holds items of
/// like popularity; the blocks that get skipped are those of rare items, whose biases are low.
/// Memory: `2·C + 3` floats a block (at `C = 64` and 128 rows a block, 1 byte an item).
///
/// Shape legend: N items (padding included), C columns, J blocks.
public final class ItemBlockBounds: Sendable {
    /// Rows a block holds unless given: small enough to skip finely, large enough that a
    /// block's bound (2·C products) costs little beside scoring it (128·C). Chosen, not tuned:
    /// other sizes were not measured.
    public static let defaultBlockRows = 128

    public let rows: Int
    public let columns: Int
    public let blockRows: Int
    /// J
    public var blocks: Int { (rows + blockRows - 1) / blockRows }
    /// [J, C]: each block's per-column minimum and maximum.
    let lower: [Float], upper: [Float]
    /// [J]: the largest row norm, the largest bias, and Σ_c max(|lo_jc|, |hi_jc|) (for the margin).
    let largestNorm: [Float], largestBias: [Float], magnitudeSum: [Float]

    /// Bounds of the `[N, C]` item rows that `row(i, out)` writes (as the scoring kernels see
    /// them: dequantized) and their bias (nil: none).
    public init(
        rows N: Int, columns C: Int, blockRows: Int = ItemBlockBounds.defaultBlockRows, bias: UnsafePointer<Float>?,
        row: (Int, UnsafeMutablePointer<Float>) -> Void
    ) {
        precondition(N >= 0 && C >= 1 && blockRows >= 1, "\(N) rows of \(C), blocks of \(blockRows)")
        rows = N
        columns = C
        self.blockRows = blockRows
        let J = (N + blockRows - 1) / blockRows
        var lower = [Float](repeating: .infinity, count: J * C), upper = [Float](repeating: -.infinity, count: J * C)
        var norm = [Float](repeating: 0, count: J), largestBias = [Float](repeating: -.infinity, count: J)
        var values = [Float](repeating: 0, count: C)
        for i in 0..<N {
            let j = i / blockRows
            values.withUnsafeMutableBufferPointer { row(i, $0.baseAddress!) }
            var squares: Float = 0
            for c in 0..<C {
                let v = values[c]
                lower[j * C + c] = min(lower[j * C + c], v)
                upper[j * C + c] = max(upper[j * C + c], v)
                squares += v * v
            }
            norm[j] = max(norm[j], squares.squareRoot())
            largestBias[j] = max(largestBias[j], bias?[i] ?? 0)
        }
        self.lower = lower
        self.upper = upper
        // Rounded up a little, so that the Float rounding of a norm never makes the bound too low.
        largestNorm = norm.map { $0 * (1 + 0x1p-16) }
        self.largestBias = largestBias
        magnitudeSum = (0..<J).map { j in (0..<C).reduce(Float(0)) { $0 + max(abs(lower[j * C + $1]), abs(upper[j * C + $1])) } }
    }

    /// out[j] = bound(j) for the history h. h: [C]; out: [J].
    public func bounds(history h: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let query = Query(h, columns: columns)
        for j in 0..<blocks { out[j] = bound(j, query) }
    }

    /// What the bounds need of a history beyond its values: its norm and largest magnitude.
    struct Query {
        let h: UnsafePointer<Float>
        /// ‖h‖, rounded up a little.
        let norm: Float
        /// max_c |h_c| times what the kernels may round a score by, relative to max|h| · Σ|w|:
        /// the integer kernels move each history value by at most max|h| / 65534; Float sums of
        /// C products and the bias add a few units of 2^-24 of the magnitudes summed.
        let rounding: Float

        init(_ h: UnsafePointer<Float>, columns C: Int) {
            var squares: Float = 0, largest: Float = 0
            for c in 0..<C {
                squares += h[c] * h[c]
                largest = max(largest, abs(h[c]))
            }
            self.h = h
            norm = squares.squareRoot() * (1 + 0x1p-16)
            rounding = largest * (1 / Float(65534) + 1e-5 + Float(C) * 0x1p-23)
        }
    }

    /// bound(j) for a history: computed when a ranking reaches block j, so that a ranking that
    /// stops early pays for the bounds of the blocks it reached only.
    @inline(__always)
    func bound(_ j: Int, _ q: Query) -> Float {
        let C = columns
        let box = lower.withUnsafeBufferPointer { lo in
            upper.withUnsafeBufferPointer { hi in ck_box_bound(q.h, C, lo.baseAddress! + j * C, hi.baseAddress! + j * C) }
        }
        return largestBias[j] + min(box, q.norm * largestNorm[j]) + q.rounding * magnitudeSum[j] + 1e-5 * abs(largestBias[j])
            + Float.leastNormalMagnitude
    }

    /// The `k` best items other than padding by the scores `score` writes, best first, ties to
    /// the lower index: exactly `topK(scores:count:k:)` over every item's score, scoring only the
    /// blocks whose bound exceeds the current k-th best. `score(range, row)` writes the scores of
    /// items `range` into `row[range]`; row: [N], scratch. h: [C].
    public func topK(
        history h: UnsafePointer<Float>, k: Int, row: UnsafeMutablePointer<Float>,
        score: (Range<Int>, UnsafeMutablePointer<Float>) -> Void, statistics: inout RankingStatistics
    ) -> [ScoredItem] {
        guard k > 0, rows > 1 else { return [] }
        let query = Query(h, columns: columns)
        var items = [Int32](repeating: 0, count: k), values = [Float](repeating: 0, count: k)
        var count = 0
        for j in 0..<blocks {
            let range = max(j * blockRows, 1)..<min(rows, (j + 1) * blockRows)
            if range.isEmpty { continue }
            if count == k && !(bound(j, query) > values[k - 1]) {
                statistics.itemsSkipped += range.count
                statistics.itemsSkippedByBound += range.count
                continue
            }
            score(range, row)
            count = ck_top_k_add(row + range.lowerBound, range.count, range.lowerBound, k, &items, &values, count)
            statistics.itemsScored += range.count
        }
        statistics.rows += 1
        return (0..<count).map { (Int(items[$0]), values[$0]) }
    }

    /// The target's rank when below `k`, nil otherwise: `BlockwiseRanking.rank`, skipping the
    /// blocks whose bound does not exceed the target's score. Arguments as `topK`'s.
    public func rank(
        history h: UnsafePointer<Float>, target: Int, below k: Int, row: UnsafeMutablePointer<Float>,
        score: (Range<Int>, UnsafeMutablePointer<Float>) -> Void, statistics: inout RankingStatistics
    ) -> Int? {
        let query = Query(h, columns: columns)
        return BlockwiseRanking.rank(items: rows, target: target, below: k, blockRows: blockRows, row: row, score: score,
                                     skips: { j, s in !(self.bound(j, query) > s) }, statistics: &statistics)
    }
}
