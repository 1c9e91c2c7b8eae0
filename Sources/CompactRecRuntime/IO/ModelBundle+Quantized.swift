extension ModelBundle {
    /// The reduced-precision weights a model with `precision` stores, by name, with their records:
    /// the input table (rows along axis 0, one per item), the output matrix (along its last axis,
    /// one per item), every matrix of a compressed input or output layer (`compressedTableRecord`)
    /// and every encoder parameter of rank 2 or more (along its last axis, one per output
    /// channel), whatever the encoder. `encoder` is the model's encoder (its parameter names and
    /// shapes); components that `precision` keeps Float32 store nothing here.
    public static func quantizedRecords(
        _ c: ModelConfiguration, precision: ModelPrecision, encoder: any SequenceEncoder
    ) throws -> [String: QuantizedTensorRecord] {
        try precision.validate()
        if c.inputEmbedding == .jpq || c.outputLayer == .jpq {
            throw InputError(source: "precision", "a JPQ model's tables are stored as they are (one byte of code per item and split); "
                             + "quantizing a JPQ model is not supported yet")
        }
        var records: [String: QuantizedTensorRecord] = [:]
        let clusteredInput = c.inputEmbedding == .blockAdaptive, clusteredOutput = c.outputLayer == .treeSoftmax
        if (precision.head != nil || precision.tails != nil) && !clusteredInput && !clusteredOutput {
            throw InputError(source: "precision", location: "head",
                             "head= and tails= are for CpRec's clustered layers (a block-adaptive input, a tree-softmax output); "
                                 + "this model has a \(c.inputEmbedding.rawValue) input and a \(c.outputLayer.rawValue) output")
        }
        /// Records for every matrix of a compressed layer: its clusters' formats where it has clusters;
        /// and of an output layer stored in int8 or int4, its biases (`outputBiasRecord`).
        func compressedRecords(_ layer: any WeightContainer, prefix: String, component: WeightFormat, clustered: Bool) {
            for p in layer.namedWeights(prefix: prefix) {
                let format = clustered ? precision.format(ofClusterMatrix: p.name, component: component) : component
                if format != .float32 { records[p.name] = compressedTableRecord(p.weight.shape, format: format) }
                if prefix == "output", p.weight.shape.count == 1 { records[p.name] = outputBiasRecord(p.weight.shape, output: component) }
            }
        }
        var rng = SeededGenerator(seed: 0)
        if c.inputEmbedding == .full {
            if precision.input != .float32 {
                records["item_embedding.weight"] = QuantizedTensorRecord(format: precision.input, shape: [c.itemCount, c.embeddingSize], axis: 0)
            }
        } else {
            compressedRecords(SequentialRecommender.makeEmbedding(c, rng: &rng), prefix: "item_embedding", component: precision.input,
                              clustered: clusteredInput)
        }
        if c.tiedEmbeddings && precision.output != precision.input {
            throw InputError(source: "precision", location: "output",
                             "the model's output is tied to its input table, which is stored once: give input and output one precision "
                                 + "(got input \(precision.input.rawValue), output \(precision.output.rawValue))")
        }
        if c.outputLayer == .fullSoftmax {
            records["output.bias"] = outputBiasRecord([c.itemCount], output: precision.output)
        }
        if !c.tiedEmbeddings {
            if c.outputLayer == .fullSoftmax {
                if precision.output != .float32 {
                    records["output.weight"] = QuantizedTensorRecord(format: precision.output, shape: [c.embeddingSize, c.itemCount], axis: 1)
                }
            } else {
                let output = SequentialRecommender.makeOutputLayer(c, embedding: SequentialRecommender.makeEmbedding(c, rng: &rng), rng: &rng)
                compressedRecords(output, prefix: "output", component: precision.output, clustered: clusteredOutput)
            }
        }
        if precision.encoder != .float32 {
            for p in encoder.uniqueWeights() where p.weight.shape.count >= 2 {
                records[p.name] = QuantizedTensorRecord(format: precision.encoder, shape: p.weight.shape, axis: p.weight.shape.count - 1)
            }
        }
        return records
    }

    /// A compressed layer's matrix (a table, a projection, a tree softmax's node matrix), stored in
    /// reduced precision and dequantized once at load, as the encoder's: nil for a vector (a bias,
    /// kept Float32). Rows run along its longer end (an item table `[n, d]` gets a scale (and offset)
    /// per item, a matrix `[d, n]` whose columns are items one per column), unless a row would then
    /// hold fewer than `minimumRowLength` values: a CpRec tail of width 4 would spend twice its
    /// codes' bytes on per-item scales, so its rows run along the short end (a scale per column).
    /// Such a row holds one value per item of the tail, thousands: in int4 it is cut into groups of
    /// `int4GroupLength` values with a scale and offset each, since 16 levels spread over a whole
    /// tail's outliers leave most of its items a step or two.
    static func compressedTableRecord(_ shape: [Int], format: WeightFormat) -> QuantizedTensorRecord? {
        guard shape.count >= 2 else { return nil }
        let count = shape.reduce(1, *), last = shape.count - 1
        var axis = shape[0] >= shape[last] ? 0 : last
        if count / max(shape[axis], 1) < minimumRowLength { axis = axis == 0 ? last : 0 }
        let rowLength = count / max(shape[axis], 1)
        let group = format == .int4 && rowLength > 2 * int4GroupLength ? int4GroupLength : nil
        return QuantizedTensorRecord(format: format, shape: shape, axis: axis, group: group)
    }

    /// An output layer's bias vector (one value per item, or per tree node) beside rows stored in
    /// int8 or int4: fp16, as those rows' scales, 2 bytes an item instead of 4; nil (Float32)
    /// beside Float32 and fp16 rows. At C = 64 this is what takes an int8 model past 3.8× in bytes.
    static func outputBiasRecord(_ shape: [Int], output: WeightFormat) -> QuantizedTensorRecord? {
        output.largestCode == nil ? nil : QuantizedTensorRecord(format: .float16, shape: shape, axis: 0)
    }

    /// Values a quantized row of a compressed layer should hold at least (see `compressedTableRecord`).
    static let minimumRowLength = 32
    /// Values an int4 scale covers in a compressed layer's rows longer than twice this (see
    /// `compressedTableRecord`): 4 bytes of scale and offset per 32 bytes of codes.
    static let int4GroupLength = 64

    /// Builds the model of a reduced-precision bundle from its tensors: full quantized tables stay
    /// in their codes (`QuantizedEmbedding`, `QuantizedFullSoftmax`); the encoder's quantized
    /// matrices and those of compressed layers are dequantized once into Float32 parameters (they
    /// are small: the compression made them so); every other weight is copied from its F32 tensor. No Float32 item table is ever allocated for a quantized
    /// component. config.json's record of the tensors must be exactly what the configuration
    /// implies, and the file must hold nothing else.
    static func readQuantizedModel(
        _ c: ModelConfiguration, precision: ModelPrecision, file: SafeTensorsFile, configPath: String
    ) throws -> (SequentialRecommender, [QuantizedWeight]) {
        var rng = SeededGenerator(seed: 0)
        let encoder = c.encoder.makeEncoder(channels: c.embeddingSize, maxLength: c.maxLength, rng: &rng)
        var records: [String: QuantizedTensorRecord]
        do {
            records = try quantizedRecords(c, precision: precision, encoder: encoder)
        } catch let error as InputError {
            throw InputError(source: configPath, location: "precision.\(error.location ?? "")", error.message)
        }
        // Bundles written before int4 rows were grouped record no group: they are read as they
        // were written, a scale a row (their tensors' shapes then have to say so).
        for (name, record) in records where record.group != nil {
            var whole = record
            whole.group = nil
            if precision.tensors[name] == whole { records[name] = whole }
        }
        guard records == precision.tensors else {
            let missing = records.keys.filter { precision.tensors[$0] != records[$0] }.sorted()
            let extra = precision.tensors.keys.filter { records[$0] == nil }.sorted()
            throw InputError(source: configPath, location: "precision.tensors",
                             "disagrees with the model and precision it records (\(precision.summary)): "
                                 + (missing.isEmpty ? "" : "expected \(missing.map { "\($0) \(records[$0]!.format.rawValue) \(records[$0]!.shape) axis \(records[$0]!.axis)\(records[$0]!.group.map { " group \($0)" } ?? "")" }.joined(separator: ", ")); ")
                                 + (extra.isEmpty ? "" : "not weights of this model: \(extra.joined(separator: ", "))"))
        }
        var weights: [String: QuantizedWeight] = [:]
        for (name, record) in records.sorted(by: { $0.key < $1.key }) {
            weights[name] = try QuantizedWeight.read(name, record: record, from: file, limit: weightLimit)
        }
        let table = c.inputEmbedding == .full ? weights["item_embedding.weight"] : nil
        let embedding: any ItemEmbedding = table.map { QuantizedEmbedding(table: $0.rows) } ?? SequentialRecommender.makeEmbedding(c, rng: &rng)
        // A tied output scores with the input's own codes.
        let items = c.outputLayer != .fullSoftmax ? nil : c.tiedEmbeddings ? table : weights["output.weight"]
        let output: any OutputLayer = items.map { QuantizedFullSoftmax(items: $0.rows, bias: Weight(shape: [c.itemCount])) }
            ?? SequentialRecommender.makeOutputLayer(c, embedding: embedding, rng: &rng)
        let model = SequentialRecommender(configuration: c, embedding: embedding, encoder: encoder, output: output)
        var float32: [(name: String, tensor: Tensor)] = []
        for p in model.uniqueWeights() {
            if let weight = weights[p.name] {
                let values = weight.dequantizedValues()
                values.withUnsafeBufferPointer { p.weight.value.data.update(from: $0.baseAddress!, count: p.weight.count) }
            } else {
                float32.append((p.name, p.weight.value))
            }
        }
        let storedNames = Set(records.flatMap { QuantizedWeight.tensorNames($0.key, format: $0.value.format) })
        for p in float32 {
            let values = try file.values(of: p.name, shape: p.tensor.shape, limit: weightLimit)
            values.withUnsafeBufferPointer { p.tensor.data.update(from: $0.baseAddress!, count: p.tensor.count) }
        }
        let expected = Set(float32.map(\.name))
        let unexpected = "not a tensor of the model and precision config.json describes (\(precision.summary))"
        if let extra = file.tensors.first(where: { !expected.contains($0.name) }) {
            throw InputError(source: file.source, location: SafeTensorsDiagnostics.location(ofTensor: extra.name), unexpected)
        }
        if let extra = file.stored.first(where: { !storedNames.contains($0.name) }) {
            throw InputError(source: file.source, location: SafeTensorsDiagnostics.location(ofTensor: extra.name),
                             "\(unexpected) (a \(extra.dtype.rawValue) tensor)")
        }
        return (model, weights.values.sorted { $0.name < $1.name })
    }
}
