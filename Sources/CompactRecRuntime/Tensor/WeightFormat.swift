/// How a weight is stored: full precision, IEEE half, or row-wise quantized to 8 or 4 bits.
///
/// The raw values are the names `compactrec quantize --precision` takes and `config.json`
/// records.
public enum WeightFormat: String, Codable, Sendable, CaseIterable {
    /// IEEE 754 single precision: 4 bytes a value.
    case float32
    /// IEEE 754 half precision, rounded to nearest (ties to even): 2 bytes a value.
    case float16 = "fp16"
    /// One byte a value, per row a Float32 scale and offset (value = scale · code + offset), as
    /// FBGEMM's fused 8-bit row-wise tables.
    case int8
    /// Half a byte a value (two per byte), per row an fp16 scale and offset.
    case int4

    /// The largest code of a row-wise integer format (255 or 15); nil for floating-point formats.
    public var largestCode: Int? {
        switch self {
        case .float32, .float16: nil
        case .int8: 255
        case .int4: 15
        }
    }

    /// Bytes one row of `columns` values takes, without its scale and offset.
    public func bytesPerRow(columns: Int) -> Int {
        switch self {
        case .float32: columns * 4
        case .float16: columns * 2
        case .int8: columns
        case .int4: (columns + 1) / 2
        }
    }

    /// Bytes of one row's scale and offset together (0 for floating-point formats).
    public var rowParameterBytes: Int {
        switch self {
        case .float32, .float16: 0
        case .int8: 8
        case .int4: 4
        }
    }

    /// Bytes a `[rows, columns]` matrix takes in this format, scales and offsets included.
    public func bytes(rows: Int, columns: Int) -> Int {
        rows * (bytesPerRow(columns: columns) + rowParameterBytes)
    }
}
