/// Which item-embedding variant feeds the encoder: the full table, CpRec's block-wise table, or
/// one of the compressed tables (``ItemTableKind``, each with its descriptor), named in
/// `config.json`, plans and flags by its raw value (`full`, `block-adaptive`, `memcom`, …).
public enum InputEmbeddingKind: Hashable, Sendable, CaseIterable, RawRepresentable, Codable {
    /// The full table `E : [N, C]`.
    case full
    /// CpRec's block-wise low-rank table over the item clusters (METHODS §3.2).
    case blockAdaptive
    /// A compressed table of METHODS §4, §5 or JPQ, sized by `ModelConfiguration.inputTable`.
    case table(ItemTableKind)

    public static var allCases: [InputEmbeddingKind] { [.full, .blockAdaptive] + ItemTableKind.allCases.map(Self.table) }

    public init?(rawValue: String) {
        switch rawValue {
        case "full": self = .full
        case "block-adaptive": self = .blockAdaptive
        default:
            guard let table = ItemTableKind(rawValue: rawValue) else { return nil }
            self = .table(table)
        }
    }

    public var rawValue: String {
        switch self {
        case .full: "full"
        case .blockAdaptive: "block-adaptive"
        case .table(let table): table.rawValue
        }
    }

    /// The compressed table this embedding is, if it is one.
    public var table: ItemTableKind? {
        if case .table(let table) = self { table } else { nil }
    }
}

/// Which output layer scores items: the full softmax, CpRec's tree, or a full softmax whose item
/// matrix is one of the compressed tables (`CompressedSoftmax`), named by its raw value.
public enum OutputLayerKind: Hashable, Sendable, CaseIterable, RawRepresentable, Codable {
    /// logits = h·W + b over all N items.
    case fullSoftmax
    /// CpRec's two-level tree over the item clusters (METHODS §3.3).
    case treeSoftmax
    /// A full softmax over a compressed item matrix, sized by `ModelConfiguration.outputTable`.
    case table(ItemTableKind)

    public static var allCases: [OutputLayerKind] { [.fullSoftmax, .treeSoftmax] + ItemTableKind.allCases.map(Self.table) }

    public init?(rawValue: String) {
        switch rawValue {
        case "full-softmax": self = .fullSoftmax
        case "tree-softmax": self = .treeSoftmax
        default:
            guard let table = ItemTableKind(rawValue: rawValue) else { return nil }
            self = .table(table)
        }
    }

    public var rawValue: String {
        switch self {
        case .fullSoftmax: "full-softmax"
        case .treeSoftmax: "tree-softmax"
        case .table(let table): table.rawValue
        }
    }

    /// The compressed table of the item matrix, if it is one.
    public var table: ItemTableKind? {
        if case .table(let table) = self { table } else { nil }
    }
}

/// The tables of the first waves by name, as the code and tests have long written them
/// (`inputEmbedding: .memcom`); a newer table is `.table(.itsKind)`.
extension InputEmbeddingKind {
    public static let memcom = table(.memcom), hashing = table(.hashing), qr = table(.qr)
    public static let lowRank = table(.lowRank), mixedDim = table(.mixedDim), jpq = table(.jpq)
}

extension OutputLayerKind {
    public static let memcom = table(.memcom), hashing = table(.hashing), qr = table(.qr)
    public static let lowRank = table(.lowRank), mixedDim = table(.mixedDim), jpq = table(.jpq)
}

extension ItemTableKind {
    /// The input embedding that is this table.
    public var inputEmbedding: InputEmbeddingKind { .table(self) }
    /// The output layer whose item matrix is this table.
    public var outputLayer: OutputLayerKind { .table(self) }
}

