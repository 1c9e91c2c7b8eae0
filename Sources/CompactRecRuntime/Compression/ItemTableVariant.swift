/// The compressed item tables (METHODS §4, §5, RecJPQ) an input embedding or an output layer
/// can use. Each has a descriptor (`variant`) in `Compression/Variants/`.
public enum ItemTableKind: String, Codable, CaseIterable, Sendable {
    /// e(x) = w[x] · U[h(x)]: `MEmComEmbedding`.
    case memcom
    /// e(x) = U[h(x)]: `HashingEmbedding`.
    case hashing
    /// e(x) = Q[x / c] ⊙ R[x mod c] (or +): `QuotientRemainderEmbedding`.
    case qr
    /// e(x) = A[x] · P: `LowRankEmbedding`.
    case lowRank = "low-rank"
    /// Popularity buckets of width d_j, each projected to C: `MixedDimensionEmbedding`.
    case mixedDim = "mixed-dim"
    /// e(x) = [S_s[k_s(x)]] over m splits, codes k fixed before training: `JPQEmbedding`.
    case jpq

    /// The registry: the descriptor of each kind, one line each.
    public var variant: any ItemTableVariant.Type {
        switch self {
        case .memcom: MEmComVariant.self
        case .hashing: HashingVariant.self
        case .qr: QuotientRemainderVariant.self
        case .lowRank: LowRankVariant.self
        case .mixedDim: MixedDimensionVariant.self
        case .jpq: JPQVariant.self
        }
    }

    /// The knob that sets the table's size, as the configuration names it.
    public var sizeKnob: String { variant.sizeKnob }
}

/// Everything about one compressed item table that is not its layer: which knobs of
/// ``ItemTableSettings`` it reads and their checks, its parameter, code-byte and memory
/// formulas, how a target ratio sizes it, how `--json` describes it, and how it is built.
/// Its tensors in a bundle are its layer's (`namedWeights`).
///
/// Adding a table: a layer (an ``ItemMatrix``, with its backward in CompactRec's `Backward/`),
/// a descriptor in `Compression/Variants/`, and its case in ``ItemTableKind`` with the registry
/// line above; ``InputEmbeddingKind`` and ``OutputLayerKind`` take every table of the registry.
public protocol ItemTableVariant: Sendable {
    static var kind: ItemTableKind { get }
    /// The knob of ``ItemTableSettings`` that sets the size, as `config.json` names it.
    static var sizeKnob: String { get }
    /// Every knob of ``ItemTableSettings`` the table reads from the user, as `config.json` names
    /// them: the run setting of a knob (`TableSide.setting(knob:)`) applies to the tables that
    /// list it, and giving it for another is an error.
    static var knobs: [String] { get }
    /// Whether a target ratio can size it (`--input-ratio`, `--output-ratio`); true by default.
    static var sizedByRatio: Bool { get }
    /// Whether it is built over the item clusters (`--cutoffs`); false by default.
    static var usesClusters: Bool { get }
    /// Whether its size knob has a default, so that neither it nor a ratio need be given; false
    /// by default.
    static var sizeHasDefault: Bool { get }

    /// Throws `fail(knob, message)` for the first knob that cannot build a table for N items of
    /// C channels (over `clusters`, for a table that needs them).
    static func validate(_ settings: ItemTableSettings, itemCount N: Int, dimensions C: Int, clusters: ItemClusters?,
                         fail: (_ knob: String, _ message: String) -> InputError) throws

    /// The table's parameters by its formula (METHODS §4, §5). Called on validated settings.
    static func parameterCount(_ settings: ItemTableSettings, itemCount N: Int, dimensions C: Int, clusters: ItemClusters?) -> Int

    /// Bytes the table stores besides its parameters (item codes); 0 by default.
    static func codeBytes(_ settings: ItemTableSettings, itemCount N: Int) -> Int

    /// Floats a training step needs for the table as an output layer's item matrix, beyond the
    /// full softmax's `[M, N]` scores and bias partials, for `rows` scored rows and `workers`
    /// threads. `settings` may be nil when an estimate is asked of an unfinished configuration.
    static func outputScratchFloats(_ settings: ItemTableSettings?, itemCount N: Double, dimensions C: Double, rows: Double,
                                    workers: Double) -> Double

    /// `settings` with the size knob chosen for the ratio `N·C / parameters` closest to `ratio`
    /// (``TableSizing``'s rule), or an error naming `source` when no size reaches it.
    static func sized(ratio: Double, settings: ItemTableSettings, itemCount N: Int, dimensions C: Int, clusters: ItemClusters?,
                      frequencies: [Int]?, source: String) throws -> ItemTableSettings

    /// `settings` with what its knobs imply from the training data filled in (mixed-dim: the
    /// widths from α and the frequencies over `clusters`); `settings` itself by default.
    static func completing(_ settings: ItemTableSettings, dimensions C: Int, clusters: ItemClusters?, frequencies: [Int])
        -> ItemTableSettings

    /// The knobs that matter, as `--json` gives them (snake_case keys).
    static func describedKnobs(_ settings: ItemTableSettings) -> [String: Any]

    /// The table, its items' coordinates starting with standard deviation `s`. Called on
    /// validated settings.
    static func makeTable(_ settings: ItemTableSettings, itemCount N: Int, dimensions C: Int, clusters: ItemClusters?,
                          standardDeviation s: Float, rng: inout SeededGenerator) -> any ItemMatrix
}

extension ItemTableVariant {
    public static var sizedByRatio: Bool { true }
    public static var usesClusters: Bool { false }
    public static var sizeHasDefault: Bool { false }
    public static func codeBytes(_ settings: ItemTableSettings, itemCount N: Int) -> Int { 0 }

    public static func completing(_ settings: ItemTableSettings, dimensions C: Int, clusters: ItemClusters?, frequencies: [Int])
        -> ItemTableSettings { settings }

    /// `settings` with the knob at `path` set to the one of `values` whose ratio `N·C / parameters`
    /// is closest to `ratio` (``TableSizing``'s rule); errors name the table and `knob`.
    static func sizing(
        _ path: WritableKeyPath<ItemTableSettings, Int?>, over values: [Int], knob: String, ratio: Double,
        settings: ItemTableSettings, itemCount N: Int, dimensions C: Int, clusters: ItemClusters?, source: String
    ) throws -> ItemTableSettings {
        var result = settings
        result[keyPath: path] = try TableSizing.closest(
            values, ratio: ratio, reference: N * C, what: sizingSubject(itemCount: N, dimensions: C), knob: knob, source: source
        ) {
            var s = settings
            s[keyPath: path] = $0
            return parameterCount(s, itemCount: N, dimensions: C, clusters: clusters)
        }
        return result
    }

    /// "the memcom table for N = 1000, C = 64": what sizing errors name.
    static func sizingSubject(itemCount N: Int, dimensions C: Int) -> String {
        "the \(kind.rawValue) table for N = \(N), C = \(C)"
    }
}
