/// What a user asked for one side's compressed table (the `train` flags, or an experiment plan's
/// keys): each knob if given, and a target compression ratio. ``resolve(_:kindName:itemCount:dimensions:clusters:frequencies:)``
/// checks them against the side's kind and turns them into ``ItemTableSettings``.
///
///     var request = ItemTableRequest(side: .input, names: .commandLineInput)
///     request.ratio = 16
///     let settings = try request.resolve(.memcom, kindName: "memcom", itemCount: N, dimensions: 64,
///                                        clusters: nil, frequencies: frequencies)   // buckets chosen for 16x
public struct ItemTableRequest: Sendable, Equatable {
    public enum Side: String, Sendable {
        case input = "input embedding"
        case output = "output layer"
    }

    /// What each knob is called where the user wrote it; errors name these.
    public struct Names: Sendable, Equatable {
        public var buckets, hash, qrCollisions, qrOperation, rank, mixedAlpha, ratio: String
        /// The configuration key the settings go to (`inputTable`, `outputTable`).
        public var key: String
        /// Kinds outside the compressed tables that the ratio also sizes (block-adaptive's rank divisor).
        public var ratioAlsoSizes: [String]

        public static let commandLineInput = Names(
            buckets: "--buckets", hash: "--hash", qrCollisions: "--qr-collisions", qrOperation: "--qr-operation",
            rank: "--rank", mixedAlpha: "--mixed-alpha", ratio: "--input-ratio", key: "inputTable",
            ratioAlsoSizes: ["block-adaptive"])
        public static let commandLineOutput = Names(
            buckets: "--output-buckets", hash: "--output-hash", qrCollisions: "--output-qr-collisions",
            qrOperation: "--output-qr-operation", rank: "--output-rank", mixedAlpha: "--output-mixed-alpha",
            ratio: "--output-ratio", key: "outputTable", ratioAlsoSizes: [])
        public static let planInput = Names(
            buckets: "buckets", hash: "hash", qrCollisions: "qrCollisions", qrOperation: "qrOperation", rank: "rank",
            mixedAlpha: "mixedAlpha", ratio: "inputRatio", key: "inputTable", ratioAlsoSizes: ["block-adaptive"])
        public static let planOutput = Names(
            buckets: "outputBuckets", hash: "outputHash", qrCollisions: "outputQrCollisions",
            qrOperation: "outputQrOperation", rank: "outputRank", mixedAlpha: "outputMixedAlpha", ratio: "outputRatio",
            key: "outputTable", ratioAlsoSizes: [])
    }

    public var side: Side
    public var names: Names
    public var buckets: Int?
    public var hash: ItemHash?
    public var qrCollisions: Int?
    public var qrOperation: QuotientRemainderOperation?
    public var rank: Int?
    public var mixedAlpha: Double?
    public var ratio: Double?

    public init(side: Side, names: Names, buckets: Int? = nil, hash: ItemHash? = nil, qrCollisions: Int? = nil,
                qrOperation: QuotientRemainderOperation? = nil, rank: Int? = nil, mixedAlpha: Double? = nil,
                ratio: Double? = nil) {
        self.side = side
        self.names = names
        self.buckets = buckets
        self.hash = hash
        self.qrCollisions = qrCollisions
        self.qrOperation = qrOperation
        self.rank = rank
        self.mixedAlpha = mixedAlpha
        self.ratio = ratio
    }

    /// The name of the knob that sets `kind`'s size.
    public func sizeName(_ kind: ItemTableKind) -> String {
        switch kind {
        case .memcom, .hashing: names.buckets
        case .qr: names.qrCollisions
        case .lowRank: names.rank
        case .mixedDim: names.mixedAlpha
        }
    }

