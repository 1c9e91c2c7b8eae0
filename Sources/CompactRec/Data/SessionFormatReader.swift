/// Reads ``DataFormat/seq`` files: `item item …`, one session per line, `-1` as padding.
enum SessionFormatReader {
    static func read(path: String, items: inout ItemTokenTable) throws -> InteractionLog {
        var splitter = InteractionFieldSplitter(.whitespaceOrComma)
        var sequences: [[Int32]] = []
        try TextLineReader.forEachLine(of: path) { line, number in
            splitter.split(line)
            let found = splitter.count
            guard found > 0 else { return }
            var sequence: [Int32] = []
            sequence.reserveCapacity(found)
            for column in 0..<found {
                let token = try InteractionFieldParsing.id(
                    splitter.field(column, of: line), role: "item id", column: column + 1, file: path, line: number)
                if isPadding(token) { continue }
                sequence.append(try items.intern(token, file: path, line: number))
            }
            guard !sequence.isEmpty else {
                throw InputError(file: path, line: number, "expected at least one item, found only padding (-1)")
            }
            sequences.append(sequence)
        }
        return InteractionLog(
            path: path, layout: InteractionLayout(format: .seq, user: nil, item: 1, itemsRunToEnd: true),
            sequences: sequences, userIds: nil)
    }

    static func isPadding(_ token: UnsafeBufferPointer<UInt8>) -> Bool {
        token.count == 2 && token[0] == 0x2D && token[1] == 0x31
    }
}
