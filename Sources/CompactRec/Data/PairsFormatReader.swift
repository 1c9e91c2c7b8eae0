/// Reads ``DataFormat/pairs`` files: `user item [timestamp]` per line.
enum PairsFormatReader {
    static func read(path: String, items: inout ItemTokenTable) throws -> InteractionLog {
        var splitter = InteractionFieldSplitter(.whitespaceOrComma)
        var grouper = UserHistoryGrouper()
        // The first data line decides whether the file has a timestamp column.
        var layout: (columns: Int, line: Int)?
        try TextLineReader.forEachLine(of: path) { line, number in
            splitter.split(line)
            let found = splitter.count
            guard found > 0 else { return }
            switch layout {
            case nil:
                guard found == 2 || found == 3 else {
                    throw InputError(
                        file: path, line: number,
                        "expected 'user item [timestamp]', found \(InteractionFieldParsing.columns(found))")
                }
                layout = (found, number)
            case (let columns, let firstLine)? where columns != found:
                let expected = columns == 3 ? "user item timestamp" : "user item"
                throw InputError(
                    file: path, line: number,
                    "expected '\(expected)' as on line \(firstLine), found \(InteractionFieldParsing.columns(found))")
            default:
                break
            }
            let user = try InteractionFieldParsing.id(
                splitter.field(0, of: line), role: "user id", column: 1, file: path, line: number)
            let itemToken = try InteractionFieldParsing.id(
                splitter.field(1, of: line), role: "item id", column: 2, file: path, line: number)
            let item = try items.intern(itemToken, file: path, line: number)
            let timestamp =
                found == 3
                ? try InteractionFieldParsing.timestamp(
                    splitter.field(2, of: line), column: 3, file: path, line: number)
                : nil
            try grouper.add(user: user, item: item, timestamp: timestamp, file: path, line: number)
        }
        let (sequences, userIds) = grouper.sequences()
        return InteractionLog(path: path, format: .pairs, sequences: sequences, userIds: userIds)
    }
}
