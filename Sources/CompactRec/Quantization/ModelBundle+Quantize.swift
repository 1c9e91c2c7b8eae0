extension ModelBundle {
    /// This Float32 bundle stored at `precision`: the full input table and output matrix become
    /// `QuantizedEmbedding` and `QuantizedFullSoftmax` (the output bias fp16 beside int8 or int4 rows); every
    /// matrix of a compressed layer and of the encoder is quantized and held dequantized by the
    /// model, so the returned bundle scores exactly as it will once written and read back.
    /// Float32 components share the weights of this bundle. Throws for a bundle already quantized,
    /// and for a kind with no reduced-precision form yet (JPQ).
    public func quantized(to precision: ModelPrecision) throws -> ModelBundle {
        if let existing = configuration.precision {
            throw InputError(source: "--model", "the bundle is already stored at \(existing.summary); quantize its Float32 original")
        }
        let c = model.configuration
        var records = try Self.quantizedRecords(c, precision: precision, encoder: model.encoder)
        var weights: [String: QuantizedWeight] = [:]
        let parameters = Dictionary(model.uniqueWeights().map { ($0.name, $0.weight) }, uniquingKeysWith: { a, _ in a })
        for (name, record) in records {
            guard let parameter = parameters[name], parameter.shape == record.shape else {
                preconditionFailure("the model has no parameter \(name) of shape \(record.shape)")
            }
            weights[name] = QuantizedWeight.quantize(name: name, values: parameter.value.data, shape: record.shape,
                                                     axis: record.axis, format: record.format, group: record.group)
        }
        // Compressed layers and the encoder as they will be read back: copies of their parameters
        // with the quantized matrices dequantized (`copyDequantizing`); Float32 ones are shared.
        var rng = SeededGenerator(seed: 0)
        let table = c.inputEmbedding == .full ? weights["item_embedding.weight"] : nil
        let embedding: any ItemEmbedding
        if let table {
            embedding = QuantizedEmbedding(table: table.rows)
        } else if !records.keys.contains(where: { $0.hasPrefix("item_embedding.") }) {
            embedding = model.embedding
        } else {
            embedding = SequentialRecommender.makeEmbedding(c, rng: &rng)
            Self.copyDequantizing(model.embedding, into: embedding, prefix: "item_embedding", weights: weights)
        }
        let output: any OutputLayer
        if c.outputLayer == .fullSoftmax, let items = c.tiedEmbeddings ? table : weights["output.weight"] {
            // A tied model's one table, stored once: the output scores with the input's codes.
            guard let original = model.output.namedWeights(prefix: "").first(where: { $0.name == "bias" }) else {
                preconditionFailure("a full softmax has a bias")
            }
            let bias = Weight(shape: [c.itemCount])
            if let stored = weights["output.bias"] {
                let values = stored.dequantizedValues()
                values.withUnsafeBufferPointer { bias.value.data.update(from: $0.baseAddress!, count: c.itemCount) }
            } else {
                bias.value.copy(from: original.weight.value)
            }
            output = QuantizedFullSoftmax(items: items.rows, bias: bias)
        } else if c.outputLayer != .fullSoftmax && records.keys.contains(where: { $0.hasPrefix("output.") }) {
            output = SequentialRecommender.makeOutputLayer(c, embedding: embedding, rng: &rng)
            Self.copyDequantizing(model.output, into: output, prefix: "output", weights: weights)
        } else {
            output = model.output
        }
        let encoder = c.encoder.makeEncoder(channels: c.embeddingSize, maxLength: c.maxLength, rng: &rng)
        Self.copyDequantizing(model.encoder, into: encoder, prefix: "", weights: weights)
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

    /// Gives `copy` (a layer built afresh from `original`'s configuration) `original`'s weights:
    /// each parameter with a quantized weight its dequantized values, the others a copy.
    private static func copyDequantizing(
        _ original: any WeightContainer, into copy: any WeightContainer, prefix: String, weights: [String: QuantizedWeight]
    ) {
        for (mine, theirs) in zip(copy.uniqueWeights(prefix: prefix), original.uniqueWeights(prefix: prefix)) {
            precondition(mine.name == theirs.name && mine.weight.shape == theirs.weight.shape,
                         "a layer rebuilt from its configuration names and shapes its parameters alike")
            if let weight = weights[mine.name] {
                let values = weight.dequantizedValues()
                values.withUnsafeBufferPointer { mine.weight.value.data.update(from: $0.baseAddress!, count: mine.weight.count) }
            } else {
                mine.weight.value.copy(from: theirs.weight.value)
            }
        }
    }
}
