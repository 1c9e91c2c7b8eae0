/// The safetensors dtypes CompactRec reads: `F32` everywhere, and in model bundles of reduced
/// precision `F16`, `U8` and `I8` as well.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case float32 = "F32"
    case float16 = "F16"
    case uint8 = "U8"
    case int8 = "I8"

    /// Bytes of one element.
    public var size: Int {
        switch self {
        case .float32: 4
        case .float16: 2
        case .uint8, .int8: 1
        }
    }
}

/// A tensor of a dtype other than `F32`, as its little-endian bytes: reduced-precision weights
/// (fp16 values, 8-bit and packed 4-bit codes, fp16 scales and offsets).
public struct StoredTensor: Sendable, Equatable {
    public var name: String
    public var dtype: SafeTensorsDType
    public var shape: [Int]
    /// [product of shape · dtype.size] bytes, little-endian.
    public var bytes: [UInt8]

    public init(name: String, dtype: SafeTensorsDType, shape: [Int], bytes: [UInt8]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }
}
