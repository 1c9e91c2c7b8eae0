/// The hashing trick (METHODS §4): `HashingEmbedding`, `m·C` parameters.
public enum HashingVariant: HashedTableVariant {
    public static let kind = ItemTableKind.hashing

    public static func parameterCount(_ settings: ItemTableSettings, itemCount N: Int, dimensions C: Int,
                                      clusters: ItemClusters?) -> Int {
        settings.buckets! * C
    }

    public static func makeTable(_ settings: ItemTableSettings, itemCount N: Int, dimensions C: Int, clusters: ItemClusters?,
                                 standardDeviation s: Float, rng: inout SeededGenerator) -> any ItemMatrix {
        HashingEmbedding(itemCount: N, dimensions: C, buckets: settings.buckets!, hash: settings.hash, standardDeviation: s, rng: &rng)
    }
}