    /// The settings of a `kind` table (nil when the side is not a compressed table, `kind` nil).
    ///
    /// The size comes from the size knob, or from the ratio (``TableSizing``), not both; mixed-dim
    /// widths come from α (0.3 unless given) and the training frequencies over `clusters`. A knob
    /// that does not apply to the side's kind is an error, not ignored.
    ///
    /// - Parameter kindName: the side's kind as the user wrote it (e.g. `full`), for errors.
    /// - Throws: ``InputError`` whose source is the knob's name.
    public func resolve(_ kind: ItemTableKind?, kindName: String, itemCount N: Int, dimensions C: Int,
                        clusters: ItemClusters?, frequencies: [Int]) throws -> ItemTableSettings? {
        let tables: [ItemTableKind] = [.memcom, .hashing]
        let candidates: [(name: String, isGiven: Bool, kinds: [ItemTableKind])] = [
            (names.buckets, buckets != nil, tables), (names.hash, hash != nil, tables),
            (names.qrCollisions, qrCollisions != nil, [.qr]), (names.qrOperation, qrOperation != nil, [.qr]),
            (names.rank, rank != nil, [.lowRank]), (names.mixedAlpha, mixedAlpha != nil, [.mixedDim]),
            (names.ratio, ratio != nil, ItemTableKind.allCases),
        ]
        let given = candidates.filter(\.isGiven)
        for knob in given where kind.map({ !knob.kinds.contains($0) }) ?? true {
            let targets = knob.kinds.map(\.rawValue) + (knob.name == names.ratio ? names.ratioAlsoSizes : [])
            throw InputError(source: knob.name,
                             "applies to a \(Self.list(targets)) \(side.rawValue), and the \(side.rawValue) is \(kindName)")
        }
        guard let kind else { return nil }
        var settings = ItemTableSettings(buckets: buckets, hash: hash ?? .modulo, qrCollisions: qrCollisions,
                                         qrOperation: qrOperation ?? .multiply, rank: rank,
                                         mixedAlpha: mixedAlpha ?? ItemTableSettings.defaultMixedAlpha)
        let sizeGiven = given.contains { $0.name == sizeName(kind) }
        if let ratio {
            guard !sizeGiven else {
                throw InputError(source: names.ratio,
                                 "conflicts with \(sizeName(kind)): both size the \(kind.rawValue) \(side.rawValue); give one")
            }
            if kind == .mixedDim && clusters == nil { throw missingClusters(kind) }
            settings = try TableSizing.sized(kind, ratio: ratio, settings: settings, itemCount: N, dimensions: C,
                                             clusters: clusters, frequencies: frequencies, source: names.ratio)
        } else if kind == .mixedDim {
            guard settings.mixedAlpha >= 0 && settings.mixedAlpha.isFinite else {
                throw InputError(source: names.mixedAlpha, "expected a number ≥ 0 such as 0.3, got \(settings.mixedAlpha)")
            }
            guard let clusters else { throw missingClusters(kind) }
            settings.mixedDimensions = MixedDimensionEmbedding.dimensions(
                clusters: clusters, frequencies: frequencies, embeddingSize: C, alpha: settings.mixedAlpha)
        } else if !sizeGiven {
            throw InputError(source: sizeName(kind), "a \(kind.rawValue) \(side.rawValue) needs \(sizeName(kind)) or \(names.ratio)")
        }
        do {
            try settings.validate(kind, itemCount: N, dimensions: C, clusters: clusters, key: names.key)
        } catch let error as InputError {
            throw InputError(source: sizeName(kind), location: error.location, error.message)
        }
        return settings
    }

    private func missingClusters(_ kind: ItemTableKind) -> InputError {
        InputError(source: names.key, "a \(kind.rawValue) \(side.rawValue) needs the popularity buckets (cut-offs)")
    }

    /// "a", "a or b", "a, b or c".
    static func list(_ items: [String]) -> String {
        items.count <= 1 ? items.joined() : items.dropLast().joined(separator: ", ") + " or " + items.last!
    }
}

extension ModelConfiguration {
    /// Fills `inputTable` and `outputTable` from the requests, after the cut-offs are set; a ratio
    /// asked of a block-adaptive input picks `rankDivisor` (``TableSizing/rankDivisor(ratio:clusters:dimensions:source:)``).
    ///
    /// - Parameters:
    ///   - rankDivisorGiven: whether the user set the rank divisor too, which conflicts with a ratio.
    ///   - frequencies: each item's training frequency, for mixed-dim widths.
    /// - Throws: ``InputError`` naming the knob at fault.
    public mutating func resolveTables(input: ItemTableRequest, output: ItemTableRequest, rankDivisorGiven: Bool,
                                       frequencies: [Int]) throws {
        var input = input
        if inputEmbedding == .blockAdaptive, let ratio = input.ratio {
            guard !rankDivisorGiven else {
                throw InputError(source: input.names.ratio, "conflicts with the rank divisor: both size the block-adaptive input; give one")
            }
            guard let clusters else { throw InputError(source: input.names.ratio, "the block-adaptive input needs cut-offs") }
            rankDivisor = try TableSizing.rankDivisor(ratio: ratio, clusters: clusters, dimensions: embeddingSize,
                                                      source: input.names.ratio)
            input.ratio = nil
        }
        inputTable = try input.resolve(inputEmbedding.table, kindName: inputEmbedding.rawValue, itemCount: itemCount,
                                       dimensions: embeddingSize, clusters: clusters, frequencies: frequencies)
        outputTable = try output.resolve(outputLayer.table, kindName: outputLayer.rawValue, itemCount: itemCount,
                                         dimensions: embeddingSize, clusters: clusters, frequencies: frequencies)
    }
}
