import Foundation

/// Sizes a compressed item table for a target compression ratio (`--input-ratio`, `--output-ratio`).
///
/// A table's ratio is `N·C / P`, P its parameters (for an output layer's item matrix, without
/// the `[N]` bias, which every output layer has). Each method has one size knob; every value of
/// it in its valid range is tried and the one whose ratio is closest to the target R on a log
/// scale (|ln(ratio / R)|) wins; ties go to the larger table, then to the first value tried:
///
/// | method | P | knob, values tried |
/// |---|---|---|
/// | memcom | m·C + N | buckets m = 1 … N − 1 |
/// | hashing | m·C | buckets m = 1 … N − 1 |
/// | qr | (⌈N/c⌉ + c)·C | collisions c = 1 … N (the smaller c of two equal ratios) |
/// | low-rank | N·r + r·C | rank r = 1 … C |
/// | mixed-dim | k_0·C + Σ (k_j·d_j + d_j·C) | α = 0, 0.01, …, 10 (d_j from the frequencies) |
/// | jpq | 256·C (+ N·m code bytes) | none: sized by its splits m, not by a ratio |
/// | block-adaptive | k_0·C + Σ (k_j·d_j + d_j·C), d_j = ⌊C / f^j⌋ | rank divisor f = 1, 1.05, 1.1, … C |
///
/// A target outside the ratios the knob's range reaches is an error that names that range
/// (e.g. memcom never exceeds `N·C / (C + N)`, below C). Other knobs (hash, operation) keep
/// the values given.
public enum TableSizing {
    /// `settings` with the size knob of `kind` chosen for the ratio closest to `ratio`
    /// (mixed-dim: α and the widths it gives).
    ///
    /// - Parameters:
    ///   - clusters, frequencies: the popularity buckets and each item's training frequency, for mixed-dim.
    ///   - source: the flag that asked, named by errors.
    /// - Throws: ``InputError`` naming `source` when the ratio is not a positive number or out of reach.
    public static func sized(
        _ kind: ItemTableKind, ratio R: Double, settings: ItemTableSettings, itemCount N: Int, dimensions C: Int,
        clusters: ItemClusters? = nil, frequencies: [Int]? = nil, source: String
    ) throws -> ItemTableSettings {
        try checkRatio(R, source: source)
        return try kind.variant.sized(ratio: R, settings: settings, itemCount: N, dimensions: C, clusters: clusters,
                                      frequencies: frequencies, source: source)
    }

    /// The rank divisors tried: 1 to C by 0.05. Whole divisors alone jump from ratio to ratio
    /// (on five clusters of a 64-wide table, f = 1 keeps the table whole and f = 2 is already 10.5×).
    static func rankDivisors(dimensions C: Int) -> [Double] { (20...(20 * C)).map { Double($0) / 20 } }

    /// The rank divisor f of a block-adaptive input whose ratio is closest to `ratio`.
    public static func rankDivisor(ratio R: Double, clusters: ItemClusters, dimensions C: Int, source: String) throws -> Double {
        try checkRatio(R, source: source)
        let N = clusters.itemCount
        return try closest(rankDivisors(dimensions: C), ratio: R, reference: N * C,
                           what: "the block-adaptive table for N = \(N), C = \(C), cut-offs \(clusters.cutoffs)",
                           knob: "rank divisor", source: source) {
            ItemTableSettings.blockParameterCount(
                clusters: clusters, dimensions: C, widths: clusters.dimensions(embeddingSize: C, divisor: $0))
        }
    }

    private static func checkRatio(_ R: Double, source: String) throws {
        guard R > 0 && R.isFinite else {
            throw InputError(source: source, "expected a positive compression ratio such as 16, got \(R)")
        }
    }

    /// The knob whose ratio `reference / parameters(knob)` is closest to R (see the type's rule).
    static func closest<Knob>(
        _ knobs: [Knob], ratio R: Double, reference: Int, what: String, knob name: String, source: String,
        parameters: (Knob) -> Int
    ) throws -> Knob {
        precondition(!knobs.isEmpty)
        var best = 0, bestDistance = Double.infinity, bestParameters = 0
        var lowest = (ratio: Double.infinity, knob: knobs[0]), highest = (ratio: 0.0, knob: knobs[0])
        for (i, knob) in knobs.enumerated() {
            let p = parameters(knob)
            let ratio = Double(reference) / Double(p)
            if ratio < lowest.ratio { lowest = (ratio, knob) }
            if ratio > highest.ratio { highest = (ratio, knob) }
            let distance = abs(log(ratio / R))
            if distance < bestDistance || (distance == bestDistance && p > bestParameters) {
                (best, bestDistance, bestParameters) = (i, distance, p)
            }
        }
        let slack = 1e-9
        guard R <= highest.ratio * (1 + slack) && R >= lowest.ratio * (1 - slack) else {
            throw InputError(source: source, String(
                format: "%@ is out of reach of %@: its ratio N·C / parameters goes from %.3fx (%@ %@) to %.3fx (%@ %@)",
                "\(R)", what, lowest.ratio, name, "\(lowest.knob)", highest.ratio, name, "\(highest.knob)"))
        }
        return knobs[best]
    }
}
