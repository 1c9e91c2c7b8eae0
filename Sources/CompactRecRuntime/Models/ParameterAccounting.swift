/// Parameters per component of a model and the ratio to the uncompressed model of the same shape
/// (full embedding table, independent convolutions, full softmax; METHODS §6).
public struct ParameterAccounting: Codable, Sendable, Equatable {
    public var input: Int
    public var middle: Int
    public var output: Int
    public var total: Int { input + middle + output }
    /// The uncompressed model's total for the same N, C, dilations and kernel.
    public var uncompressedTotal: Int
    /// uncompressedTotal / total.
    public var compressionRatio: Double { Double(uncompressedTotal) / Double(max(total, 1)) }
    /// Bytes of item codes stored besides the parameters (a JPQ table's `N·m`, once when tied).
    public var codeBytes: Int
    /// Bytes of the model as stored: 4 a parameter (Float32) and 1 a code byte.
    public var bytes: Int { total * MemoryLayout<Float>.size + codeBytes }

    public init(model: SequentialRecommender) {
        func count(_ container: any WeightContainer) -> Int { container.parameterCount }
        input = count(model.embedding)
        middle = count(model.encoder)
        // A tied output's table is the input's, counted there.
        let inputParameters = Set(model.embedding.uniqueWeights().map { ObjectIdentifier($0.weight) })
        output = model.output.uniqueWeights().filter { !inputParameters.contains(ObjectIdentifier($0.weight)) }
            .reduce(0) { $0 + $1.weight.count }
        uncompressedTotal = Self.uncompressed(model.configuration).total
        codeBytes = model.namedItemCodes().reduce(0) { $0 + $1.codes.bytes.count }
    }

    /// The counts a configuration implies, from the formulas (METHODS §3 and §6), without
    /// building the model: what the memory estimate and the bundle loader check before
    /// allocating. `configuration` must be valid (`validate()`), whose limits keep every
    /// product here far from overflowing.
    ///
    /// Full embedding `N·C`; block-adaptive `c_1·C + Σ_j (k_j·d_j + d_j·C)` over the tail
    /// clusters; a compressed table `ItemTableSettings.parameterCount`. Middle:
    /// `EncoderConfiguration.parameterCount`. Full softmax `C·N + N`; tree softmax a head
    /// `C·H + H` with `H = c_1 + n − 1`, and per tail `C·d_j + d_j·k_j + k_j`; a compressed
    /// item matrix its table plus the bias `N` (a tied jpq output the bias alone). Code bytes:
    /// `ItemTableSettings.codeBytes` per side, once when tied.
    public init(configuration c: ModelConfiguration) {
        let N = c.itemCount, C = c.embeddingSize
        let clusters = c.clusters
        let ranks = clusters?.dimensions(embeddingSize: C, divisor: c.rankDivisor) ?? []
        let tails = clusters.map { clusters in (1..<clusters.count).map { (size: clusters.size(of: $0), rank: ranks[$0]) } } ?? []
        switch c.inputEmbedding {
        case .full: input = N * C
        case .blockAdaptive: input = (clusters?.size(of: 0) ?? N) * C + tails.reduce(0) { $0 + $1.size * $1.rank + $1.rank * C }
        case .table(let kind):
            input = c.inputTable?.parameterCount(kind, itemCount: N, dimensions: C, clusters: clusters) ?? 0
        }
        middle = c.encoder.parameterCount(channels: C, maxLength: c.maxLength)
        switch c.outputLayer {
        case .fullSoftmax: output = c.tiedEmbeddings ? N : C * N + N
        case .treeSoftmax:
            let headWidth = (clusters?.size(of: 0) ?? N) + tails.count
            output = C * headWidth + headWidth + tails.reduce(0) { $0 + C * $1.rank + $1.rank * $1.size + $1.size }
        case .table(.jpq) where c.tiedEmbeddings: output = N
        case .table(let kind):
            output = (c.outputTable?.parameterCount(kind, itemCount: N, dimensions: C, clusters: clusters) ?? 0) + N
        }
        uncompressedTotal = Self.uncompressed(c).total
        let inputCodes = c.inputEmbedding.table.flatMap { kind in c.inputTable.map { $0.codeBytes(kind, itemCount: N) } } ?? 0
        let outputCodes = c.outputLayer.table.flatMap { kind in c.outputTable.map { $0.codeBytes(kind, itemCount: N) } } ?? 0
        codeBytes = inputCodes + (c.tiedEmbeddings ? 0 : outputCodes)
    }

    init(input: Int, middle: Int, output: Int, uncompressedTotal: Int, codeBytes: Int = 0) {
        self.input = input
        self.middle = middle
        self.output = output
        self.uncompressedTotal = uncompressedTotal
        self.codeBytes = codeBytes
    }

    /// The formulas for the uncompressed model: N·C for the table; the encoder without sharing
    /// (`EncoderConfiguration.uncompressedParameterCount`); C·N + N for the softmax, or N when the
    /// backbone ties its tables (`EncoderKind.tiesTablesByDefault`: SASRec's reference is tied).
    public static func uncompressed(_ c: ModelConfiguration) -> ParameterAccounting {
        let N = c.itemCount, C = c.embeddingSize
        let middle = c.encoder.uncompressedParameterCount(channels: C, maxLength: c.maxLength)
        let output = c.encoder.encoderKind.tiesTablesByDefault ? N : C * N + N
        return ParameterAccounting(input: N * C, middle: middle, output: output, uncompressedTotal: N * C + middle + output)
    }

    /// `bytes_codes` only for a model with item codes, so other models' records keep their keys.
    public var dictionary: [String: Double] {
        var fields = ["params": Double(total), "params_input": Double(input), "params_middle": Double(middle),
         "params_output": Double(output), "params_uncompressed": Double(uncompressedTotal),
         "compression_ratio": compressionRatio, "bytes": Double(bytes)]
        if codeBytes > 0 { fields["bytes_codes"] = Double(codeBytes) }
        return fields
    }
}
