/// How each component of a model is stored: the item table of the input (`input`), the output
/// layer's item matrix (`output`; its bias stays Float32) and the encoder's matrices (`encoder`;
/// its biases and LayerNorm weights stay Float32). `config.json` records it as `precision`, with
/// every reduced-precision tensor in `tensors`; a bundle without it is Float32 throughout.
public struct ModelPrecision: Codable, Sendable, Equatable {
    public var input: WeightFormat
    public var output: WeightFormat
    public var encoder: WeightFormat
    /// CpRec's clusters: the format of the head's and of the tails' matrices of a block-adaptive
    /// input and of a tree-softmax output, instead of their component's (popular items may keep
    /// more bits than the long tail). Nil: the component's format.
    public var head: WeightFormat?
    public var tails: WeightFormat?
    /// Every weight stored in reduced precision, by its name as a Float32 parameter: what a reader
    /// needs to dequantize it (see the README's model bundle section).
    public var tensors: [String: QuantizedTensorRecord]

    public init(input: WeightFormat, output: WeightFormat, encoder: WeightFormat, tensors: [String: QuantizedTensorRecord] = [:]) {
        self.input = input
        self.output = output
        self.encoder = encoder
        self.tensors = tensors
    }

    /// Whether every component is Float32 (nothing to quantize).
    public var isFloat32: Bool {
        input == .float32 && output == .float32 && encoder == .float32 && (head ?? .float32) == .float32
            && (tails ?? .float32) == .float32
    }

    /// The components as `compactrec quantize --precision` writes them: `input=int4,output=int4,encoder=int8`.
    public var summary: String {
        "input=\(input.rawValue),output=\(output.rawValue),encoder=\(encoder.rawValue)"
            + (head.map { ",head=\($0.rawValue)" } ?? "") + (tails.map { ",tails=\($0.rawValue)" } ?? "")
    }

    /// The format of a clustered layer's matrix `name` (a dotted name under `item_embedding.` or
    /// `output.`): `head` or `tails` when given and the name is theirs, else `component`.
    public func format(ofClusterMatrix name: String, component: WeightFormat) -> WeightFormat {
        if name.contains(".head."), let head { return head }
        if name.contains(".tails."), let tails { return tails }
        return component
    }

    /// Refuses formats a component cannot take: the encoder's matrices are stored fp16 or int8
    /// (per output channel), not int4.
    public func validate() throws {
        guard encoder != .int4 else {
            throw InputError(source: "precision", location: "encoder",
                             "int4 is for item tables; the encoder's matrices are stored float32, fp16 or int8")
        }
    }
}

/// One reduced-precision tensor as `config.json` records it.
public struct QuantizedTensorRecord: Codable, Sendable, Equatable {
    /// fp16, int8 or int4.
    public var format: WeightFormat
    /// The weight's shape as a Float32 parameter (e.g. `output.weight` `[C, N]`).
    public var shape: [Int]
    /// The axis whose slices are the quantized rows, each with its own scale (and int4 offset): 0 for the
    /// input table (a row per item), the last axis for the output matrix (per item) and for the
    /// encoder's matrices (per output channel). The stored `[rows, columns]` codes are the weight
    /// with this axis moved to the front.
    public var axis: Int
    /// Values a scale (and offset) covers along a row: nil for the whole row; otherwise each row
    /// is cut into groups of this many values, the last one shorter, each quantized as a row of
    /// its own (stored `[rows · groups, group]`). Set for int4 rows too long to share one scale
    /// (`ModelBundle.compressedTableRecord`).
    public var group: Int?

    public init(format: WeightFormat, shape: [Int], axis: Int, group: Int? = nil) {
        self.format = format
        self.shape = shape
        self.axis = axis
        self.group = group
    }
}
