/// Reads ``DataFormat/movielens`` files: `u.data`, `ratings.dat`, or a CSV with a header.
///
/// The first line picks the separator (`::` if present, else a tab if present, else a comma)
/// and whether there is a header: a first line with a field named like a user, item or time
/// column (quoted or not) is one, and must then name both a user and an item column. Without
/// a header the columns are `user item rating timestamp`.
enum MovieLensFormatReader {
    /// Where the columns this reader uses sit.
    struct Columns {
        var count: Int
        var user: Int
        var item: Int
        var timestamp: Int?
    }

    /// Accepted header names, compared case-insensitively.
    static let userColumnNames: Set = ["user", "userid", "user_id"]
    static let itemColumnNames: Set = ["item", "itemid", "item_id", "movieid"]
    static let timestampColumnNames: Set = ["timestamp", "time"]
    static let headerlessColumns = Columns(count: 4, user: 0, item: 1, timestamp: 3)

    static func read(path: String, items: inout ItemTokenTable) throws -> InteractionLog {
        // The first data line replaces this splitter with one for the separator it uses.
        var splitter = InteractionFieldSplitter(.comma)
        var isFirstLine = true
        var columns = headerlessColumns
        var hasHeader = false
        var grouper = UserHistoryGrouper()
        try TextLineReader.forEachLine(of: path) { line, number in
            guard !InteractionFieldSplitter.isBlank(line) else { return }
            if isFirstLine {
                isFirstLine = false
                splitter = InteractionFieldSplitter(separator(of: line))
                splitter.split(line)
                if let header = try headerColumns(line, splitter: splitter, file: path, line: number) {
                    columns = header
                    hasHeader = true
                    return
                }
            } else {
                splitter.split(line)
            }
            guard splitter.count == columns.count else {
                let expected =
                    hasHeader ? "\(columns.count) columns as in the header" : "'user item rating timestamp'"
                throw InputError(
                    file: path, line: number,
                    "expected \(expected), found \(InteractionFieldParsing.columns(splitter.count))")
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
        let layout = InteractionLayout(
            format: .movielens, user: columns.user + 1, item: columns.item + 1,
            timestamp: columns.timestamp.map { $0 + 1 })
        return InteractionLog(path: path, layout: layout, sequences: sequences, userIds: userIds)
    }

    static func separator(of line: UnsafeBufferPointer<UInt8>) -> InteractionFieldSplitter.Separator {
        if zip(line, line.dropFirst()).contains(where: { $0 == 0x3A && $1 == 0x3A }) { return .doubleColon }
        if line.contains(0x09) { return .tab }
        return .comma
    }

    /// The columns named by `line` if it is a header, else nil.
    ///
    /// Recognizing a header by its names rather than by a non-numeric field lets a first data
    /// line with a bad value be reported as such instead of as a strange header.
    static func headerColumns(
        _ line: UnsafeBufferPointer<UInt8>, splitter: InteractionFieldSplitter, file: String, line number: Int
    ) throws -> Columns? {
        let names = (0..<splitter.count).map {
            unquoted(String(decoding: splitter.field($0, of: line), as: UTF8.self).lowercased())
        }
        let knownNames = userColumnNames.union(itemColumnNames).union(timestampColumnNames)
        guard names.contains(where: knownNames.contains) else { return nil }
        guard let user = names.firstIndex(where: userColumnNames.contains) else {
            throw InputError(
                file: file, line: number, "the header names no user column; expected user, userId or user_id")
        }
        guard let item = names.firstIndex(where: itemColumnNames.contains) else {
            throw InputError(
                file: file, line: number,
                "the header names no item column; expected item, itemId, item_id or movieId")
        }
        return Columns(
            count: names.count, user: user, item: item,
            timestamp: names.firstIndex(where: timestampColumnNames.contains))
    }

    /// `"user_id"` → `user_id`: R's `write.csv` and spreadsheets quote the names in a header.
    private static func unquoted(_ name: String) -> String {
        guard name.count >= 2, name.first == "\"", name.last == "\"" else { return name }
        return String(name.dropFirst().dropLast())
    }
}
