/// A weight of a model stored in reduced precision: its `QuantizedRows` and where they came
/// from (the parameter's name, shape, and the axis whose slices are the rows).
///
/// The rows are the weight with `axis` moved to the front, `[shape[axis], count / shape[axis]]`;
/// `axis` is 0 (an item table `[N, C]`) or the last (an output matrix `[C, N]`, an encoder matrix
/// `[C_in, …, C_out]`), so the rows are the weight itself or its transpose as a 2-D matrix. A
/// vector (an output bias `[N]`, stored fp16) is `N` rows of one value.
public struct QuantizedWeight: Sendable {
    public let name: String
    public let shape: [Int]
    public let axis: Int
    /// [shape[axis], count / shape[axis]]
    public let rows: QuantizedRows

    public init(name: String, shape: [Int], axis: Int, rows: QuantizedRows) {
        precondition(shape.count >= 2 && (axis == 0 || axis == shape.count - 1) || shape.count == 1 && axis == 0 && rows.format == .float16,
                     "rows along the first or last axis (a vector: fp16, one value a row)")
        precondition(rows.rows == shape[axis] && rows.rows * rows.columns == shape.reduce(1, *), "rows of \(shape) along axis \(axis)")
        self.name = name
        self.shape = shape
        self.axis = axis
        self.rows = rows
    }

    /// What `config.json` records of it.
    public var record: QuantizedTensorRecord { QuantizedTensorRecord(format: rows.format, shape: shape, axis: axis) }

    /// Quantizes the Float32 weight `values`, laid out as `shape`, row-wise along `axis`.
    public static func quantize(name: String, values: UnsafePointer<Float>, shape: [Int], axis: Int, format: WeightFormat) -> QuantizedWeight {
        let (outer, inner) = Self.matrixShape(shape, axis: axis)
        let rows = axis == 0 ? outer : inner
        let columns = axis == 0 ? inner : outer
        if axis == 0 {
            return QuantizedWeight(name: name, shape: shape, axis: axis,
                                   rows: QuantizedRows.quantize(values, rows: rows, columns: columns, format: format))
        }
        let transposed = Self.transpose(values, rows: outer, columns: inner)  // [inner, outer]
        return QuantizedWeight(name: name, shape: shape, axis: axis,
                               rows: transposed.withUnsafeBufferPointer {
                                   QuantizedRows.quantize($0.baseAddress!, rows: rows, columns: columns, format: format)
                               })
    }

    /// Every value dequantized, in the weight's own layout (`shape`): for the encoder's small
    /// matrices, which are dequantized once at load, never for an item table.
    public func dequantizedValues() -> [Float] {
        let values = rows.dequantized()
        guard axis != 0 else { return values }
        return values.withUnsafeBufferPointer { Self.transpose($0.baseAddress!, rows: rows.rows, columns: rows.columns) }
    }

    /// The weight seen as a 2-D matrix split at `axis`: (product before the split, product after).
    /// Axis 0 splits after the first dimension, the last axis before the last dimension.
    package static func matrixShape(_ shape: [Int], axis: Int) -> (outer: Int, inner: Int) {
        let count = shape.reduce(1, *)
        let outer = axis == 0 ? shape[0] : count / max(shape[shape.count - 1], 1)
        return (outer, count / max(outer, 1))
    }

    /// out[c, r] = values[r, c]. values: [rows, columns]; returns [columns, rows].
    package static func transpose<Element>(_ values: UnsafePointer<Element>, rows: Int, columns: Int) -> [Element] {
        [Element](unsafeUninitializedCapacity: rows * columns) { out, initialized in
            for r in 0..<rows {
                for c in 0..<columns { (out.baseAddress! + c * rows + r).initialize(to: values[r * columns + c]) }
            }
            initialized = rows * columns
        }
    }
}
