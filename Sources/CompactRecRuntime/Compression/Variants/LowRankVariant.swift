/// Low-rank factorisation (METHODS §5): `LowRankEmbedding`, `N·r + r·C` parameters for a rank
/// r (`rank`, 1 … C).
public enum LowRankVariant: ItemTableVariant {
    public static let kind = ItemTableKind.lowRank
    public static let sizeKnob = "rank"
    public static let knobs = ["rank"]

    public static func validate(_ settings: ItemTableSettings, itemCount N: Int, dimensions C: Int, clusters: ItemClusters?,
                                fail: (_ knob: String, _ message: String) -> InputError) throws {
        guard let r = settings.rank else { throw fail("rank", "needs a rank r") }
        guard r >= 1 && r <= C else { throw fail("rank", "needs a rank from 1 to C = \(C), got \(r)") }
    }

    public static func parameterCount(_ settings: ItemTableSettings, itemCount N: Int, dimensions C: Int,
                                      clusters: ItemClusters?) -> Int {
        settings.rank! * (N + C)
    }

    /// `[B, r]` twice.
    public static func outputScratchFloats(_ settings: ItemTableSettings?, itemCount N: Double, dimensions C: Double, rows: Double,
                                           workers: Double) -> Double {
        2 * rows * (settings?.rank.map(Double.init) ?? C)
    }

    public static func sized(ratio: Double, settings: ItemTableSettings, itemCount N: Int, dimensions C: Int, clusters: ItemClusters?,
                             frequencies: [Int]?, source: String) throws -> ItemTableSettings {
        try sizing(\.rank, over: Array(1...C), knob: "rank", ratio: ratio, settings: settings, itemCount: N, dimensions: C,
                   clusters: clusters, source: source)
    }

    public static func describedKnobs(_ settings: ItemTableSettings) -> [String: Any] {
        ["rank": settings.rank ?? 0]
    }

    public static func makeTable(_ settings: ItemTableSettings, itemCount N: Int, dimensions C: Int, clusters: ItemClusters?,
                                 standardDeviation s: Float, rng: inout SeededGenerator) -> any ItemMatrix {
        LowRankEmbedding(itemCount: N, dimensions: C, rank: settings.rank!, standardDeviation: s, rng: &rng)
    }
}
