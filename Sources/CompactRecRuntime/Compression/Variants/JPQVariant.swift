/// RecJPQ's item codes (`JPQEmbedding`): m splits (`jpqSplits`, a divisor of C) of 256 sub-item
/// embeddings each, `m·256·(C/m) = 256·C` parameters whatever m, plus `N·m` code bytes.
public enum JPQVariant: ItemTableVariant {
    public static let kind = ItemTableKind.jpq
    public static let sizeKnob = "jpqSplits"
    public static let knobs = ["jpqSplits", "jpqCodes"]
    public static let sizedByRatio = false

    public static func validate(_ settings: ItemTableSettings, itemCount N: Int, dimensions C: Int, clusters: ItemClusters?,
                                fail: (_ knob: String, _ message: String) -> InputError) throws {
        guard let m = settings.jpqSplits else { throw fail("jpqSplits", "needs a number of splits m") }
        guard m >= 1 && m <= C && C % m == 0 else {
            throw fail("jpqSplits", "needs a number of splits m that divides the embedding size C = \(C), got \(m)")
        }
    }

    public static func parameterCount(_ settings: ItemTableSettings, itemCount N: Int, dimensions C: Int,
                                      clusters: ItemClusters?) -> Int {
        let m = settings.jpqSplits!
        return m * JPQCodes.subIdCount * (C / m)
    }

    /// One byte per split and item.
    public static func codeBytes(_ settings: ItemTableSettings, itemCount N: Int) -> Int {
        N * settings.jpqSplits!
    }

    /// `[B, m, 256]` sub-item scores and their gradient.
    public static func outputScratchFloats(_ settings: ItemTableSettings?, itemCount N: Double, dimensions C: Double, rows: Double,
                                           workers: Double) -> Double {
        2 * rows * Double((settings?.jpqSplits ?? 1) * JPQCodes.subIdCount)
    }

    /// 256·C parameters whatever m: no ratio of parameters picks the number of splits.
    public static func sized(ratio: Double, settings: ItemTableSettings, itemCount N: Int, dimensions C: Int, clusters: ItemClusters?,
                             frequencies: [Int]?, source: String) throws -> ItemTableSettings {
        throw InputError(source: source, "a jpq table has 256·C parameters whatever its splits (its N·m code bytes aside), "
                         + "so a ratio cannot size it; give its number of splits instead")
    }

    public static func describedKnobs(_ settings: ItemTableSettings) -> [String: Any] {
        ["jpq_splits": settings.jpqSplits ?? 0, "jpq_codes": settings.jpqCodes.rawValue]
    }

    /// Random codes from the same generator until they are assigned from the training data
    /// (`jpqCodes`) or loaded from a bundle.
    public static func makeTable(_ settings: ItemTableSettings, itemCount N: Int, dimensions C: Int, clusters: ItemClusters?,
                                 standardDeviation s: Float, rng: inout SeededGenerator) -> any ItemMatrix {
        let m = settings.jpqSplits!
        let table = JPQEmbedding(itemCount: N, dimensions: C, splits: m, standardDeviation: s, rng: &rng)
        table.codes.assign(JPQCodes.random(itemCount: N, splits: m, rng: &rng))
        return table
    }
}
