import CKernels

/// A read-only `[rows, columns]` matrix of Float values stored in reduced precision, row by row
/// (`WeightFormat.float16`, `.int8` or `.int4`): an item table whose rows are items, or an
/// encoder matrix whose rows are output channels.
///
/// Layout of `codes`, `[rows, bytesPerRow]`:
/// - fp16: the IEEE half bits of each value.
/// - int8: one signed code `q` (−127…127) a value; the value is `scale[r] · q` (fp16 scale, no offset).
/// - int4: byte `j` of a row holds value `j` in its low four bits and value `j + ⌈C/2⌉` in its
///   high four bits (zero past the end of an odd row); the value is `scale[r] · q + offset[r]`
///   (fp16 scale and offset).
///
/// Scales come from each row's largest magnitude (int8) or a search for the least squared error
/// near its minimum and maximum (int4; see `quantize`); codes are rounded to nearest.
/// Nothing here is ever unpacked as a whole: kernels score against the codes and embedding
/// lookups dequantize the rows they read (`dequantizeRow`).
public final class QuantizedRows: @unchecked Sendable {
    public let format: WeightFormat
    public let rows: Int
    public let columns: Int
    /// Bytes of one row of `codes`.
    public let bytesPerRow: Int
    /// [rows, bytesPerRow]
    public let codes: UnsafeMutableRawPointer
    /// [rows]: fp16 bits for int8 and int4; nil for fp16.
    public let scales: UnsafeMutableRawPointer?
    /// [rows]: fp16 bits for int4; nil for fp16 and int8.
    public let offsets: UnsafeMutableRawPointer?

    /// A zero-filled matrix (every value decodes to 0).
    public init(format: WeightFormat, rows: Int, columns: Int) {
        precondition(format != .float32, "QuantizedRows holds reduced-precision formats; Float32 weights are Tensors")
        precondition(rows >= 0 && columns >= 1, "a [\(rows), \(columns)] matrix")
        self.format = format
        self.rows = rows
        self.columns = columns
        bytesPerRow = format.bytesPerRow(columns: columns)
        func zeroed(_ bytes: Int) -> UnsafeMutableRawPointer {
            let pointer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 1), alignment: 64)
            pointer.initializeMemory(as: UInt8.self, repeating: 0, count: max(bytes, 1))
            return pointer
        }
        codes = zeroed(rows * bytesPerRow)
        scales = format.rowParameterBytes > 0 ? zeroed(rows * 2) : nil
        offsets = format.hasOffsets ? zeroed(rows * 2) : nil
    }

    deinit {
        codes.deallocate()
        scales?.deallocate()
        offsets?.deallocate()
    }

    /// Bytes as stored: codes, and per row a scale and (int4) an offset.
    public var storedBytes: Int { format.bytes(rows: rows, columns: columns) }

    /// Row `r`'s scale (0 for fp16, which has none).
    public func scale(ofRow r: Int) -> Float { Self.rowParameter(scales, r) }

    /// Row `r`'s offset, the value of code 0 (0 for fp16 and int8, which have none).
    public func offset(ofRow r: Int) -> Float { Self.rowParameter(offsets, r) }

    private static func rowParameter(_ storage: UnsafeMutableRawPointer?, _ r: Int) -> Float {
        guard let storage else { return 0 }
        return Float(Float16(bitPattern: storage.load(fromByteOffset: r * 2, as: UInt16.self)))
    }

    /// output[0..<columns] = row `r`, dequantized. output: [C]
    public func dequantizeRow(_ r: Int, into output: UnsafeMutablePointer<Float>) {
        precondition(r >= 0 && r < rows, "row \(r) of \(rows)")
        let row = UnsafeRawPointer(codes + r * bytesPerRow)
        switch format {
        case .float32: preconditionFailure("unreachable: no Float32 QuantizedRows")
        case .float16: ck_dequantize_f16(row, columns, output)
        case .int8:
            ck_dequantize_i8(row.assumingMemoryBound(to: Int8.self), columns, scale(ofRow: r), output)
        case .int4:
            ck_dequantize_u4(row.assumingMemoryBound(to: UInt8.self), columns, scale(ofRow: r), offset(ofRow: r), output)
        }
    }

    /// Every value, dequantized, `[rows, columns]`: for tests and for the small encoder matrices,
    /// never for an item table.
    public func dequantized() -> [Float] {
        [Float](unsafeUninitializedCapacity: rows * columns) { buffer, initialized in
            for r in 0..<rows { dequantizeRow(r, into: buffer.baseAddress! + r * columns) }
            initialized = rows * columns
        }
    }
}

