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
    /// Bytes of the parameters as stored (Float32).
    public var bytes: Int { total * MemoryLayout<Float>.size }

    public init(model: SequentialRecommender) {
        func count(_ container: any ParameterContainer) -> Int { container.parameterCount }
        input = count(model.embedding)
        middle = count(model.encoder)
        output = count(model.output)
        uncompressedTotal = Self.uncompressed(model.configuration).total
    }

    init(input: Int, middle: Int, output: Int, uncompressedTotal: Int) {
        self.input = input
        self.middle = middle
        self.output = output
        self.uncompressedTotal = uncompressedTotal
    }

    /// The formulas for the uncompressed NextItNet: N·C for the table; per block two convolutions
    /// (k·C·C + C) and two LayerNorms (2C); C·N + N for the softmax.
    public static func uncompressed(_ c: ModelConfiguration) -> ParameterAccounting {
        let N = c.itemCount, C = c.embeddingSize, k = c.kernelSize
        let perBlock = 2 * (k * C * C + C) + 2 * (2 * C)
        return ParameterAccounting(input: N * C, middle: c.dilations.count * perBlock, output: C * N + N,
                                   uncompressedTotal: N * C + c.dilations.count * perBlock + C * N + N)
    }

    public var dictionary: [String: Double] {
        ["params": Double(total), "params_input": Double(input), "params_middle": Double(middle),
         "params_output": Double(output), "params_uncompressed": Double(uncompressedTotal),
         "compression_ratio": compressionRatio, "bytes": Double(bytes)]
    }
}
