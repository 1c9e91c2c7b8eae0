/// Reads ``DataFormat/pairs`` files: `user item [timestamp]` or `user item rating timestamp`
/// per line.
enum PairsFormatReader {
    /// The layouts a pairs file may have, told apart by how many columns a line has.
    enum Columns: Int {
        case userItem = 2
        case userItemTimestamp = 3
        /// A rating column is read past: it says how much a user liked an item, not when.
        case userItemRatingTimestamp = 4

        /// The column that orders a user's items, counting from 1.
        var timestamp: Int? {
            switch self {
            case .userItem: nil
            case .userItemTimestamp: 3
            case .userItemRatingTimestamp: 4
            }
        }

        var text: String {
            switch self {
            case .userItem: "user item"
            case .userItemTimestamp: "user item timestamp"
            case .userItemRatingTimestamp: "user item rating timestamp"
            }
        }
    }

    static func read(path: String, items: inout ItemTokenTable) throws -> InteractionLog {
        var splitter = InteractionFieldSplitter(.whitespaceOrComma)
        var grouper = UserHistoryGrouper()
        // The first data line decides the layout every line must have.
        var layout: (columns: Columns, line: Int)?
        try TextLineReader.forEachLine(of: path) { line, number in
            splitter.split(line)
            let found = splitter.count
            guard found > 0 else { return }
            switch layout {
            case nil:
                guard let columns = Columns(rawValue: found) else {
                    throw InputError(
                        file: path, line: number,
                        "expected 'user item [timestamp]' or 'user item rating timestamp', "
                            + "found \(InteractionFieldParsing.columns(found))")
                }
                layout = (columns, number)
            case (let columns, let firstLine)? where columns.rawValue != found:
                throw InputError(
                    file: path, line: number,
                    "expected '\(columns.text)' as on line \(firstLine), "
                        + "found \(InteractionFieldParsing.columns(found))")
            default:
                break
            }
            let user = try InteractionFieldParsing.id(
                splitter.field(0, of: line), role: "user id", column: 1, file: path, line: number)
            let itemToken = try InteractionFieldParsing.id(
                splitter.field(1, of: line), role: "item id", column: 2, file: path, line: number)
            let item = try items.intern(itemToken, file: path, line: number)
            let timestamp = try layout?.columns.timestamp.map {
                try InteractionFieldParsing.timestamp(
                    splitter.field($0 - 1, of: line), column: $0, file: path, line: number)
            }
            try grouper.add(user: user, item: item, timestamp: timestamp, file: path, line: number)
        }
        let (sequences, userIds) = grouper.sequences()
        let columns = InteractionLayout(format: .pairs, user: 1, item: 2, timestamp: layout?.columns.timestamp)
        return InteractionLog(path: path, layout: columns, sequences: sequences, userIds: userIds)
    }
}