extension QuantizedRows {
    /// Quantizes the `[rows, columns]` matrix `values` row by row into `format`.
    ///
    /// - fp16: each value rounded to the nearest half (ties to even).
    /// - int8: per row `scale = max|x| / 127` rounded up to fp16 (so that −127…127 covers the row),
    ///   code `q = round(x / scale)` (to nearest, ties to even) clamped to −127…127; a row of zeros
    ///   gets scale 0, code 0. Error at most `scale / 2` plus Float rounding.
    /// - int4: per row an fp16 offset and scale chosen by `int4Range` to minimise the row's squared
    ///   error (never more than the covering range's: offset `min` rounded down, scale
    ///   `(max − offset) / 15` rounded up); codes as int8's, clamped to 0…15. A value inside
    ///   `offset…offset + 15·scale` is within `scale / 2` of its code's value, plus Float rounding.
    public static func quantize(_ values: UnsafePointer<Float>, rows: Int, columns: Int, format: WeightFormat) -> QuantizedRows {
        let q = QuantizedRows(format: format, rows: rows, columns: columns)
        for r in 0..<rows {
            let row = values + r * columns
            let codes = q.codes + r * q.bytesPerRow
            switch format {
            case .float32: preconditionFailure("unreachable: no Float32 QuantizedRows")
            case .float16:
                let halves = codes.assumingMemoryBound(to: UInt16.self)
                for c in 0..<columns { halves[c] = Float16(row[c]).bitPattern }
            case .int8:
                let (low, high) = extremes(row, columns)
                let largest = max(-low, high)
                var scale = Float16(largest / 127)
                if 127 * Float(scale) < largest { scale = scale.nextUp }
                q.scales!.storeBytes(of: scale.bitPattern, toByteOffset: r * 2, as: UInt16.self)
                let bytes = codes.assumingMemoryBound(to: Int8.self)
                for c in 0..<columns { bytes[c] = Int8(code(row[c], offset: 0, scale: Float(scale), smallest: -127, largest: 127)) }
            case .int4:
                let (offset, scale) = int4Range(row, columns)
                q.scales!.storeBytes(of: scale.bitPattern, toByteOffset: r * 2, as: UInt16.self)
                q.offsets!.storeBytes(of: offset.bitPattern, toByteOffset: r * 2, as: UInt16.self)
                let bytes = codes.assumingMemoryBound(to: UInt8.self)
                let half = q.bytesPerRow
                for j in 0..<half {
                    let lowNibble = code(row[j], offset: Float(offset), scale: Float(scale), smallest: 0, largest: 15)
                    let highNibble = j + half < columns ? code(row[j + half], offset: Float(offset), scale: Float(scale), smallest: 0, largest: 15) : 0
                    bytes[j] = UInt8(lowNibble | highNibble << 4)
                }
            }
        }
        return q
    }

    /// The int4 offset and scale (fp16) of one row: of the covering range (`min` rounded down,
    /// `(max − offset) / 15` rounded up, so 0…15 reaches every value) and 21 trial grids, the one
    /// with the least squared error of the row as stored. A trial grid starts at `min` with a step
    /// of `(max − min) / L`, `L` = 14, 14.1, …, 16; the row is rounded to codes on it, and the
    /// scale and offset of those codes are fitted by least squares, then rounded to fp16, as
    /// llama.cpp's `make_qkx` quantizers do: a grid a little narrower or shifted gives up a little
    /// on the extremes for finer steps everywhere else. A test asserts at least 10 % less squared
    /// error than the covering range on Gaussian rows of 64 values. Searches that clip harder
    /// (`L` up to 64) or start centred lowered the squared error more, but not the ranking loss
    /// (docs/results/quantized.md, 2026-12-07).
    static func int4Range(_ row: UnsafePointer<Float>, _ n: Int) -> (offset: Float16, scale: Float16) {
        let (low, high) = extremes(row, n)
        var offset = Float16(low)
        if Float(offset) > low { offset = offset.nextDown }
        var scale = Float16((high - Float(offset)) / 15)
        if Float(offset) + 15 * Float(scale) < high { scale = scale.nextUp }
        guard high > low, n > 1 else { return (offset, scale) }
        var best = (offset: offset, scale: scale)
        var bestError = int4SquaredError(row, n, offset: Float(offset), scale: Float(scale))
        for L in (0...20).map({ 14 + Float($0) / 10 }) {
            guard let fitted = leastSquaresGrid(row, n, start: low, step: (high - low) / L) else { continue }
            let trial = (offset: Float16(fitted.start), scale: Float16(fitted.step))
            guard Float(trial.scale) > 0, Float(trial.scale).isFinite, Float(trial.offset).isFinite else { continue }
            let error = int4SquaredError(row, n, offset: Float(trial.offset), scale: Float(trial.scale))
            if error < bestError { best = trial; bestError = error }
        }
        return best
    }

    /// The row rounded to int4 codes on the grid `start + step · q`, then the start and step that fit
    /// those codes best by least squares; nil when the codes are all equal (no step to fit).
    private static func leastSquaresGrid(_ row: UnsafePointer<Float>, _ n: Int, start: Float, step: Float) -> (start: Float, step: Float)? {
        var sumQ: Double = 0, sumQQ: Double = 0, sumX: Double = 0, sumQX: Double = 0
        for c in 0..<n {
            let x = Double(row[c])
            let q = Double(min(max(((row[c] - start) / step).rounded(.toNearestOrEven), 0), 15))
            sumQ += q; sumQQ += q * q; sumX += x; sumQX += q * x
        }
        let count = Double(n), determinant = count * sumQQ - sumQ * sumQ
        guard determinant > 0 else { return nil }
        let fittedStep = (count * sumQX - sumQ * sumX) / determinant
        guard fittedStep > 0 else { return nil }
        return (Float((sumX - fittedStep * sumQ) / count), Float(fittedStep))
    }

    /// Σ (x − value of x's int4 code)² over a row, for a stored offset and scale.
    private static func int4SquaredError(_ row: UnsafePointer<Float>, _ n: Int, offset: Float, scale: Float) -> Double {
        var total: Double = 0
        for c in 0..<n {
            let value = Float(code(row[c], offset: offset, scale: scale, smallest: 0, largest: 15)) * scale + offset
            let e = Double(row[c] - value)
            total += e * e
        }
        return total
    }

    private static func extremes(_ row: UnsafePointer<Float>, _ count: Int) -> (Float, Float) {
        var low = row[0], high = row[0]
        for c in 1..<count {
            low = min(low, row[c])
            high = max(high, row[c])
        }
        return (low, high)
    }

    private static func code(_ x: Float, offset: Float, scale: Float, smallest: Int, largest: Int) -> Int {
        guard scale > 0 else { return 0 }
        let q = ((x - offset) / scale).rounded(.toNearestOrEven)
        return Int(min(max(q, Float(smallest)), Float(largest)))
    }
}
