/// MEmCom (METHODS §4): `MEmComEmbedding`, `m·C + N` parameters.
public enum MEmComVariant: HashedTableVariant {
    public static let kind = ItemTableKind.memcom

    public static func parameterCount(_ settings: ItemTableSettings, itemCount N: Int, dimensions C: Int,
                                      clusters: ItemClusters?) -> Int {
        settings.buckets! * C + N
    }

    public static func makeTable(_ settings: ItemTableSettings, itemCount N: Int, dimensions C: Int, clusters: ItemClusters?,
                                 standardDeviation s: Float, rng: inout SeededGenerator) -> any ItemMatrix {
        MEmComEmbedding(itemCount: N, dimensions: C, buckets: settings.buckets!, hash: settings.hash, standardDeviation: s, rng: &rng)
    }
}