/// Everything needed to rebuild a model's shape; stored in a bundle's `config.json`.
///
/// The encoder is a configuration of its own (`encoder`, with its kind); the item tables on
/// either side of it are described here.
public struct ModelConfiguration: Codable, Sendable, Equatable {
    /// N, including padding.
    public var itemCount: Int
    /// C (the paper's d).
    public var embeddingSize: Int
    /// T: the longest history the model reads.
    public var maxLength: Int
    /// The sequence encoder and its settings.
    public var encoder: EncoderConfiguration
    public var inputEmbedding: InputEmbeddingKind
    public var outputLayer: OutputLayerKind
    /// Cluster cut-offs `c_1 … c_n` (the last is N) for the clustered variants; nil otherwise.
    public var cutoffs: [Int]?
    /// f in d_j = d / f^(j-1), the rank of cluster j's blocks (≥ 1, not necessarily whole).
    public var rankDivisor: Double
    /// The knobs of the input's compressed table (memcom, hashing, qr, low-rank, mixed-dim); nil otherwise.
    public var inputTable: ItemTableSettings?
    /// The knobs of the output's compressed item matrix; nil otherwise.
    public var outputTable: ItemTableSettings?
    /// Whether the output scores with the input table itself, so the model stores one item table:
    /// a full softmax over the full input table (`TiedSoftmax`), or a JPQ output over the JPQ
    /// input (one `JPQEmbedding`: sub-item embeddings and codes).
    public var tiedEmbeddings: Bool

    public init(
        itemCount: Int, embeddingSize: Int = 64, maxLength: Int = 50, encoder: EncoderConfiguration,
        inputEmbedding: InputEmbeddingKind = .full, outputLayer: OutputLayerKind = .fullSoftmax, cutoffs: [Int]? = nil,
        rankDivisor: Double = 4, inputTable: ItemTableSettings? = nil, outputTable: ItemTableSettings? = nil,
        tiedEmbeddings: Bool = false
    ) {
        self.tiedEmbeddings = tiedEmbeddings
        self.itemCount = itemCount
        self.embeddingSize = embeddingSize
        self.maxLength = maxLength
        self.encoder = encoder
        self.inputEmbedding = inputEmbedding
        self.outputLayer = outputLayer
        self.cutoffs = cutoffs
        self.rankDivisor = rankDivisor
        self.inputTable = inputTable
        self.outputTable = outputTable
    }

    /// A model with a NextItNet encoder, its settings given inline.
    public init(
        itemCount: Int, embeddingSize: Int = 64, dilations: [Int] = [1, 4, 1, 4], kernelSize: Int = 3,
        maxLength: Int = 50, layerNormEpsilon: Float = 1e-5, inputEmbedding: InputEmbeddingKind = .full,
        outputLayer: OutputLayerKind = .fullSoftmax, sharing: SharingScheme = .none, cutoffs: [Int]? = nil,
        rankDivisor: Double = 4, inputTable: ItemTableSettings? = nil, outputTable: ItemTableSettings? = nil
    ) {
        self.init(
            itemCount: itemCount, embeddingSize: embeddingSize, maxLength: maxLength,
            encoder: .nextItNet(NextItNetConfiguration(dilations: dilations, kernelSize: kernelSize,
                                                       layerNormEpsilon: layerNormEpsilon, sharing: sharing)),
            inputEmbedding: inputEmbedding, outputLayer: outputLayer, cutoffs: cutoffs, rankDivisor: rankDivisor,
            inputTable: inputTable, outputTable: outputTable)
    }

    private enum CodingKeys: String, CodingKey {
        case itemCount, embeddingSize, maxLength, encoder
        case inputEmbedding, outputLayer, cutoffs, rankDivisor, inputTable, outputTable, tiedEmbeddings
    }

