/// Reads ``DataFormat/userSeq`` files: `user item item …`, one user per line.
enum UserSequenceFormatReader {
    static func read(path: String, items: inout ItemTokenTable) throws -> InteractionLog {
        var splitter = InteractionFieldSplitter(.whitespaceOrComma)
        var users = TokenInterner()
        var lineOfUser: [Int] = []
        var sequences: [[Int32]] = []
        try TextLineReader.forEachLine(of: path) { line, number in
            splitter.split(line)
            let found = splitter.count
            guard found > 0 else { return }
            guard found >= 2 else {
                throw InputError(
                    file: path, line: number,
                    "expected 'user item item …', found \(InteractionFieldParsing.columns(found))")
            }
            let user = try InteractionFieldParsing.id(
                splitter.field(0, of: line), role: "user id", column: 1, file: path, line: number)
            guard let (userIndex, isNew) = users.intern(user) else {
                throw InputError(file: path, line: number, "more than \(TokenInterner.capacity) distinct user ids")
            }
            // Merging a repeated user would guess at the order of the two lines' items.
            guard isNew else {
                throw InputError(
                    file: path, line: number,
                    "user \(InteractionFieldParsing.quoted(user)) already has a line "
                        + "(line \(lineOfUser[Int(userIndex)])); expected one line per user")
            }
            lineOfUser.append(number)
            var sequence: [Int32] = []
            sequence.reserveCapacity(found - 1)
            for column in 1..<found {
                let token = try InteractionFieldParsing.id(
                    splitter.field(column, of: line), role: "item id", column: column + 1, file: path, line: number)
                sequence.append(try items.intern(token, file: path, line: number))
            }
            sequences.append(sequence)
        }
        let userIds = (0..<users.count).map { users.token(at: $0) }
        return InteractionLog(
            path: path, layout: InteractionLayout(format: .userSeq, user: 1, item: 2, itemsRunToEnd: true),
            sequences: sequences, userIds: userIds)
    }
}
