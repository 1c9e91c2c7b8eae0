/// A named, row-major array of `Float` values: one entry of a safetensors file.
///
/// `values.count` must equal the product of `shape` (1 for the scalar shape `[]`); the
/// encoder checks this, the decoder guarantees it. Equality compares values as floats,
/// so a tensor holding a NaN is never equal to itself; compare `bitPattern`s for bit-exactness.
public struct NamedTensor: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}
