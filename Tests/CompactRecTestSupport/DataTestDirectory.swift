import CZlib
import Foundation

/// What a test helper throws when its own set-up fails (not the code under test).
public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A temporary directory for one test's data files, removed when the test is done with it.
public final class DataTestDirectory {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("compactrec-data-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    public func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    /// Writes `text` to `name`, gzip-compressed when the name ends in `.gz`.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }

    /// Writes `bytes` to `name`, gzip-compressed when the name ends in `.gz`.
    @discardableResult
    public func write(_ name: String, bytes: [UInt8]) throws -> String {
        let path = path(name)
        let contents = name.hasSuffix(".gz") ? try gzipped(bytes) : bytes
        try Data(contents).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// `bytes` as a gzip stream, via a scratch file because zlib's gz* API works on files.
    public func gzipped(_ bytes: [UInt8]) throws -> [UInt8] {
        let scratch = path("scratch-\(UUID().uuidString).gz")
        guard let file = gzopen(scratch, "wb") else { throw TestSupportError("gzopen failed for \(scratch)") }
        let written = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
        guard gzclose(file) == Z_OK, Int(written) == bytes.count else { throw TestSupportError("gzip of \(bytes.count) bytes failed") }
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        return Array(try Data(contentsOf: URL(fileURLWithPath: scratch)))
    }
}

