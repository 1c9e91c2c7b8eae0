/// A weight of a model stored in reduced precision: its `QuantizedRows` and where they came
/// from (the parameter's name, shape, and the axis whose slices are the rows).
///
/// The rows are the weight with `axis` moved to the front, `[shape[axis], count / shape[axis]]`;
/// `axis` is 0 (an item table `[N, C]`) or the last (an output matrix `[C, N]`, an encoder matrix
/// `[C_in, …, C_out]`), so the rows are the weight itself or its transpose as a 2-D matrix. A
/// vector (an output bias `[N]`, stored fp16) is `N` rows of one value. With a `group`, each of
/// those rows is cut into groups of `group` values (the last one padded with the row's last
/// value), and `rows` holds the groups: `[shape[axis] · groupsPerRow, group]`.
public struct QuantizedWeight: Sendable {
    public let name: String
    public let shape: [Int]
    public let axis: Int
    /// Values a scale covers along a row; nil: the whole row.
    public let group: Int?
    /// [shape[axis], count / shape[axis]], or with a group [shape[axis] · groupsPerRow, group]
    public let rows: QuantizedRows

    public init(name: String, shape: [Int], axis: Int, group: Int? = nil, rows: QuantizedRows) {
        precondition(shape.count >= 2 && (axis == 0 || axis == shape.count - 1) || shape.count == 1 && axis == 0 && rows.format == .float16,
                     "rows along the first or last axis (a vector: fp16, one value a row)")
        let rowLength = shape.reduce(1, *) / max(shape[axis], 1)
        if let group {
            precondition(group >= 1 && rows.format == .int4, "groups of at least one value, in int4 rows")
            precondition(rows.rows == shape[axis] * Self.groupsPerRow(rowLength, group) && rows.columns == group,
                         "groups of \(group) of the rows of \(shape) along axis \(axis)")
        } else {
            precondition(rows.rows == shape[axis] && rows.columns == rowLength, "rows of \(shape) along axis \(axis)")
        }
        self.name = name
        self.shape = shape
        self.axis = axis
        self.group = group
        self.rows = rows
    }

    /// What `config.json` records of it.
    public var record: QuantizedTensorRecord { QuantizedTensorRecord(format: rows.format, shape: shape, axis: axis, group: group) }

    /// Groups of `group` values a row of `rowLength` is cut into.
    package static func groupsPerRow(_ rowLength: Int, _ group: Int) -> Int { (rowLength + group - 1) / group }

    /// Quantizes the Float32 weight `values`, laid out as `shape`, row-wise along `axis`, each row
    /// in groups of `group` values if given.
    public static func quantize(
        name: String, values: UnsafePointer<Float>, shape: [Int], axis: Int, format: WeightFormat, group: Int? = nil
    ) -> QuantizedWeight {
        let (outer, inner) = Self.matrixShape(shape, axis: axis)
        let rows = axis == 0 ? outer : inner
        let columns = axis == 0 ? inner : outer
        if axis == 0, group == nil {
            return QuantizedWeight(name: name, shape: shape, axis: axis,
                                   rows: QuantizedRows.quantize(values, rows: rows, columns: columns, format: format))
        }
        // [rows, columns]: a copy only where the rows must be transposed or regrouped.
        let matrix = axis == 0 ? Array(UnsafeBufferPointer(start: values, count: outer * inner))
                               : Self.transpose(values, rows: outer, columns: inner)
        guard let group else {
            return QuantizedWeight(name: name, shape: shape, axis: axis, rows: matrix.withUnsafeBufferPointer {
                QuantizedRows.quantize($0.baseAddress!, rows: rows, columns: columns, format: format)
            })
        }
        let groups = groupsPerRow(columns, group)
        var grouped = [Float](repeating: 0, count: rows * groups * group)  // [rows · groups, group]
        for r in 0..<rows {
            for i in 0..<(groups * group) { grouped[r * groups * group + i] = matrix[r * columns + min(i, columns - 1)] }
        }
        return QuantizedWeight(name: name, shape: shape, axis: axis, group: group, rows: grouped.withUnsafeBufferPointer {
            QuantizedRows.quantize($0.baseAddress!, rows: rows * groups, columns: group, format: format)
        })
    }

    /// Every value dequantized, in the weight's own layout (`shape`): for the encoder's small
    /// matrices, which are dequantized once at load, never for an item table.
    public func dequantizedValues() -> [Float] {
        var values = rows.dequantized()
        let rowCount = shape[axis], rowLength = shape.reduce(1, *) / max(rowCount, 1)
        if let group {
            // [rows · groups, group] → [rows, rowLength]: each row's groups in order, the padding dropped.
            let stride = Self.groupsPerRow(rowLength, group) * group
            values = (0..<(rowCount * rowLength)).map { values[($0 / rowLength) * stride + $0 % rowLength] }
        }
        guard axis != 0 else { return values }
        return values.withUnsafeBufferPointer { Self.transpose($0.baseAddress!, rows: rowCount, columns: rowLength) }
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
