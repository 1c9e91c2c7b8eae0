import Testing

@testable import CompactRecRuntime

/// The reduced-precision formats: round trips within each format's error bound, the exact codes and
/// layouts the README documents, and every scoring and dequantizing kernel against its scalar
/// reference on random data, odd sizes included.
@Suite("Quantized rows")
struct QuantizedRowsTests {
    static let formats: [WeightFormat] = [.float16, .int8, .int4]

    /// A random [rows, columns] matrix: normal values of varied spread per row, one constant row,
    /// one row of zeros and, when wide enough, a row with one large outlier.
    static func matrix(rows: Int, columns: Int, seed: UInt64) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        var values = [Float](repeating: 0, count: rows * columns)
        for r in 0..<rows {
            let spread = Float(0.01 + 3 * Double(rng.nextUniform()))
            for c in 0..<columns { values[r * columns + c] = spread * rng.nextNormal() }
        }
        if rows > 1 { for c in 0..<columns { values[columns + c] = -0.7 } }
        if rows > 2 { for c in 0..<columns { values[2 * columns + c] = 0 } }
        if rows > 3 { values[3 * columns] = 40 }
        return values
    }

    @Test("round trips stay within each format's error bound", arguments: formats)
    func roundTrip(format: WeightFormat) {
        for columns in [1, 2, 3, 7, 16, 33, 64, 65] {
            let rows = 9
            let values = Self.matrix(rows: rows, columns: columns, seed: UInt64(columns))
            let q = values.withUnsafeBufferPointer { QuantizedRows.quantize($0.baseAddress!, rows: rows, columns: columns, format: format) }
            let back = q.dequantized()
            #expect(q.storedBytes == format.bytes(rows: rows, columns: columns))
            for r in 0..<rows {
                let row = values[(r * columns)..<((r + 1) * columns)]
                for c in 0..<columns {
                    let x = values[r * columns + c], y = back[r * columns + c]
                    let bound: Float
                    switch format {
                    case .float16: bound = abs(x) * 0x1p-11 + 0x1p-25
                    case .int8, .int4:
                        // Half a step, plus Float rounding of scale · code + offset; a constant
                        // row under int4 is off by at most fp16's rounding of its value. int4 may
                        // clip a row's extremes (its range minimises the squared error): those are
                        // checked below, by the row's error against the covering range's.
                        let magnitude = row.map(abs).max()!
                        bound = q.scale(ofRow: r) / 2 + magnitude * 0x1p-20 + (format == .int4 ? abs(x) * 0x1p-10 : 0)
                        if format == .int4, !(q.offset(ofRow: r)...(q.offset(ofRow: r) + 15 * q.scale(ofRow: r))).contains(x) { continue }
                    case .float32: bound = 0
                    }
                    #expect(abs(x - y) <= bound, "\(format) C=\(columns) row \(r) column \(c): \(x) came back as \(y)")
                }
                if format == .int4 {
                    let error = zip(row, back[(r * columns)..<((r + 1) * columns)]).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +)
                    let covering = Self.coveringRangeError(Array(row))
                    #expect(error <= covering, "int4 C=\(columns) row \(r): squared error \(error), the covering range's \(covering)")
                }
            }
            // Rows of zeros stay exactly zero (an item table's padding row).
            #expect(back[(2 * columns)..<(3 * columns)].allSatisfy { $0 == 0 })
        }
    }

    @Test("int8 scales come from each row's largest magnitude (symmetric, no offset); int4 keeps a row's minimum and maximum when they fit its grid")
    func scalesFromExtremes() {
        let values: [Float] = [-1, 0.5, 3, 2,  /* row 1 */ 5, 5, 5, 5,  /* row 2 */ -6, 1, 0, 0]
        let q8 = values.withUnsafeBufferPointer { QuantizedRows.quantize($0.baseAddress!, rows: 3, columns: 4, format: .int8) }
        // max|x| / 127 rounded up to fp16, so that −127…127 covers the row; no offset.
        for (r, largest) in [(0, Float(3)), (1, 5), (2, 6)] {
            #expect(q8.offset(ofRow: r) == 0)
            #expect(q8.scale(ofRow: r) >= largest / 127 && q8.scale(ofRow: r) < largest / 127 * (1 + 0x1p-10))
        }
        let codes = (0..<12).map { q8.codes.load(fromByteOffset: $0, as: Int8.self) }
        #expect(codes == [-42, 21, 127, 85, 127, 127, 127, 127, -127, 21, 0, 0])
        // int4 on values already on a grid of 15 steps from the minimum to the maximum keeps that
        // covering range (no trial beats an error of 0): offset −1, scale 3.75 / 15, every value back.
        let grid: [Float] = [-1, -0.5, 2.75, 1.75]
        let q4 = grid.withUnsafeBufferPointer { QuantizedRows.quantize($0.baseAddress!, rows: 1, columns: 4, format: .int4) }
        #expect(q4.offset(ofRow: 0) == -1)
        #expect(q4.scale(ofRow: 0) == 0.25)
        #expect(q4.dequantized() == grid)
    }

    /// Σ (x − x as stored)² of a row under int4 with the covering range (`min` rounded down to fp16,
    /// `(max − offset) / 15` rounded up), computed here independently of the quantizer.
    static func coveringRangeError(_ row: [Float]) -> Double {
        let low = row.min()!, high = row.max()!
        var offset = Float16(low)
        if Float(offset) > low { offset = offset.nextDown }
        var scale = Float16((high - Float(offset)) / 15)
        if Float(offset) + 15 * Float(scale) < high { scale = scale.nextUp }
        let o = Float(offset), s = Float(scale)
        return row.map { x -> Double in
            let q = s > 0 ? min(max(((x - o) / s).rounded(.toNearestOrEven), 0), 15) : 0
            let e = Double(x - (q * s + o))
            return e * e
        }.reduce(0, +)
    }

    @Test("int4's range search loses a tenth or more less to rounding than the covering range on Gaussian rows of 64")
    func int4RangeSearch() {
        let rows = 2_000, columns = 64
        var rng = SeededGenerator(seed: 21)
        let values = (0..<(rows * columns)).map { _ in rng.nextNormal() }
        let q = values.withUnsafeBufferPointer { QuantizedRows.quantize($0.baseAddress!, rows: rows, columns: columns, format: .int4) }
        let back = q.dequantized()
        let searched = zip(values, back).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +)
        let covering = (0..<rows).map { Self.coveringRangeError(Array(values[($0 * columns)..<(($0 + 1) * columns)])) }.reduce(0, +)
        #expect(searched < 0.9 * covering, "squared error \(searched) against the covering range's \(covering)")
        #expect(searched > 0.7 * covering, "squared error \(searched) against the covering range's \(covering): less than a search over 21 ranges can give")
    }

    @Test("int4 packs value j and value j + ⌈C/2⌉ into byte j, low bits first; int8 one code a byte")
    func exactCodesAndLayout() {
        // Values on the grid of scale 1, offset 0: the codes are the values themselves.
        let sixteen = (0..<16).map(Float.init)
        let q4 = sixteen.withUnsafeBufferPointer { QuantizedRows.quantize($0.baseAddress!, rows: 1, columns: 16, format: .int4) }
        let bytes = (0..<8).map { q4.codes.load(fromByteOffset: $0, as: UInt8.self) }
        let expected: [UInt8] = (0..<8).map { (j: Int) -> UInt8 in UInt8(j | (j + 8) << 4) }
        #expect(bytes == expected)
        #expect(q4.dequantized() == sixteen)
        let odd: [Float] = [0, 15, 7]
        let q3 = odd.withUnsafeBufferPointer { QuantizedRows.quantize($0.baseAddress!, rows: 1, columns: 3, format: .int4) }
        #expect(q3.bytesPerRow == 2)
        let packed: [UInt8] = [q3.codes.load(fromByteOffset: 0, as: UInt8.self), q3.codes.load(fromByteOffset: 1, as: UInt8.self)]
        #expect(packed == [7 << 4, 15])
        #expect(q3.dequantized() == odd)
        // int8: signed codes, one a byte; on the grid of scale 0.5 the codes are twice the values, and −128 is never used.
        let ramp = (-127...127).map { Float($0) * 0.5 }
        let q8 = ramp.withUnsafeBufferPointer { QuantizedRows.quantize($0.baseAddress!, rows: 1, columns: 255, format: .int8) }
        #expect(q8.scale(ofRow: 0) == 0.5)
        #expect((0..<255).allSatisfy { q8.codes.load(fromByteOffset: $0, as: Int8.self) == Int8($0 - 127) })
        #expect(q8.dequantized() == ramp)
        // Rounding is to nearest: 0.74 of a step rounds up, 0.26 down (int8 on the grid of scale 1).
        let near: [Float] = [-127, 1, 2.74, 3.26, 127]
        let qn = near.withUnsafeBufferPointer { QuantizedRows.quantize($0.baseAddress!, rows: 1, columns: 5, format: .int8) }
        #expect(qn.dequantized() == [-127, 1, 3, 3, 127])
    }

    @Test("fp16 rounds to nearest, ties to even")
    func halfRounding() {
        let values: [Float] = [1 + 0x1p-11, 1 + 3 * 0x1p-11, 1 + 0x1p-12, 65504, -0.1]
        let q = values.withUnsafeBufferPointer { QuantizedRows.quantize($0.baseAddress!, rows: 1, columns: 5, format: .float16) }
        #expect(q.dequantized() == [1, 1 + 0x1p-9, 1, 65504, Float(Float16(-0.1))])
    }

    @Test("scoring kernels agree with their scalar references", arguments: formats)
    func scoringKernels(format: WeightFormat) {
        var rng = SeededGenerator(seed: 77)
        for columns in [1, 2, 3, 7, 16, 33, 64, 65, 130, 301] {
            for (rows, range, histories) in [(1, 0..<1, 1), (5, 1..<4, 3), (67, 0..<67, 1), (130, 3..<129, 2), (20, 2..<19, 9)] {
                let values = Self.matrix(rows: rows, columns: columns, seed: UInt64(columns * 1000 + rows))
                let q = values.withUnsafeBufferPointer { QuantizedRows.quantize($0.baseAddress!, rows: rows, columns: columns, format: format) }
                let h = (0..<(histories * columns)).map { _ in rng.nextNormal() }
                let bias = (0..<rows).map { _ in rng.nextNormal() }
                let back = q.dequantized()
                for withBias in [true, false] {
                    for level in RowKernels.levels {
                        let ldo = rows + 2
                        var fast = [Float](repeating: .nan, count: histories * ldo), slow = fast
                        h.withUnsafeBufferPointer { h in
                            bias.withUnsafeBufferPointer { b in
                                let bias = withBias ? b.baseAddress : nil
                                fast.withUnsafeMutableBufferPointer {
                                    q.scores(histories: h.baseAddress!, count: histories, rows: range, bias: bias, output: $0.baseAddress!,
                                             outputStride: ldo, level: level)
                                }
                                slow.withUnsafeMutableBufferPointer {
                                    q.referenceScores(histories: h.baseAddress!, count: histories, rows: range, bias: bias, output: $0.baseAddress!, outputStride: ldo)
                                }
                            }
                        }
                        for b in 0..<histories {
                            for i in 0..<ldo {
                                let k = fast[b * ldo + i], r = slow[b * ldo + i]
                                guard range.contains(i) else {
                                    #expect(k.isNaN && r.isNaN, "\(format): wrote outside rows \(range) at \(i)")
                                    continue
                                }
                                // Float against Double sums: within a few roundings of Σ|h·w| (and of the bias).
                                var magnitude = withBias ? abs(bias[i]) : 0
                                for c in 0..<columns { magnitude += abs(h[b * columns + c] * back[i * columns + c]) }
                                magnitude += abs(q.offset(ofRow: i)) * h[(b * columns)..<((b + 1) * columns)].reduce(0) { $0 + abs($1) }
                                // The AVX2 and AVX-512 integer kernels round the history to 16 bits: each value
                                // moves by at most max|h| / 65534, times the row's scale · code.
                                var rounding: Float = 0
                                if format != .float16 {
                                    let largest = h[(b * columns)..<((b + 1) * columns)].reduce(0) { max($0, abs($1)) }
                                    var codes: Float = 0
                                    for c in 0..<columns { codes += abs(back[i * columns + c] - q.offset(ofRow: i)) }
                                    rounding = largest / 65534 * codes
                                }
                                #expect(abs(k - r) <= 1e-5 * magnitude + 1e-6 + rounding,
                                        "\(format) level \(level) C=\(columns) N=\(rows) b=\(b) i=\(i): kernel \(k), reference \(r)")
                            }
                        }
                    }
                }
            }
        }
    }

    @Test("the Float32 row kernels of every CPU level agree with sums in Double")
    func float32RowKernels() {
        var rng = SeededGenerator(seed: 78)
        #expect(RowKernels.levels.first == 0 && RowKernels.levels.contains(RowKernels.levels.last!))
        for columns in [1, 3, 16, 17, 64, 65, 130, 301] {
            for (rows, range, histories) in [(1, 0..<1, 1), (40, 3..<37, 3), (20, 2..<19, 9)] {
                let values = Self.matrix(rows: rows, columns: columns, seed: UInt64(columns * 7 + rows))
                let h = (0..<(histories * columns)).map { _ in rng.nextNormal() }
                let bias = (0..<rows).map { _ in rng.nextNormal() }
                for level in RowKernels.levels {
                    let ldo = rows + 1
                    var out = [Float](repeating: .nan, count: histories * ldo)
                    out.withUnsafeMutableBufferPointer { o in
                        RowKernels.scoresFloat32(level: level, histories: h, count: histories, rows: values, columns: columns,
                                                 range: range, bias: bias, output: o.baseAddress!, outputStride: ldo)
                    }
                    for b in 0..<histories {
                        for i in 0..<ldo {
                            guard range.contains(i) else {
                                #expect(out[b * ldo + i].isNaN, "level \(level): wrote outside rows \(range) at \(i)")
                                continue
                            }
                            var exact = Double(bias[i]), magnitude = Double(abs(bias[i]))
                            for c in 0..<columns {
                                exact += Double(h[b * columns + c]) * Double(values[i * columns + c])
                                magnitude += Double(abs(h[b * columns + c] * values[i * columns + c]))
                            }
                            #expect(abs(Double(out[b * ldo + i]) - exact) <= 1e-5 * magnitude + 1e-6,
                                    "level \(level) C=\(columns) b=\(b) i=\(i): kernel \(out[b * ldo + i]), exact \(exact)")
                        }
                    }
                }
            }
        }
    }

    @Test("dequantizing kernels agree with their scalar reference", arguments: formats)
    func dequantizingKernels(format: WeightFormat) {
        for columns in [1, 2, 3, 7, 16, 33, 64, 65] {
            let values = Self.matrix(rows: 6, columns: columns, seed: UInt64(columns + 5))
            let q = values.withUnsafeBufferPointer { QuantizedRows.quantize($0.baseAddress!, rows: 6, columns: columns, format: format) }
            for r in 0..<6 {
                var fast = [Float](repeating: .nan, count: columns), slow = fast
                fast.withUnsafeMutableBufferPointer { q.dequantizeRow(r, into: $0.baseAddress!) }
                slow.withUnsafeMutableBufferPointer { q.referenceDequantizeRow(r, into: $0.baseAddress!) }
                let tolerance = (abs(q.offset(ofRow: r)) + 16 * 255 * q.scale(ofRow: r)) * 0x1p-22
                #expect(zip(fast, slow).allSatisfy { abs($0 - $1) <= tolerance }, "\(format) C=\(columns) row \(r): \(fast) vs \(slow)")
            }
        }
    }
}
