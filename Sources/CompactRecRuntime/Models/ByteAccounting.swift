/// Bytes of a model's weights as its bundle stores them, per component (input table, encoder,
/// output layer), and the ratio against the uncompressed Float32 model of the same N, C and
/// encoder: what `inspect` and `--json` report beside the parameter counts.
///
/// Float32 weights count 4 bytes a value; a reduced-precision weight its codes plus its rows'
/// scales and offsets (`WeightFormat.bytes`); a JPQ table's item codes a byte per item and split. The safetensors header is not counted.
public struct ByteAccounting: Sendable, Equatable {
    public var input: Int
    public var middle: Int
    public var output: Int
    public var total: Int { input + middle + output }
    /// 4 bytes a parameter of the uncompressed model (`ParameterAccounting.uncompressed`).
    public var uncompressedFloat32: Int
    /// uncompressedFloat32 / total.
    public var ratio: Double { Double(uncompressedFloat32) / Double(max(total, 1)) }

    public init(bundle: ModelBundle) {
        let quantized = Set(bundle.quantizedWeights.map(\.name))
        var bytes = [0, 0, 0]
        for p in bundle.model.uniqueWeights() where !quantized.contains(p.name) {
            bytes[Self.component(of: p.name)] += p.weight.count * MemoryLayout<Float>.size
        }
        for weight in bundle.quantizedWeights {
            bytes[Self.component(of: weight.name)] += weight.rows.storedBytes
        }
        // A JPQ table's item codes: one byte per item and split.
        for (name, codes) in bundle.model.namedItemCodes() {
            bytes[Self.component(of: name)] += codes.bytes.count
        }
        (input, middle, output) = (bytes[0], bytes[1], bytes[2])
        uncompressedFloat32 = ParameterAccounting.uncompressed(bundle.configuration.model).total * MemoryLayout<Float>.size
    }

    /// 0 input, 1 middle (the encoder), 2 output, by the weight's bundle name.
    static func component(of name: String) -> Int {
        name.hasPrefix("item_embedding.") ? 0 : name.hasPrefix("output.") ? 2 : 1
    }

    public var dictionary: [String: Double] {
        ["bytes": Double(total), "bytes_input": Double(input), "bytes_middle": Double(middle), "bytes_output": Double(output),
         "bytes_uncompressed_float32": Double(uncompressedFloat32), "bytes_ratio": ratio]
    }
}
