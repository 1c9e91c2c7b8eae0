import Foundation
import CompactRecTestSupport
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

@Suite struct TextLineReaderTests {
    @Test(arguments: ["lines.txt", "lines.txt.gz"])
    func readsNumberedLinesWithEitherTerminator(name: String) throws {
        let directory = try DataTestDirectory()
        let path = try directory.write(name, "first\r\nsecond\n\n  \nlast without newline")
        let lines = try readNumberedTextLines(path)
        #expect(lines.map(\.0) == [1, 2, 3, 4, 5])
        #expect(lines.map(\.1) == ["first", "second", "", "  ", "last without newline"])
    }

    @Test func dropsByteOrderMarkOnlyAtStart() throws {
        let directory = try DataTestDirectory()
        let path = try directory.write("bom.txt", "\u{FEFF}a b\n\u{FEFF}c\n")
        #expect(try readNumberedTextLines(path).map(\.1) == ["a b", "\u{FEFF}c"])
    }

    @Test func emptyFileHasNoLines() throws {
        let directory = try DataTestDirectory()
        #expect(try readNumberedTextLines(try directory.write("empty.txt", "")).isEmpty)
        #expect(try readNumberedTextLines(try directory.write("empty.txt.gz", "")).isEmpty)
    }

    @Test(arguments: ["many.txt", "many.txt.gz"])
    func readsLinesAcrossBufferRefills(name: String) throws {
        // A 300 KB line outgrows the initial buffer; 100,000 short lines need many refills.
        let long = String(repeating: "x", count: 300_000)
        var text = long + "\r\n"
        for i in 0..<100_000 { text += "\(i)\n" }
        let directory = try DataTestDirectory()
        let lines = try readNumberedTextLines(try directory.write(name, text))
        #expect(lines.count == 100_001)
        #expect(lines[0].1 == long)
        #expect(lines[1].1 == "0")
        #expect(lines[100_000] == (100_001, "99999"))
    }

    @Test func rejectsNulByteAsBinary() throws {
        let directory = try DataTestDirectory()
        let path = try directory.write("binary.txt", bytes: Array("ok\nab".utf8) + [0, 0x63, 0x0A])
        let error = try #require(throws: InputError.self) { try readNumberedTextLines(path) }
        #expect(error.source == path)
        #expect(error.location == "line 2")
        #expect(error.message.contains("binary data"))
        #expect(error.message.contains("byte 3"))
    }

    @Test func rejectsInvalidUTF8() throws {
        let directory = try DataTestDirectory()
        let path = try directory.write("latin1.txt.gz", bytes: Array("caf".utf8) + [0xE9, 0x0A])
        let error = try #require(throws: InputError.self) { try readNumberedTextLines(path) }
        #expect(error == InputError(file: path, line: 1, "invalid UTF-8 at byte 4 of the line"))
    }

    @Test(
        arguments: [
            ([0x61, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80, 0x7F], nil),  // a é € 😀 DEL
            ([0x61, 0x00], .nulByte(offset: 1)),
            ([0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x00], .nulByte(offset: 8)),
            ([0xC0, 0x80], .invalidUTF8(offset: 0)),  // overlong NUL
            ([0xE0, 0x80, 0x80], .invalidUTF8(offset: 0)),  // overlong
            ([0x20, 0xED, 0xA0, 0x80], .invalidUTF8(offset: 1)),  // surrogate U+D800
            ([0xF4, 0x90, 0x80, 0x80], .invalidUTF8(offset: 0)),  // above U+10FFFF
            ([0xE2, 0x82], .invalidUTF8(offset: 0)),  // truncated
            ([0x80], .invalidUTF8(offset: 0)),  // lone continuation
            ([0xF8, 0x88, 0x80, 0x80, 0x80], .invalidUTF8(offset: 0)),  // 5-byte form
        ] as [([UInt8], TextLineValidation.Problem?)])
    func validatesText(bytes: [UInt8], expected: TextLineValidation.Problem?) {
        #expect(bytes.withUnsafeBufferPointer(TextLineValidation.firstProblem) == expected)
    }

