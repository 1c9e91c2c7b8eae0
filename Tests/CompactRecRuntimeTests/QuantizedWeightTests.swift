import Testing

@testable import CompactRecRuntime

/// A weight's rows along its first or last axis, and int4 rows cut into groups with a scale each.
@Suite("Quantized weights")
struct QuantizedWeightTests {
    /// [rows, length] values whose groups of 64 have very different spreads: group g of a row is
    /// normal with standard deviation 10^(g mod 3 − 2).
    static func spreadRows(rows: Int, length: Int, seed: UInt64) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        return (0..<(rows * length)).map { i in
            let group = (i % length) / 64
            return rng.nextNormal() * Float([0.01, 0.1, 1][group % 3])
        }
    }

    @Test("grouped int4 rows come back in the weight's layout, each group within half its own step", arguments: [0, 1])
    func groupedRoundTrip(axis: Int) {
        // 3 rows of 150 values: groups of 64, 64 and 22 (the last padded); along axis 1 the
        // weight is [150, 3] and its rows are its columns.
        let rows = 3, length = 150, group = 64
        let matrix = Self.spreadRows(rows: rows, length: length, seed: 4)  // [rows, length]
        let shape = axis == 0 ? [rows, length] : [length, rows]
        let values = axis == 0 ? matrix : QuantizedWeight.transpose(matrix, rows: rows, columns: length)
        let weight = values.withUnsafeBufferPointer {
            QuantizedWeight.quantize(name: "w", values: $0.baseAddress!, shape: shape, axis: axis == 0 ? 0 : 1, format: .int4, group: group)
        }
        #expect(weight.rows.rows == rows * 3 && weight.rows.columns == group)
        #expect(weight.record.group == group)
        #expect(weight.rows.storedBytes == rows * 3 * (group / 2 + 4))
        let back = weight.dequantizedValues()
        #expect(back.count == values.count)
        for r in 0..<rows {
            for c in 0..<length {
                let g = c / group
                let original = matrix[r * length + c]
                let restored = axis == 0 ? back[r * length + c] : back[c * rows + r]
                // A group's step is its own: the groups of spread 0.01 come back to within 0.01 / 15 or so.
                let step = weight.rows.scale(ofRow: r * 3 + g)
                #expect(abs(original - restored) <= step / 2 * 1.001 + 1e-6 || !(weight.rows.offset(ofRow: r * 3 + g)...(weight.rows.offset(ofRow: r * 3 + g) + 15 * step)).contains(original),
                        "row \(r) value \(c): \(original) came back as \(restored)")
                if g % 3 == 0 { #expect(step < 0.01, "row \(r) group \(g): step \(step) for values of spread 0.01") }
            }
        }
    }

    @Test("grouping a long row of mixed spreads loses far less than one scale for the row")
    func groupingHelps() {
        let rows = 4, length = 1_000
        let values = Self.spreadRows(rows: rows, length: length, seed: 9)
        func squaredError(_ group: Int?) -> Double {
            let weight = values.withUnsafeBufferPointer {
                QuantizedWeight.quantize(name: "w", values: $0.baseAddress!, shape: [rows, length], axis: 0, format: .int4, group: group)
            }
            return zip(values, weight.dequantizedValues()).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +)
        }
        let whole = squaredError(nil), grouped = squaredError(64)
        #expect(grouped < whole / 3, "squared error \(grouped) in groups of 64, \(whole) with one scale a row")
    }
}
