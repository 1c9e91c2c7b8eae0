/// Reads ``DataFormat/atomic`` files: RecBole `.inter` files with a typed, tab-separated header.
enum AtomicFormatReader {
    /// Where the columns this reader uses sit, found by field name in the header.
    struct Header {
        var columnCount: Int
        var user: Int
        var item: Int
        var timestamp: Int?
    }

    static let userFieldNames = ["user_id", "session_id"]
    static let itemFieldName = "item_id"
    static let timestampFieldName = "timestamp"
    static let exampleHeader = "user_id:token<TAB>item_id:token<TAB>timestamp:float"

    static func read(path: String, items: inout ItemTokenTable) throws -> InteractionLog {
        var splitter = InteractionFieldSplitter(.tab)
        var grouper = UserHistoryGrouper()
        var header: Header?
        try TextLineReader.forEachLine(of: path) { line, number in
            splitter.split(line)
            let found = splitter.count
            guard found > 0 else { return }
            guard let columns = header else {
                header = try parseHeader(
                    fieldNames(line, splitter: splitter, file: path, line: number), file: path, line: number)
                return
            }
            guard found == columns.columnCount else {
                throw InputError(
                    file: path, line: number,
                    "expected \(columns.columnCount) tab-separated columns as in the header, found \(found)")
            }
            let user = try InteractionFieldParsing.id(
                splitter.field(columns.user, of: line), role: "user id", column: columns.user + 1,
                file: path, line: number)
            let itemToken = try InteractionFieldParsing.id(
                splitter.field(columns.item, of: line), role: "item id", column: columns.item + 1,
                file: path, line: number)
            let item = try items.intern(itemToken, file: path, line: number)
            let timestamp = try columns.timestamp.map {
                try InteractionFieldParsing.timestamp(
                    splitter.field($0, of: line), column: $0 + 1, file: path, line: number)
            }
            try grouper.add(user: user, item: item, timestamp: timestamp, file: path, line: number)
        }
        let (sequences, userIds) = grouper.sequences()
        // Without a header there are no interactions either, which reading rejects.
        let layout = header.map {
            InteractionLayout(
                format: .atomic, user: $0.user + 1, item: $0.item + 1, timestamp: $0.timestamp.map { $0 + 1 })
        }
        return InteractionLog(
            path: path, layout: layout ?? InteractionLayout(format: .atomic, user: nil, item: 1), sequences: sequences,
            userIds: userIds)
    }

    /// The field names of a header line: each field is `name:type`.
    static func fieldNames(
        _ line: UnsafeBufferPointer<UInt8>, splitter: InteractionFieldSplitter, file: String, line number: Int
    ) throws -> [String] {
        try (0..<splitter.count).map { column in
            let field = String(decoding: splitter.field(column, of: line), as: UTF8.self)
            guard let colon = field.lastIndex(of: ":"), colon != field.startIndex else {
                throw InputError(
                    file: file, line: number,
                    "expected a RecBole header such as '\(exampleHeader)', "
                        + "found column \(column + 1) '\(field)' without a ':type'")
            }
            return String(field[..<colon])
        }
    }

    static func parseHeader(_ names: [String], file: String, line: Int) throws -> Header {
        guard let user = userFieldNames.lazy.compactMap({ names.firstIndex(of: $0) }).first else {
            throw InputError(
                file: file, line: line,
                "the header has no user column; expected a field named 'user_id' or 'session_id'")
        }
        guard let item = names.firstIndex(of: itemFieldName) else {
            throw InputError(
                file: file, line: line, "the header has no item column; expected a field named 'item_id'")
        }
        return Header(
            columnCount: names.count, user: user, item: item,
            timestamp: names.firstIndex(of: timestampFieldName))
    }
}