    /// Keys added after the first bundles take their defaults when absent. A version-1
    /// configuration has no `encoder`: its NextItNet settings stand at the top level.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        itemCount = try c.decode(Int.self, forKey: .itemCount)
        embeddingSize = try c.decode(Int.self, forKey: .embeddingSize)
        maxLength = try c.decode(Int.self, forKey: .maxLength)
        if c.contains(.encoder) {
            encoder = try c.decode(EncoderConfiguration.self, forKey: .encoder)
        } else {
            encoder = .nextItNet(try VersionOneEncoder(from: decoder).configuration)
        }
        inputEmbedding = try c.decodeIfPresent(InputEmbeddingKind.self, forKey: .inputEmbedding) ?? .full
        outputLayer = try c.decodeIfPresent(OutputLayerKind.self, forKey: .outputLayer) ?? .fullSoftmax
        cutoffs = try c.decodeIfPresent([Int].self, forKey: .cutoffs)
        rankDivisor = try c.decodeIfPresent(Double.self, forKey: .rankDivisor) ?? 4
        inputTable = try c.decodeIfPresent(ItemTableSettings.self, forKey: .inputTable)
        outputTable = try c.decodeIfPresent(ItemTableSettings.self, forKey: .outputTable)
        tiedEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tiedEmbeddings) ?? false
    }

    /// The NextItNet settings of a version-1 configuration, which kept them at the top level.
    private struct VersionOneEncoder: Decodable {
        var configuration: NextItNetConfiguration
        private enum CodingKeys: String, CodingKey { case dilations, kernelSize, layerNormEpsilon, sharing }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            configuration = NextItNetConfiguration(
                dilations: try c.decode([Int].self, forKey: .dilations), kernelSize: try c.decode(Int.self, forKey: .kernelSize),
                layerNormEpsilon: try c.decode(Float.self, forKey: .layerNormEpsilon),
                sharing: try c.decodeIfPresent(SharingScheme.self, forKey: .sharing) ?? .none)
        }
    }

    /// The largest values `validate()` accepts. Far beyond any useful model, they keep every
    /// size computed from a configuration (parameters, activations, offsets) from overflowing,
    /// whatever a config.json says. The encoder has its own (`NextItNetConfiguration.Limits`).
    public enum Limits {
        /// N, including padding: item indices are 32-bit.
        public static let itemCount = Int(Int32.max)
        /// C.
        public static let embeddingSize = 65_536
        /// T, the longest history read.
        public static let maxLength = 65_536
    }

    /// Whether any part needs the item clusters.
    public var usesClusters: Bool {
        inputEmbedding == .blockAdaptive || outputLayer == .treeSoftmax || inputEmbedding.table?.variant.usesClusters == true
            || outputLayer.table?.variant.usesClusters == true
    }

    /// Whether the two sides can be one table: full and full softmax, or jpq and jpq.
    public var tiesTables: Bool {
        (inputEmbedding == .full && outputLayer == .fullSoftmax) || (inputEmbedding == .jpq && outputLayer == .jpq)
    }

    /// The item clusters of the cut-offs, when they are valid.
    public var clusters: ItemClusters? {
        cutoffs.flatMap { try? ItemClusters(cutoffs: Array($0.dropLast()), itemCount: itemCount) }
    }

    /// Throws a sentence naming the first setting that cannot build a model.
    public func validate() throws {
        func fail(_ message: String) -> InputError { InputError(source: "model configuration", message) }
        func within(_ value: Int, _ range: ClosedRange<Int>, _ name: String) throws {
            guard range.contains(value) else { throw fail("\(name) must lie in \(range.lowerBound)...\(range.upperBound), got \(value)") }
        }
        try within(itemCount, 2...Limits.itemCount, "itemCount (padding and at least one item)")
        try within(embeddingSize, 1...Limits.embeddingSize, "embedding size")
        try encoder.validate(channels: embeddingSize)
        try within(maxLength, 1...Limits.maxLength, "max length")
        guard rankDivisor >= 1 && rankDivisor <= Double(Limits.embeddingSize) else {
            throw fail("rank divisor must lie in 1...\(Limits.embeddingSize), got \(rankDivisor)")
        }
        if usesClusters {
            guard let cutoffs, cutoffs.count >= 2 else {
                throw fail("\(inputEmbedding.rawValue) input and \(outputLayer.rawValue) output need cluster cut-offs (at least two clusters)")
            }
            _ = try ItemClusters(cutoffs: Array(cutoffs.dropLast()), itemCount: itemCount)
            guard cutoffs.last == itemCount else { throw fail("the last cut-off must be N = \(itemCount), got \(cutoffs.last!)") }
        }
        if tiedEmbeddings && !tiesTables {
            throw fail("tied embeddings need a full input table and a full softmax, or a jpq input and a jpq output, "
                       + "got \(inputEmbedding.rawValue) and \(outputLayer.rawValue)")
        }
        if tiedEmbeddings && inputEmbedding == .jpq && inputTable != outputTable {
            throw fail("tied jpq input and output share one table, so inputTable and outputTable must be equal")
        }
        for (kind, settings, key, part) in [(inputEmbedding.table, inputTable, "inputTable", "input embedding"),
                                            (outputLayer.table, outputTable, "outputTable", "output layer")] {
            guard let kind else { continue }
            guard let settings else { throw fail("the \(kind.rawValue) \(part) needs its settings (\(key))") }
            try settings.validate(kind, itemCount: itemCount, dimensions: embeddingSize, clusters: clusters, key: key)
        }
    }
}
