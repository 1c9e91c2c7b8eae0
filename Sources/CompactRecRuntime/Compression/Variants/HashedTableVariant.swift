/// What the two tables over a hashed shared table, MEmCom and hashing, have in common: m
/// buckets (`buckets`, 1 … N − 1) and a hash (`hash`).
public protocol HashedTableVariant: ItemTableVariant {}

extension HashedTableVariant {
    public static var sizeKnob: String { "buckets" }
    public static var knobs: [String] { ["buckets", "hash"] }

    public static func validate(_ settings: ItemTableSettings, itemCount N: Int, dimensions C: Int, clusters: ItemClusters?,
                                fail: (_ knob: String, _ message: String) -> InputError) throws {
        guard let m = settings.buckets else { throw fail("buckets", "needs a number of buckets m") }
        guard m >= 1 && m <= N - 1 else {
            throw fail("buckets", "needs from 1 to N − 1 = \(N - 1) buckets (one per item is no compression), got \(m)")
        }
    }

    /// `[B, m]` bucket scores and their gradient; per-worker weight gradients.
    public static func outputScratchFloats(_ settings: ItemTableSettings?, itemCount N: Double, dimensions C: Double, rows: Double,
                                           workers: Double) -> Double {
        2 * rows * Double(settings?.buckets ?? Int(N)) + workers * N
    }

    public static func sized(ratio: Double, settings: ItemTableSettings, itemCount N: Int, dimensions C: Int, clusters: ItemClusters?,
                             frequencies: [Int]?, source: String) throws -> ItemTableSettings {
        try sizing(\.buckets, over: Array(1..<max(N, 2)), knob: "buckets", ratio: ratio, settings: settings, itemCount: N, dimensions: C,
                   clusters: clusters, source: source)
    }

    public static func describedKnobs(_ settings: ItemTableSettings) -> [String: Any] {
        ["buckets": settings.buckets ?? 0, "hash": settings.hash.rawValue]
    }
}
