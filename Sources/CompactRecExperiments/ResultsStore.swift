import CompactRec
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `results.jsonl`: one ``RunResult`` per line, appended as runs finish.
///
/// A line counts only once its newline is written; a process killed mid-append, or an append
/// that failed part-way (a full disk), leaves a torn last line without one. Reading drops it,
/// and opening for appending and each append cut it off the file first, so the next line does
/// not join it into a broken line and that run is done again; ``tornTailWarning(path:bytes:)``
/// says so. A broken line anywhere else is an error naming the file and line: finished results
/// are never dropped silently.
public struct ResultsStore {
    public let path: String
    public private(set) var results: [RunResult]
    /// Bytes of a half-written last line that reading dropped (0 when there was none).
    public let droppedPartialBytes: Int

    /// Reads the results at `path` (none when the file does not exist) without changing the file.
    public static func read(path: String) throws -> ResultsStore {
        guard FileManager.default.fileExists(atPath: path) else {
            return ResultsStore(path: path, results: [], droppedPartialBytes: 0)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(source: path, "cannot read the results file")
        }
        let bytes = [UInt8](data)
        let complete = (bytes.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }) ?? 0
        let decoder = RunResult.decoder()
        var results: [RunResult] = []
        var lineNumber = 0
        for line in bytes[..<complete].split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast() {
            lineNumber += 1
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) { continue }
            do {
                results.append(try decoder.decode(RunResult.self, from: Data(line)))
            } catch {
                throw InputError(file: path, line: lineNumber, "not a run record (\(describe(error))); fix or delete the line")
            }
        }
        return ResultsStore(path: path, results: results, droppedPartialBytes: bytes.count - complete)
    }

    /// Reads the results and cuts a half-written last line off the file, ready to append.
    public static func openForAppending(path: String) throws -> ResultsStore {
        let store = try read(path: path)
        if store.droppedPartialBytes > 0 {
            let keep = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0) - store.droppedPartialBytes
            guard truncate(path, off_t(keep)) == 0 else {
                throw InputError(source: path, "cannot remove the half-written last line: \(FileDescriptorIO.message(forErrno: errno))")
            }
        }
        return store
    }

    /// The line to show a user when a torn last line of `path` was dropped or cut off.
    public static func tornTailWarning(path: String, bytes: Int) -> String {
        "\(path): dropped a torn last line (\(bytes) bytes without a newline, left by a write that stopped "
            + "part-way); the run it held is not finished"
    }

    /// Keys of the runs already finished.
    public var finishedKeys: Set<String> { Set(results.map(\.key)) }

    /// Appends `result` as one line and flushes it to disk before returning; call it holding the
    /// lock of the results, as other processes may append too.
    ///
    /// An earlier append that failed part-way leaves a torn last line; written after it, this
    /// line would join it into one broken line that every later read refuses. So a torn last
    /// line is cut off first.
    /// - Returns: the bytes of the torn last line cut off (0 when there was none).
    @discardableResult
    public mutating func append(_ result: RunResult) throws -> Int {
        let line = Data((try result.jsonLine() + "\n").utf8)
        let descriptor = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            throw InputError(source: path, "cannot open for appending: \(FileDescriptorIO.message(forErrno: errno))")
        }
        let cut: Int
        do { cut = try cutTornTail(descriptor) } catch {
            close(descriptor)
            throw error
        }
        var code = line.withUnsafeBytes { FileDescriptorIO.writeAll(descriptor, $0) }
        if code == 0 { code = FileDescriptorIO.synchronize(descriptor) }
        if close(descriptor) != 0 && code == 0 { code = errno }
        guard code == 0 else {
            throw InputError(source: path, "cannot append a result: \(FileDescriptorIO.message(forErrno: code))")
        }
        results.append(result)
        return cut
    }

    /// Truncates the open results file after its last newline; returns the bytes removed.
    private func cutTornTail(_ descriptor: Int32) throws -> Int {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw InputError(source: path, "cannot read file status: \(FileDescriptorIO.message(forErrno: errno))")
        }
        let size = Int(status.st_size)
        // Back from the end a block at a time: a torn line is at most one record long.
        var keep = 0, end = size
        var block = [UInt8](repeating: 0, count: 4096)
        while end > 0 {
            let start = max(end - block.count, 0)
            try block.withUnsafeMutableBytes {
                try FileDescriptorIO.read(
                    descriptor, into: UnsafeMutableRawBufferPointer(rebasing: $0[..<(end - start)]), at: start, path: path)
            }
            if let newline = block[..<(end - start)].lastIndex(of: UInt8(ascii: "\n")) {
                keep = start + newline + 1
                break
            }
            end = start
        }
        guard keep < size else { return 0 }
        guard ftruncate(descriptor, off_t(keep)) == 0 else {
            throw InputError(
                source: path, "cannot remove the torn last line: \(FileDescriptorIO.message(forErrno: errno))")
        }
        return size - keep
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case let DecodingError.keyNotFound(key, _): return "missing key '\(key.stringValue)'"
        case let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context):
            return "wrong type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        default: return "not valid JSON"
        }
    }
}
