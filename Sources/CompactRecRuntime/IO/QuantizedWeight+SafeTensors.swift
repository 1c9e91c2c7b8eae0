/// How a reduced-precision weight is stored in `model.safetensors`, under its parameter's name:
/// - fp16: `NAME`, `F16`, the weight's own shape;
/// - int8: `NAME.quantized` `I8` `[rows, columns]` (−127…127), `NAME.scale` `F16` `[rows]`;
/// - int4: `NAME.quantized` `U8` `[rows, ⌈columns/2⌉]`, `NAME.scale` and `NAME.offset` `F16` `[rows]`;
/// the rows being the weight with `axis` moved to the front (`QuantizedWeight`), or with a
/// `group`, their groups: `[rows · groups, ⌈group/2⌉]` and `[rows · groups]`.
extension QuantizedWeight {
    public static let codesSuffix = ".quantized", scaleSuffix = ".scale", offsetSuffix = ".offset"

    /// The tensors that store it (none is Float32).
    public func safeTensors() -> [StoredTensor] {
        let q = rows
        let codes = [UInt8](UnsafeRawBufferPointer(start: q.codes, count: q.rows * q.bytesPerRow))
        switch q.format {
        case .float32: preconditionFailure("unreachable: no Float32 QuantizedRows")
        case .float16:
            let halves = UnsafePointer(q.codes.assumingMemoryBound(to: UInt16.self))
            let original = axis == 0 ? Array(UnsafeBufferPointer(start: halves, count: q.rows * q.columns))
                                     : Self.transpose(halves, rows: q.rows, columns: q.columns)
            let bytes = original.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
            return [StoredTensor(name: name, dtype: .float16, shape: shape, bytes: bytes)]
        case .int8, .int4:
            func halves(_ storage: UnsafeMutableRawPointer?) -> [UInt8] {
                [UInt8](UnsafeRawBufferPointer(start: storage, count: q.rows * 2))
            }
            let codeType: SafeTensorsDType = q.format == .int8 ? .int8 : .uint8
            return [StoredTensor(name: name + Self.codesSuffix, dtype: codeType, shape: [q.rows, q.bytesPerRow], bytes: codes),
                    StoredTensor(name: name + Self.scaleSuffix, dtype: .float16, shape: [q.rows], bytes: halves(q.scales))]
                + (q.format.hasOffsets
                    ? [StoredTensor(name: name + Self.offsetSuffix, dtype: .float16, shape: [q.rows], bytes: halves(q.offsets))] : [])
        }
    }

    /// The names of the tensors that store a weight called `name` in `format`.
    public static func tensorNames(_ name: String, format: WeightFormat) -> [String] {
        switch format {
        case .float32, .float16: [name]
        case .int8: [name + codesSuffix, name + scaleSuffix]
        case .int4: [name + codesSuffix, name + scaleSuffix, name + offsetSuffix]
        }
    }

