/// How a weight is stored: full precision, IEEE half, or row-wise quantized to 8 or 4 bits.
///
/// The raw values are the names `compactrec quantize --precision` takes and `config.json`
/// records.
public enum WeightFormat: String, Codable, Sendable, CaseIterable {
    /// IEEE 754 single precision: 4 bytes a value.
    case float32
    /// IEEE 754 half precision, rounded to nearest (ties to even): 2 bytes a value.
    case float16 = "fp16"
    /// One byte a value, symmetric: signed codes −127…127 and per row an fp16 scale
    /// (value = scale · code).
    case int8
    /// Half a byte a value (two per byte), per row an fp16 scale and offset.
    case int4

    /// The largest code of a row-wise integer format (127 or 15); nil for floating-point formats.
    /// int8's codes run from −127, int4's from 0.
    public var largestCode: Int? {
        switch self {
        case .float32, .float16: nil
        case .int8: 127
        case .int4: 15
        }
    }

    /// Whether rows carry an offset beside their scale (int4's codes are unsigned; int8's are
    /// symmetric about zero and need none).
    public var hasOffsets: Bool { self == .int4 }

    /// Bytes one row of `columns` values takes, without its scale (and offset).
    public func bytesPerRow(columns: Int) -> Int {
        switch self {
        case .float32: columns * 4
        case .float16: columns * 2
        case .int8: columns
        case .int4: (columns + 1) / 2
        }
    }

    /// Bytes of one row's fp16 scale and (int4) offset together (0 for floating-point formats).
    public var rowParameterBytes: Int {
        switch self {
        case .float32, .float16: 0
        case .int8: 2
        case .int4: 4
        }
    }

    /// Bytes a `[rows, columns]` matrix takes in this format, scales and offsets included.
    public func bytes(rows: Int, columns: Int) -> Int {
        rows * (bytesPerRow(columns: columns) + rowParameterBytes)
    }
}
