extension ModelBundle {
    /// This Float32 bundle stored at `precision`: the input table and the output matrix become
    /// `QuantizedEmbedding` and `QuantizedFullSoftmax` (the output bias stays Float32), and every
    /// encoder matrix is quantized per output channel and held dequantized by the model, so the
    /// returned bundle scores exactly as it will once written and read back. Float32 components
    /// share the weights of this bundle. Throws for a bundle already quantized, and for a
    /// component whose kind has no reduced-precision form yet (a compressed table).
    public func quantized(to precision: ModelPrecision) throws -> ModelBundle {
        if let existing = configuration.precision {
            throw InputError(source: "--model", "the bundle is already stored at \(existing.summary); quantize its Float32 original")
        }
        let c = model.configuration
        var records = try Self.quantizedRecords(c, precision: precision, encoder: model.encoder)
        var weights: [String: QuantizedWeight] = [:]
        let parameters = Dictionary(model.uniqueParameters().map { ($0.name, $0.parameter) }, uniquingKeysWith: { a, _ in a })
        for (name, record) in records {
            guard let parameter = parameters[name], parameter.shape == record.shape else {
                preconditionFailure("the model has no parameter \(name) of shape \(record.shape)")
            }
            weights[name] = QuantizedWeight.quantize(name: name, values: parameter.value.data, shape: record.shape,
                                                     axis: record.axis, format: record.format)
        }
        let embedding: any ItemEmbedding = weights["item_embedding.weight"].map { QuantizedEmbedding(table: $0.rows) } ?? model.embedding
        let output: any OutputLayer
        if c.tiedEmbeddings, let items = weights["item_embedding.weight"] {
            // One table, stored once: the output scores with the input's codes.
            guard let tied = model.output as? TiedSoftmax else { preconditionFailure("a tied model's output is a TiedSoftmax") }
            let bias = Parameter(shape: [c.itemCount])
            bias.value.copy(from: tied.bias.value)
            output = QuantizedFullSoftmax(items: items.rows, bias: bias)
        } else if let items = weights["output.weight"] {
            guard let full = model.output as? FullSoftmax else { preconditionFailure("checked by quantizedRecords") }
            let bias = Parameter(shape: [c.itemCount])
            bias.value.copy(from: full.bias.value)
            output = QuantizedFullSoftmax(items: items.rows, bias: bias)
        } else {
            output = model.output
        }
        // The encoder's matrices as they will be read back: dequantized into a copy of its parameters.
        var rng = SeededGenerator(seed: 0)
        let encoder = c.encoder.makeEncoder(channels: c.embeddingSize, maxLength: c.maxLength, rng: &rng)
        let originals = model.encoder.uniqueParameters()
        for (copy, original) in zip(encoder.uniqueParameters(), originals) {
            precondition(copy.name == original.name, "the encoder rebuilt from its configuration names its parameters alike")
            if let weight = weights[copy.name] {
                let values = weight.dequantizedValues()
                values.withUnsafeBufferPointer { copy.parameter.value.data.update(from: $0.baseAddress!, count: copy.parameter.count) }
            } else {
                copy.parameter.value.copy(from: original.parameter.value)
            }
        }
        records = records.filter { weights[$0.key] != nil }
        var result = ModelBundle(model: SequentialRecommender(configuration: c, embedding: embedding, encoder: encoder, output: output),
                                 vocabulary: vocabulary, training: configuration.training, data: configuration.data,
                                 metrics: nil)  // the metrics measured at training time are the Float32 model's
        var stored = precision
        stored.tensors = records
        result.configuration.precision = stored
        result.quantizedWeights = weights.values.sorted { $0.name < $1.name }
        return result
    }
}
