extension DataFormat {
    /// How many non-blank lines from the start of a file detection looks at.
    static let detectionSampleSize = 50

    /// Detects the format of an interaction file from its name and its first 50 non-blank
    /// lines. The first rule that matches wins:
    ///
    /// 1. The name ends in `.inter` (before any `.gz`): ``atomic``.
    /// 2. The name is `ratings.dat`, or the first line contains `::`: ``movielens``.
    /// 3. The first line is a RecBole typed header naming `user_id`/`session_id` and
    ///    `item_id` (`user_id:token⇥item_id:token…`): ``atomic``.
    /// 4. Most lines are 4 tab-separated numbers (`u.data`): ``movielens``.
    /// 5. The first line names a user and an item column, quoted or not (a ratings CSV header
    ///    such as `userId,movieId,rating,timestamp`): ``movielens``.
    /// 6. Most lines are 4 numbers separated by spaces or commas, no `-1` padding appears, and
    ///    either some line starts with the same token as the line before it or each such line
    ///    ends in a rating (0 to 10) and a Unix time (10⁸ or more): ``pairs`` read as
    ///    `user item rating timestamp`. When neither holds and the first tokens do not count
    ///    up as in rule 9 either, such a file could be ratings or sessions of 4 items, and
    ///    detection throws, asking for `--format`.
    /// 7. Most lines have exactly 2 columns, or most have exactly 3 with a numeric third,
    ///    and some line starts with the same token as the line before it: ``pairs``.
    /// 8. Some line contains a comma or a `-1` token: ``seq``.
    /// 9. There are at least two lines and their first tokens count up by one from `0` or
    ///    `1` (`1`, `2`, `3`, …), forgiving one damaged line (lost, repeated, moved or with
    ///    another first token) when there are 5 lines or more, two with 10 or more: ``userSeq``.
    /// 10. Otherwise: ``seq`` (also for a file without lines, which reading then rejects).
    ///
    /// "Most" means more than half, so one malformed line among the first 50 does not change
    /// the decision and is then reported by the reader instead. Pairs files not grouped by
    /// user, and any file the rules misjudge, need an explicit format.
    /// - Throws: ``InputError`` for an unreadable file, or one rule 6 cannot decide.
    public static func detect(path: String) throws -> DataFormat {
        try detect(fileName: path, sample: try detectionSample(of: path))
    }

    /// Detects whether a test file of sessions holds ``userSeq`` lines (rule 9 of
    /// ``detect(path:)``) or, otherwise, ``seq`` lines.
    static func detectSessionFormat(path: String) throws -> DataFormat {
        let rows = try detectionSample(of: path).map(SampleRow.init)
        return hasCountingFirstColumn(rows) ? .userSeq : .seq
    }

    static func detect(fileName: String, sample: [[UInt8]]) throws -> DataFormat {
        var name = Substring(fileName.split(separator: "/").last ?? "").lowercased()
        if name.hasSuffix(".gz") { name.removeLast(3) }
        if name.hasSuffix(".inter") { return .atomic }
        guard let first = sample.first else { return .seq }
        if name == "ratings.dat" || zip(first, first.dropFirst()).contains(where: { $0 == 0x3A && $1 == 0x3A }) {
            return .movielens
        }
        if isAtomicHeader(first) {
            return .atomic
        }
        let tabRows = sample.map { SampleRow($0, separator: .tab) }
        if isMajority(tabRows, where: { $0.fields.count == 4 && $0.fields.allSatisfy(isNumber) }) {
            return .movielens
        }
        if isMovieLensHeader(first) { return .movielens }
        let rows = sample.map(SampleRow.init)
        let repeatsFirstColumn = zip(rows, rows.dropFirst()).contains { $0.fields.first == $1.fields.first }
        let hasPadding = rows.contains(where: { $0.fields.contains(paddingToken) })
        let ratingRows = rows.filter { $0.fields.count == 4 && $0.fields.allSatisfy(isNumber) }
        if ratingRows.count * 2 > rows.count && !hasPadding {
            if repeatsFirstColumn || ratingRows.allSatisfy(endsInRatingAndTime) { return .pairs }
            if !hasCountingFirstColumn(rows) {
                throw InputError(
                    source: fileName,
                    "cannot tell the format: \(ratingRows.count) of the first \(rows.count) lines are 4 numbers, "
                        + "as in 'user item rating timestamp' ratings, but no line starts with the same user as the "
                        + "line before it and the last two columns are not a rating (0 to 10) and a Unix time; "
                        + "give --format pairs to read ratings (user=1, item=2, timestamp=4), "
                        + "or --format seq to read each line as a session of items")
            }
        }
        let hasPairColumns =
            isMajority(rows, where: { $0.fields.count == 2 })
            || isMajority(rows, where: { $0.fields.count == 3 && isNumber($0.fields[2]) })
        if hasPairColumns && repeatsFirstColumn { return .pairs }
        if hasPadding || sample.contains(where: { $0.contains(0x2C) }) {
            return .seq
        }
        return hasCountingFirstColumn(rows) ? .userSeq : .seq
    }

