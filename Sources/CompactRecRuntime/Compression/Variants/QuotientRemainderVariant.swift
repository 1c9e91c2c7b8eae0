/// Quotient-remainder (METHODS §5): `QuotientRemainderEmbedding`, `(⌈N/c⌉ + c)·C` parameters for
/// c items per quotient row (`qrCollisions`, 1 … N) and an operation (`qrOperation`).
public enum QuotientRemainderVariant: ItemTableVariant {
    public static let kind = ItemTableKind.qr
    public static let sizeKnob = "qrCollisions"
    public static let knobs = ["qrCollisions", "qrOperation"]

    public static func validate(_ settings: ItemTableSettings, itemCount N: Int, dimensions C: Int, clusters: ItemClusters?,
                                fail: (_ knob: String, _ message: String) -> InputError) throws {
        guard let c = settings.qrCollisions else { throw fail("qrCollisions", "needs a number of collisions c") }
        guard c >= 1 && c <= N else { throw fail("qrCollisions", "needs 1 ≤ c ≤ N = \(N) items per quotient row, got \(c)") }
    }

    public static func parameterCount(_ settings: ItemTableSettings, itemCount N: Int, dimensions C: Int,
                                      clusters: ItemClusters?) -> Int {
        let c = settings.qrCollisions!
        return ((N + c - 1) / c + c) * C
    }

    /// The materialised `[N, C]` table and its gradient, or `[B, ⌈N/c⌉ + c]` scores twice.
    public static func outputScratchFloats(_ settings: ItemTableSettings?, itemCount N: Double, dimensions C: Double, rows: Double,
                                           workers: Double) -> Double {
        let c = Double(settings?.qrCollisions ?? 1)
        return max(2 * N * C, 2 * rows * ((N / c).rounded(.up) + c))
    }

    public static func sized(ratio: Double, settings: ItemTableSettings, itemCount N: Int, dimensions C: Int, clusters: ItemClusters?,
                             frequencies: [Int]?, source: String) throws -> ItemTableSettings {
        try sizing(\.qrCollisions, over: Array(1...N), knob: "collisions", ratio: ratio, settings: settings, itemCount: N, dimensions: C,
                   clusters: clusters, source: source)
    }

    public static func describedKnobs(_ settings: ItemTableSettings) -> [String: Any] {
        ["qr_collisions": settings.qrCollisions ?? 0, "qr_operation": settings.qrOperation.rawValue]
    }

    public static func makeTable(_ settings: ItemTableSettings, itemCount N: Int, dimensions C: Int, clusters: ItemClusters?,
                                 standardDeviation s: Float, rng: inout SeededGenerator) -> any ItemMatrix {
        QuotientRemainderEmbedding(itemCount: N, dimensions: C, collisions: settings.qrCollisions!, operation: settings.qrOperation,
                                   standardDeviation: s, rng: &rng)
    }
}