    @Test func rejectsLineOverTheLimit() throws {
        let directory = try DataTestDirectory()
        let path = try directory.write("long.txt", "0123456789\r\n0123456789A\n")
        let error = try #require(throws: InputError.self) { try readNumberedTextLines(path, maximumLineLength: 10) }
        #expect(error.location == "line 2")
        #expect(error.message.contains("longer than 10 bytes"))
    }

    @Test func defaultLimitIsSixteenMebibytes() throws {
        #expect(TextLineReader.maximumLineLength == 16 << 20)
        let limit = TextLineReader.maximumLineLength
        var bytes = [UInt8](repeating: 0x61, count: limit)
        bytes += [0x0A] + [UInt8](repeating: 0x62, count: limit + 1)
        let directory = try DataTestDirectory()
        let path = try directory.write("huge.txt", bytes: bytes)
        var reader = try TextLineReader(path: path)
        #expect(try reader.withNextLine { line, _ in line.count } == limit)
        let error = try #require(throws: InputError.self) { try reader.withNextLine { _, _ in } }
        #expect(error.location == "line 2")
    }

    @Test func missingFileCannotBeOpened() throws {
        let directory = try DataTestDirectory()
        let path = directory.path("absent.txt")
        let error = try #require(throws: InputError.self) { _ = try TextLineReader(path: path) }
        #expect(error == InputError(source: path, "cannot open: No such file or directory"))
    }

    @Test func directoryCannotBeOpened() throws {
        let directory = try DataTestDirectory()
        let error = try #require(throws: InputError.self) { _ = try TextLineReader(path: directory.url.path) }
        #expect(error == InputError(source: directory.url.path, "cannot open: it is a directory"))
    }

    @Test func rejectsTruncatedGzip() throws {
        let directory = try DataTestDirectory()
        var text = ""
        for i in 0..<2_000 { text += "user\(i) item\(i * 7 % 13)\n" }
        let compressed = try directory.gzipped(Array(text.utf8))
        let path = try directory.write("cut.txt", bytes: Array(compressed.prefix(compressed.count / 2)))
        let error = try #require(throws: InputError.self) { try readNumberedTextLines(path) }
        #expect(error.source == path)
        #expect(error.location != nil)
        #expect(error.message == "corrupt gzip data: unexpected end of file")
    }

    @Test func rejectsGzipWithBadChecksum() throws {
        let directory = try DataTestDirectory()
        var compressed = try directory.gzipped(Array("a b\nc d\n".utf8))
        compressed[compressed.count - 8] ^= 0xFF  // the CRC-32 of the trailer
        let path = try directory.write("crc.txt", bytes: compressed)
        let error = try #require(throws: InputError.self) { try readNumberedTextLines(path) }
        #expect(error.location == "line 1")
        #expect(error.message == "corrupt gzip data: incorrect data check")
    }

    @Test func readsConcatenatedGzipMembers() throws {
        let directory = try DataTestDirectory()
        let first = try directory.gzipped(Array("a b\nc ".utf8))
        let second = try directory.gzipped(Array("d\ne f\n".utf8))
        let path = try directory.write("two.txt", bytes: first + second)
        #expect(try readNumberedTextLines(path).map(\.1) == ["a b", "c d", "e f"])
    }

    @Test(arguments: [Array("junk\n".utf8), [0x1F], [0, 0, 0, 0]])
    func rejectsBytesAfterTheGzipData(trailing: [UInt8]) throws {
        let directory = try DataTestDirectory()
        let compressed = try directory.gzipped(Array("a b\nc d\n".utf8))
        let path = try directory.write("appended.txt", bytes: compressed + trailing)
        let error = try #require(throws: InputError.self) { try readNumberedTextLines(path) }
        #expect(error.location == "line 3")
        #expect(error.message == "corrupt gzip data: \(trailing.count) bytes after the end of the gzip data (a damaged or appended file?)")
    }

    @Test(arguments: ["cr.txt", "cr.txt.gz"])
    func rejectsCarriageReturnInsideALine(name: String) throws {
        let directory = try DataTestDirectory()
        let path = try directory.write(name, "a b\r\nc d\re f\rg h\n")
        let error = try #require(throws: InputError.self) { try readNumberedTextLines(path) }
        #expect(error.location == "line 2")
        #expect(error.message.hasPrefix("a carriage return inside the line (byte 4)"))
    }
}
