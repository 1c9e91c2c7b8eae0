/// Mixed dimensions (METHODS §5): `MixedDimensionEmbedding`, popularity buckets (the clusters)
/// of widths `d_j = round(C · (p_j / p_0)^α)` (`mixedAlpha`; the widths, computed from the
/// training frequencies, in `mixedDimensions`), `k_0·C + Σ_{j≥1} (k_j·d_j + d_j·C)` parameters.
public enum MixedDimensionVariant: ItemTableVariant {
    public static let kind = ItemTableKind.mixedDim
    public static let sizeKnob = "mixedAlpha"
    public static let knobs = ["mixedAlpha"]
    public static let usesClusters = true
    /// α: ``ItemTableSettings/defaultMixedAlpha``.
    public static let sizeHasDefault = true

    /// The α values tried for a ratio: 0 to 10 by 0.01; at α = 10 every bucket whose items are at
    /// most half as popular as the head's is already at width 1 for C ≤ 1024.
    static let alphas: [Double] = (0...1000).map { Double($0) / 100 }

    public static func validate(_ settings: ItemTableSettings, itemCount N: Int, dimensions C: Int, clusters: ItemClusters?,
                                fail: (_ knob: String, _ message: String) -> InputError) throws {
        let alpha = settings.mixedAlpha
        guard alpha >= 0 && alpha.isFinite else { throw fail("mixedAlpha", "needs α ≥ 0, got \(alpha)") }
        guard let clusters else { throw fail("mixedDimensions", "needs popularity buckets (cut-offs)") }
        guard let widths = settings.mixedDimensions else {
            throw fail("mixedDimensions", "needs one width per bucket, computed from the training frequencies")
        }
        guard widths.count == clusters.count else {
            throw fail("mixedDimensions", "needs one width per bucket (\(clusters.count)), got \(widths.count): \(widths)")
        }
        guard widths.first == C && widths.allSatisfy({ $0 >= 1 && $0 <= C }) else {
            throw fail("mixedDimensions", "needs widths from 1 to C = \(C), the first equal to C, got \(widths)")
        }
    }

    public static func parameterCount(_ settings: ItemTableSettings, itemCount N: Int, dimensions C: Int,
                                      clusters: ItemClusters?) -> Int {
        ItemTableSettings.blockParameterCount(clusters: clusters!, dimensions: C, widths: settings.mixedDimensions!)
    }

    /// `[B, d_j]` per tail and one gradient.
    public static func outputScratchFloats(_ settings: ItemTableSettings?, itemCount N: Double, dimensions C: Double, rows: Double,
                                           workers: Double) -> Double {
        rows * Double((settings?.mixedDimensions ?? []).dropFirst().reduce(0, +)) + rows * C
    }

    public static func sized(ratio: Double, settings: ItemTableSettings, itemCount N: Int, dimensions C: Int, clusters: ItemClusters?,
                             frequencies: [Int]?, source: String) throws -> ItemTableSettings {
        guard let clusters, let frequencies else { preconditionFailure("mixed-dim sizing needs the clusters and the training frequencies") }
        let popularity = MixedDimensionEmbedding.popularity(clusters: clusters, frequencies: frequencies)
        let alpha = try TableSizing.closest(
            alphas, ratio: ratio, reference: N * C, what: sizingSubject(itemCount: N, dimensions: C), knob: "α", source: source
        ) {
            let widths = MixedDimensionEmbedding.dimensions(popularity: popularity, embeddingSize: C, alpha: $0)
            return ItemTableSettings.blockParameterCount(clusters: clusters, dimensions: C, widths: widths)
        }
        var result = settings
        result.mixedAlpha = alpha
        result.mixedDimensions = MixedDimensionEmbedding.dimensions(popularity: popularity, embeddingSize: C, alpha: alpha)
        return result
    }

    /// The widths α gives over the clusters' training frequencies.
    public static func completing(_ settings: ItemTableSettings, dimensions C: Int, clusters: ItemClusters?, frequencies: [Int])
        -> ItemTableSettings
    {
        guard let clusters else { return settings }
        var result = settings
        result.mixedDimensions = MixedDimensionEmbedding.dimensions(clusters: clusters, frequencies: frequencies, embeddingSize: C,
                                                                    alpha: settings.mixedAlpha)
        return result
    }

    public static func describedKnobs(_ settings: ItemTableSettings) -> [String: Any] {
        ["mixed_alpha": settings.mixedAlpha, "mixed_dimensions": settings.mixedDimensions ?? []]
    }

    public static func makeTable(_ settings: ItemTableSettings, itemCount N: Int, dimensions C: Int, clusters: ItemClusters?,
                                 standardDeviation s: Float, rng: inout SeededGenerator) -> any ItemMatrix {
        MixedDimensionEmbedding(clusters: clusters!, dimensions: C, bucketDimensions: settings.mixedDimensions!, standardDeviation: s,
                                rng: &rng)
    }
}
