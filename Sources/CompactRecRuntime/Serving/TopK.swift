import CKernels

/// The K best-scored items of one score row other than padding (item 0), best first (ties: lower
/// index first; NaN scores never enter).
///
/// One pass with a small sorted buffer (`ck_top_k`): an item enters only if it beats the current
/// K-th, which after the first few hundred items is rare, and eight scores are tested at once,
/// so the cost is ~N/8 compares.
public func topK(scores: UnsafePointer<Float>, count N: Int, k: Int) -> [(item: Int, score: Float)] {
    guard k > 0, N > 1 else { return [] }
    var items = [Int32](repeating: 0, count: k), values = [Float](repeating: 0, count: k)
    let found = ck_top_k(scores, 1, N, k, &items, &values)
    return (0..<found).map { (Int(items[$0]), values[$0]) }
}

/// `topK(scores:count:k:)` skipping the items `skip` names (e.g. padding and the history).
public func topK(
    scores: UnsafePointer<Float>, count N: Int, k: Int, skip: (Int) -> Bool
) -> [(item: Int, score: Float)] {
    guard k > 0 else { return [] }
    var best: [(item: Int, score: Float)] = []
    best.reserveCapacity(k + 1)
    var threshold = -Float.infinity
    for i in 0..<N {
        let s = scores[i]
        if best.count == k && !(s > threshold) { continue }
        if skip(i) || s.isNaN { continue }
        var position = best.count
        while position > 0 && best[position - 1].score < s { position -= 1 }
        best.insert((i, s), at: position)
        if best.count > k { best.removeLast() }
        if best.count == k { threshold = best[k - 1].score }
    }
    return best
}

/// How many items (padding excluded) score strictly higher than `target`; a NaN target score
/// ranks last, so a broken score never counts as a hit. scores: [N].
public func rank(of target: Int, in scores: UnsafePointer<Float>, count N: Int) -> Int {
    let s = scores[target]
    if s.isNaN { return N }
    return Kernels.countAbove(scores + 1, count: N - 1, s)
}
