/// Re-expresses evaluation cases indexed by one vocabulary in another (a saved model's), by
/// original item id.
public struct MappedCases: Sendable {
    public var cases: [EvaluationCase]
    /// Cases whose target the model does not know: they cannot be ranked and count as misses.
    public var unknownTargets: Int
    /// History items the model does not know: dropped from the histories.
    public var unknownHistoryItems: Int
}

public func mapCases(_ cases: [EvaluationCase], from source: Vocabulary, to model: Vocabulary) -> MappedCases {
    var table = [Int32](repeating: 0, count: source.count)
    for i in 1..<source.count { table[i] = model.index(of: source.originalIds[i]) ?? 0 }
    var out: [EvaluationCase] = []
    out.reserveCapacity(cases.count)
    var unknownTargets = 0, unknownHistory = 0
    for c in cases {
        let target = table[Int(c.target)]
        if target == 0 {
            unknownTargets += 1
            continue
        }
        var history: [Int32] = []
        history.reserveCapacity(c.history.count)
        for item in c.history {
            let mapped = table[Int(item)]
            if mapped == 0 { unknownHistory += 1 } else { history.append(mapped) }
        }
        out.append(EvaluationCase(history: history, target: target))
    }
    return MappedCases(cases: out, unknownTargets: unknownTargets, unknownHistoryItems: unknownHistory)
}
