import CompactRecTestSupport
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// A file that must be rejected, and where and why.
struct MalformedInteractionFile: CustomTestStringConvertible, Sendable {
    var format: DataFormat
    var name: String
    var text: String
    var line: Int
    var message: String

    var testDescription: String { "\(format.rawValue): \(message)" }
}

@Suite struct InteractionErrorTests {
    static let malformedFiles: [MalformedInteractionFile] = [
        .init(
            format: .pairs, name: "beauty.txt", text: "1 1\n\n1\n", line: 3,
            message: "expected 'user item' as on line 1, found 1 column"),
        .init(
            format: .pairs, name: "p.txt", text: "\nu1 a b c d\n", line: 2,
            message: "expected 'user item [timestamp]' or 'user item rating timestamp', found 5 columns"),
        .init(
            format: .pairs, name: "p.txt", text: "u1 a 5 100\nu1 b 7\n", line: 2,
            message: "expected 'user item rating timestamp' as on line 1, found 3 columns"),
        .init(
            format: .pairs, name: "p.txt", text: "u1 a 5 100\nu1 b 4 yesterday\n", line: 2,
            message: "column 4: expected a numeric timestamp, found 'yesterday'"),
        .init(
            format: .pairs, name: "p.txt", text: "u1 a 5\nu1 b\n", line: 2,
            message: "expected 'user item timestamp' as on line 1, found 2 columns"),
        .init(
            format: .pairs, name: "p.txt.gz", text: "u1 a 5\nu1 b 2024-01-01\n", line: 2,
            message: "column 3: expected a numeric timestamp, found '2024-01-01'"),
        .init(
            format: .pairs, name: "p.txt", text: "u1 a nan\n", line: 1,
            message: "column 3: expected a numeric timestamp, found 'nan'"),
        .init(
            format: .pairs, name: "p.txt", text: "u1 a 5\nu1 b 1e400\n", line: 2,
            message: "column 3: the timestamp '1e400' is too large for a number"),
        .init(
            format: .pairs, name: "p.csv", text: "u1,,5\n", line: 1,
            message: "column 2 is empty; expected the item id"),
        .init(
            format: .pairs, name: "p.txt", text: "u1 " + String(repeating: "i", count: 257) + "\n", line: 1,
            message: "column 2: the item id is 257 bytes long, over the limit of 256"),
        .init(
            format: .userSeq, name: "u.txt", text: "1 a\n2\n", line: 2,
            message: "expected 'user item item …', found 1 column"),
        .init(
            format: .userSeq, name: "u.txt", text: "1 a\n2 b\n1 c\n", line: 3,
            message: "user '1' already has a line (line 1); expected one line per user"),
        .init(
            format: .seq, name: "s.txt", text: "a b\n-1,-1\n", line: 2,
            message: "expected at least one item, found only padding (-1)"),
        .init(
            format: .seq, name: "s.txt", text: "a,b,\n", line: 1,
            message: "column 3 is empty; expected the item id"),
        .init(
            format: .atomic, name: "a.inter", text: "uid:token\titem_id:token\n", line: 1,
            message: "the header has no user column; expected a field named 'user_id' or 'session_id'"),
        .init(
            format: .atomic, name: "a.inter", text: "user_id:token\titem:token\n", line: 1,
            message: "the header has no item column; expected a field named 'item_id'"),
        .init(
            format: .atomic, name: "a.inter", text: "user_id\titem_id\n", line: 1,
            message:
                "expected a RecBole header such as 'user_id:token<TAB>item_id:token<TAB>timestamp:float', found column 1 'user_id' without a ':type'"
        ),
        .init(
            format: .atomic, name: "a.inter", text: "user_id:token\titem_id:token\trating:float\nu\ti\t1\nu\ti\n",
            line: 3,
            message: "expected 3 tab-separated columns as in the header, found 2"),
        .init(
            format: .atomic, name: "a.inter", text: "user_id:token\titem_id:token\ttimestamp:float\nu\ti\tyesterday\n",
            line: 2,
            message: "column 3: expected a numeric timestamp, found 'yesterday'"),
        .init(
            format: .movielens, name: "u.data", text: "1\t2\t3\t4\n1\t2\t3\n", line: 2,
            message: "expected 'user item rating timestamp', found 3 columns"),
        .init(
            format: .movielens, name: "ratings.dat", text: "1::2::3::x\n", line: 1,
            message: "column 4: expected a numeric timestamp, found 'x'"),
        .init(
            format: .movielens, name: "ratings.csv", text: "userId,title\n1,Heat\n", line: 1,
            message: "the header names no item column; expected item, itemId, item_id or movieId"),
        .init(
            format: .movielens, name: "ratings.csv", text: "name,movieId\n1,2\n", line: 1,
            message: "the header names no user column; expected user, userId or user_id"),
        .init(
            format: .movielens, name: "u.data", text: "1\t2\t3\tnever\n", line: 1,
            message: "column 4: expected a numeric timestamp, found 'never'"),
        .init(
            format: .movielens, name: "ratings.csv", text: "userId,movieId,rating\n1,2,3\n1,2\n", line: 3,
            message: "expected 3 columns as in the header, found 2 columns"),
    ]