    /// Reads the weight `name` recorded as `record` from `file`, checking every tensor's dtype and
    /// shape, that every value decodes finite and within ±`limit`, and that an odd int4 row's
    /// unused high bits are zero; errors name the file and the tensor.
    public static func read(_ name: String, record: QuantizedTensorRecord, from file: SafeTensorsFile, limit: Float) throws -> QuantizedWeight {
        let shape = record.shape, axis = record.axis
        let (outer, inner) = matrixShape(shape, axis: axis)
        func failure(_ tensor: String, _ message: String) -> InputError {
            InputError(source: file.source, location: SafeTensorsDiagnostics.location(ofTensor: tensor), message)
        }
        // The stored rows: the weight's rows along `axis`, or their groups.
        var rowCount = axis == 0 ? outer : inner, columns = axis == 0 ? inner : outer
        if let group = record.group {
            guard group >= 1, record.format == .int4 else {
                throw failure(name, "config.json records a group of \(group) values for \(record.format.rawValue) rows; groups are for int4, of at least one value")
            }
            rowCount *= groupsPerRow(columns, group)
            columns = group
        }
        let q = QuantizedRows(format: record.format, rows: rowCount, columns: columns)
        func stored(_ tensor: String, _ dtype: SafeTensorsDType, _ expectedShape: [Int]) throws -> StoredTensor {
            let role = "config.json records \(name) as \(record.format.rawValue)"
            // int8 was stored as U8 codes with an F32 scale and offset before it became symmetric.
            let earlier = record.format == .int8 && (file[name + scaleSuffix] != nil || file.stored(name + codesSuffix)?.dtype == .uint8)
                ? " (an int8 bundle of the earlier layout, U8 codes with an F32 scale and offset: quantize the Float32 model again)" : ""
            guard let found = file.stored(tensor) else {
                if file[tensor] != nil { throw failure(tensor, "dtype is \"F32\", expected \"\(dtype.rawValue)\": \(role)\(earlier)") }
                throw failure(tensor, "missing; \(role), which is stored as \(tensorNames(name, format: record.format).joined(separator: ", "))")
            }
            guard found.dtype == dtype else {
                throw failure(tensor, "dtype is \"\(found.dtype.rawValue)\", expected \"\(dtype.rawValue)\": \(role)\(earlier)")
            }
            guard found.shape == expectedShape else { throw failure(tensor, "expected shape \(expectedShape), found \(found.shape): \(role)") }
            return found
        }
        switch record.format {
        case .float32: throw failure(name, "config.json records it as float32 among the reduced-precision tensors")
        case .float16:
            let tensor = try stored(name, .float16, shape)
            let halves = tensor.bytes.withUnsafeBytes { bytes in
                (0..<(bytes.count / 2)).map { UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)) }
            }
            if let bad = halves.firstIndex(where: { !(abs(Float(Float16(bitPattern: $0))) <= limit) }) {
                throw failure(name, "element \(bad) is \(Float16(bitPattern: halves[bad])), not a finite number within ±\(limit)")
            }
            let rowsLayout = axis == 0 ? halves : halves.withUnsafeBufferPointer { transpose($0.baseAddress!, rows: outer, columns: inner) }
            rowsLayout.withUnsafeBytes { q.codes.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        case .int8, .int4:
            let codes = try stored(name + codesSuffix, record.format == .int8 ? .int8 : .uint8, [rowCount, q.bytesPerRow])
            codes.bytes.withUnsafeBytes { q.codes.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            let scales = try stored(name + scaleSuffix, .float16, [rowCount])
            scales.bytes.withUnsafeBytes { q.scales!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            if record.format == .int8 {
                if let bad = (0..<(rowCount * columns)).first(where: { q.codes.load(fromByteOffset: $0, as: Int8.self) == -128 }) {
                    throw failure(name + codesSuffix, "element \(bad) is -128; int8 codes are symmetric, -127…127")
                }
            } else {
                let offsets = try stored(name + offsetSuffix, .float16, [rowCount])
                offsets.bytes.withUnsafeBytes { q.offsets!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                if columns % 2 == 1, let bad = (0..<rowCount).first(where: { q.codes.load(fromByteOffset: $0 * q.bytesPerRow + q.bytesPerRow - 1, as: UInt8.self) >> 4 != 0 }) {
                    throw failure(name + codesSuffix, "row \(bad): the high four bits of its last byte hold no value of an odd row and must be 0")
                }
            }
            let largest = Float(record.format.largestCode!)
            for r in 0..<rowCount {
                let scale = q.scale(ofRow: r), offset = q.offset(ofRow: r)
                guard scale >= 0, scale.isFinite else {
                    throw failure(name + scaleSuffix, "element \(r) is \(scale); expected a finite scale ≥ 0")
                }
                // int8 decodes to ±127·scale, int4 to offset…offset + 15·scale.
                let low = record.format == .int8 ? -largest * scale : offset
                guard abs(low) <= limit, abs(offset + largest * scale) <= limit else {
                    throw failure(name + (record.format.hasOffsets ? offsetSuffix : scaleSuffix),
                                  "row \(r) decodes to \(low)…\(offset + largest * scale), beyond ±\(limit)")
                }
            }
        }
        return QuantizedWeight(name: name, shape: shape, axis: axis, group: record.group, rows: q)
    }
}