    /// Whether a row of 4 numbers ends like a MovieLens rating: a score from 0 to 10, then a
    /// Unix time in seconds or milliseconds (10⁸ s is in 1973). Item ids of a session seldom
    /// fall so, line after line.
    private static func endsInRatingAndTime(_ row: SampleRow) -> Bool {
        guard let rating = number(row.fields[2]), let time = number(row.fields[3]) else { return false }
        return (0...10).contains(rating) && time >= 1e8
    }

    /// `-1`, the padding token of ``seq`` files.
    private static let paddingToken: [UInt8] = [0x2D, 0x31]

    /// A sampled line split into fields, copied so the sample outlives the reader's buffer.
    private struct SampleRow {
        var fields: [[UInt8]]

        init(_ line: [UInt8]) {
            self.init(line, separator: .whitespaceOrComma)
        }

        init(_ line: [UInt8], separator: InteractionFieldSplitter.Separator) {
            var splitter = InteractionFieldSplitter(separator)
            fields = line.withUnsafeBufferPointer { bytes in
                splitter.split(bytes)
                return (0..<splitter.count).map { Array(splitter.field($0, of: bytes)) }
            }
        }
    }

    private static func detectionSample(of path: String) throws -> [[UInt8]] {
        var reader = try TextLineReader(path: path)
        var sample: [[UInt8]] = []
        while sample.count < detectionSampleSize,
            let line = try reader.withNextLine({ line, _ in Array(line) })
        {
            if !line.withUnsafeBufferPointer(InteractionFieldSplitter.isBlank) { sample.append(line) }
        }
        return sample
    }

    private static func isMajority(_ rows: [SampleRow], where matches: (SampleRow) -> Bool) -> Bool {
        rows.count(where: matches) * 2 > rows.count
    }

    /// Whether the first tokens number the lines as users: `0` or `1`, then up by one. Damage
    /// is forgiven so that a damaged `user-seq` file still reads as one and its reader names
    /// the damaged line: with 5 lines or more one line, with 10 or more two, may be lost,
    /// repeated, moved or carry another first token. What counts is the distinct whole
    /// numbers among the first tokens up to the line count + 2: enough of them, starting at 2
    /// at most, with few gaps.
    private static func hasCountingFirstColumn(_ rows: [SampleRow]) -> Bool {
        guard rows.count >= 2, let first = rows[0].fields.first else { return false }
        let start = first == Array("0".utf8) ? 0 : 1
        let counts = rows.enumerated().allSatisfy { position, row in
            row.fields.first == Array(String(start + position).utf8)
        }
        guard !counts, rows.count >= minimumRowsForDamagedCounting else { return counts }
        let forgiven = rows.count >= 10 ? 2 : 1
        var seen = Set<Int>()
        for row in rows {
            if let field = row.fields.first, let number = canonicalWholeNumber(field), number <= rows.count + 2 {
                seen.insert(number)
            }
        }
        guard let lowest = seen.min(), let highest = seen.max() else { return false }
        return lowest <= 2 && seen.count >= rows.count - forgiven && highest - lowest + 1 <= seen.count + forgiven
    }

    /// The fewest lines on which ``hasCountingFirstColumn(_:)`` forgives a damaged line.
    static let minimumRowsForDamagedCounting = 5

    /// A decimal number as a counter writes it: digits only, no sign or leading zero, at most 9 digits.
    private static func canonicalWholeNumber(_ field: [UInt8]) -> Int? {
        guard !field.isEmpty, field.count <= 9, field.allSatisfy({ (0x30...0x39).contains($0) }),
            field.count == 1 || field[0] != 0x30
        else { return nil }
        return field.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    private static func isAtomicHeader(_ line: [UInt8]) -> Bool {
        line.withUnsafeBufferPointer { bytes in
            var splitter = InteractionFieldSplitter(.tab)
            splitter.split(bytes)
            guard let names = try? AtomicFormatReader.fieldNames(bytes, splitter: splitter, file: "", line: 1) else {
                return false
            }
            return (try? AtomicFormatReader.parseHeader(names, file: "", line: 1)) != nil
        }
    }

    private static func isMovieLensHeader(_ line: [UInt8]) -> Bool {
        line.withUnsafeBufferPointer { bytes in
            var splitter = InteractionFieldSplitter(MovieLensFormatReader.separator(of: bytes))
            splitter.split(bytes)
            // try? flattens "not a header" (nil) and "a header without the columns" (thrown) alike.
            return (try? MovieLensFormatReader.headerColumns(bytes, splitter: splitter, file: "", line: 1)) != nil
        }
    }

    private static func isNumber(_ field: [UInt8]) -> Bool {
        number(field) != nil
    }

    private static func number(_ field: [UInt8]) -> Double? {
        field.withUnsafeBufferPointer(InteractionFieldParsing.number)
    }
}
