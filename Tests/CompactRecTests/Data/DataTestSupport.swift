import CZlib
import Foundation
import Testing

@testable import CompactRec

/// A temporary directory for one test's data files, removed when the test is done with it.
final class DataTestDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("compactrec-data-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    /// Writes `text` to `name`, gzip-compressed when the name ends in `.gz`.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }

    /// Writes `bytes` to `name`, gzip-compressed when the name ends in `.gz`.
    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let path = path(name)
        let contents = name.hasSuffix(".gz") ? try gzipped(bytes) : bytes
        try Data(contents).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// `bytes` as a gzip stream, via a scratch file because zlib's gz* API works on files.
    func gzipped(_ bytes: [UInt8]) throws -> [UInt8] {
        let scratch = path("scratch-\(UUID().uuidString).gz")
        let file = try #require(gzopen(scratch, "wb"))
        let written = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
        #expect(gzclose(file) == Z_OK)
        #expect(Int(written) == bytes.count)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        return Array(try Data(contentsOf: URL(fileURLWithPath: scratch)))
    }
}

/// Reads `path` with a fresh item table and returns its sequences as item ids.
func readInteractionItemIds(_ path: String, format: DataFormat) throws -> (log: InteractionLog, ids: [[String]]) {
    var items = ItemTokenTable()
    let log = try InteractionLog.read(path: path, format: format, items: &items)
    return (log, log.sequences.map { $0.map { items.tokens[Int($0)] } })
}

/// All lines of `path` as strings with their numbers.
func readNumberedTextLines(_ path: String, maximumLineLength: Int = TextLineReader.maximumLineLength) throws -> [(
    Int, String
)] {
    var reader = try TextLineReader(path: path, maximumLineLength: maximumLineLength)
    var lines: [(Int, String)] = []
    while let line = try reader.withNextLine({ bytes, number in (number, String(decoding: bytes, as: UTF8.self)) }) {
        lines.append(line)
    }
    return lines
}