    @Test(arguments: malformedFiles)
    func rejectsMalformedLine(_ file: MalformedInteractionFile) throws {
        let directory = try DataTestDirectory()
        let path = try directory.write(file.name, file.text)
        var items = ItemTokenTable()
        let error = try #require(throws: InputError.self) {
            try InteractionLog.read(path: path, format: file.format, items: &items)
        }
        #expect(error == InputError(file: path, line: file.line, file.message))
    }

    @Test(arguments: DataFormat.allCases, ["", "\n  \n\t\n"])
    func rejectsFileWithoutInteractions(format: DataFormat, text: String) throws {
        let directory = try DataTestDirectory()
        let path = try directory.write("empty.txt.gz", text)
        var items = ItemTokenTable()
        let error = try #require(throws: InputError.self) {
            try InteractionLog.read(path: path, format: format, items: &items)
        }
        #expect(error == InputError(source: path, "no interactions: the file is empty, blank, or only a header"))
    }

    @Test(arguments: [
        (DataFormat.atomic, "user_id:token\titem_id:token\n"),
        (.movielens, "userId,movieId,rating,timestamp\n\n"),
    ])
    func rejectsHeaderWithoutData(format: DataFormat, text: String) throws {
        let directory = try DataTestDirectory()
        let path = try directory.write("header.txt", text)
        var items = ItemTokenTable()
        let error = try #require(throws: InputError.self) {
            try InteractionLog.read(path: path, format: format, items: &items)
        }
        #expect(error == InputError(source: path, "no interactions: the file is empty, blank, or only a header"))
    }

    /// The starts of a PNG and an ELF file, followed by pseudo-random bytes.
    static let binaryFiles: [[UInt8]] = {
        var state: UInt32 = 12345
        let noise = (0..<4096).map { _ in
            state = state &* 1_103_515_245 &+ 12345
            return UInt8(truncatingIfNeeded: state >> 16)
        }
        return [
            [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + noise,
            [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00] + noise,
        ]
    }()

    @Test(arguments: DataFormat.allCases, binaryFiles)
    func rejectsBinaryGarbage(format: DataFormat, bytes: [UInt8]) throws {
        let directory = try DataTestDirectory()
        let path = try directory.write("garbage.bin", bytes: bytes)
        var items = ItemTokenTable()
        let error = try #require(throws: InputError.self) {
            try InteractionLog.read(path: path, format: format, items: &items)
        }
        #expect(error.source == path)
        #expect(error.location == "line 1")
        #expect(error.message.contains("binary data") || error.message.contains("invalid UTF-8"))
    }

    @Test func rejectsInvalidUTF8InData() throws {
        let directory = try DataTestDirectory()
        let path = try directory.write("bad.txt", bytes: Array("u1 a\nu1 b".utf8) + [0xFF, 0x0A])
        var items = ItemTokenTable()
        let error = try #require(throws: InputError.self) {
            try InteractionLog.read(path: path, format: .auto, items: &items)
        }
        #expect(error == InputError(file: path, line: 2, "invalid UTF-8 at byte 5 of the line"))
    }

    @Test func rejectsCorruptGzip() throws {
        let directory = try DataTestDirectory()
        var text = ""
        for i in 0..<5_000 { text += "\(i % 50) \(i % 977)\n" }
        let compressed = try directory.gzipped(Array(text.utf8))
        let path = try directory.write("cut.bin", bytes: Array(compressed.dropLast(100)))
        var items = ItemTokenTable()
        let error = try #require(throws: InputError.self) {
            try InteractionLog.read(path: path, format: .pairs, items: &items)
        }
        #expect(error.source == path)
        #expect(error.location?.hasPrefix("line ") == true)
        #expect(error.message == "corrupt gzip data: unexpected end of file")
    }

    @Test func rejectsMissingFile() throws {
        var items = ItemTokenTable()
        let error = try #require(throws: InputError.self) {
            try InteractionLog.read(path: "/nonexistent/beauty.txt", items: &items)
        }
        #expect(error == InputError(source: "/nonexistent/beauty.txt", "cannot open: No such file or directory"))
    }
}
