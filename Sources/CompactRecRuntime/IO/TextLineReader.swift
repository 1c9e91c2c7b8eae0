#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a text file line by line, gunzipping it on the fly when it is gzip-compressed.
///
/// Lines are handed out as bytes without their `\n` or `\r\n` terminator, numbered from 1.
/// The last line needs no terminator, and a UTF-8 byte-order mark at the start of the file is
/// dropped. Every line is checked before it is handed out; the reader throws an ``InputError``
/// naming the file and line for a NUL byte, invalid UTF-8, a carriage return inside a line
/// (a file with CR-only line ends would otherwise be one long line), a line longer than
/// ``maximumLineLength``, a corrupt, truncated or trailing-garbage gzip stream, and for a file
/// it cannot open.
public struct TextLineReader: ~Copyable {
    /// The longest line accepted, in bytes without the terminator: 16 MiB.
    ///
    /// Far beyond any real interaction line; it stops a binary file without newlines from
    /// being buffered whole.
    public static let maximumLineLength = 16 << 20

    /// The path as given, used as the source of every error.
    public let path: String
    private let maximumLineLength: Int
    /// The number of the line most recently handed out; 0 before the first.
    private var lineNumber = 0
    private var source: DecompressingByteSource
    private var buffer: UnsafeMutableBufferPointer<UInt8>
    /// Unconsumed bytes are `buffer[start..<end]`.
    private var start = 0
    private var end = 0
    /// How many bytes after `start` are known to hold no newline, so a long line that arrives
    /// over several reads is scanned only once.
    private var scannedWithoutNewline = 0
    private var reachedEndOfFile = false

    /// Opens `path`, which may be plain text or gzip (zlib tells them apart by content, not name).
    /// - Parameter maximumLineLength: the longest line accepted, in bytes.
    public init(path: String, maximumLineLength: Int = TextLineReader.maximumLineLength) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw InputError(source: path, "cannot open: \(Self.describeErrno())")
        }
        // open() succeeds on a directory and the failure would only surface as a read error.
        var status = stat()
        if fstat(descriptor, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR {
            close(descriptor)
            throw InputError(source: path, "cannot open: it is a directory")
        }
        self.path = path
        self.maximumLineLength = maximumLineLength
        self.source = DecompressingByteSource(descriptor: descriptor)
        // Room for the longest line plus "\r\n" is the most the buffer ever needs.
        let capacity = min(1 << 18, maximumLineLength + 2)
        self.buffer = .allocate(capacity: capacity)
    }

    deinit {
        buffer.deallocate()
    }

    /// Reads every remaining line of `path`, passing each with its 1-based number to `body`.
    public static func forEachLine(
        of path: String,
        _ body: (_ line: UnsafeBufferPointer<UInt8>, _ lineNumber: Int) throws -> Void
    ) throws {
        var reader = try TextLineReader(path: path)
        while try reader.withNextLine(body) != nil {}
    }

    /// Reads the next line and returns what `body` makes of it and the line's 1-based number,
    /// or nil at the end of the file.
    ///
    /// The bytes passed to `body` live in the reader's buffer and are only valid during the call.
    public mutating func withNextLine<Result>(
        _ body: (_ line: UnsafeBufferPointer<UInt8>, _ lineNumber: Int) throws -> Result
    ) throws -> Result? {
        while true {
            let searchStart = start + scannedWithoutNewline
            if let newline = findNewline(from: searchStart) {
                let line = try takeLine(upTo: newline)
                start = newline + 1
                scannedWithoutNewline = 0
                return try body(line, lineNumber)
            }
            scannedWithoutNewline = end - start
            if scannedWithoutNewline > maximumLineLength + 1 {  // + 1: a pending "\r"
                throw tooLong()
            }
            if reachedEndOfFile {
                guard start < end else { return nil }
                let line = try takeLine(upTo: end)
                start = end
                scannedWithoutNewline = 0
                return try body(line, lineNumber)
            }
            try fill()
        }
    }

    private func findNewline(from offset: Int) -> Int? {
        guard offset < end, let base = buffer.baseAddress else { return nil }
        guard let found = memchr(base + offset, 0x0A, end - offset) else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// Numbers and checks the line in `buffer[start..<terminator]`, dropping a trailing "\r".
    private mutating func takeLine(upTo terminator: Int) throws -> UnsafeBufferPointer<UInt8> {
        var lineStart = start
        var lineEnd = terminator
        if lineEnd > lineStart && buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
        if lineNumber == 0 && lineEnd - lineStart >= 3
            && buffer[lineStart] == 0xEF && buffer[lineStart + 1] == 0xBB && buffer[lineStart + 2] == 0xBF
        {
            lineStart += 3
        }
        guard lineEnd - lineStart <= maximumLineLength else { throw tooLong() }
        lineNumber += 1
        let line = UnsafeBufferPointer(rebasing: buffer[lineStart..<lineEnd])
        switch TextLineValidation.firstProblem(in: line) {
        case nil:
            break
        case .nulByte(let offset)?:
            throw InputError(
                file: path, line: lineNumber,
                "binary data (a NUL byte at byte \(offset + 1) of the line); expected a text file")
        case .invalidUTF8(let offset)?:
            throw InputError(
                file: path, line: lineNumber, "invalid UTF-8 at byte \(offset + 1) of the line")
        }
        if let base = line.baseAddress, let found = memchr(base, 0x0D, line.count) {
            let offset = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            throw InputError(
                file: path, line: lineNumber,
                "a carriage return inside the line (byte \(offset + 1)); lines must end in \\n or \\r\\n, "
                    + "and a file with CR-only line ends needs converting first, e.g. tr '\\r' '\\n'")
        }
        return line
    }

    private func tooLong() -> InputError {
        InputError(
            file: path, line: lineNumber + 1,
            "line is longer than \(maximumLineLength) bytes, the limit; is this a text file?")
    }

    /// Moves the unconsumed bytes to the front, grows the buffer if they fill it, and reads more.
    private mutating func fill() throws {
        if start > 0 {
            let pending = end - start
            if pending > 0 {
                UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(
                    from: buffer.baseAddress! + start, byteCount: pending)
            }
            start = 0
            end = pending
        }
        if end == buffer.count {
            let grown = UnsafeMutableBufferPointer<UInt8>.allocate(
                capacity: min(buffer.count * 2, maximumLineLength + 2))
            _ = grown.initialize(fromContentsOf: buffer[..<end])
            buffer.deallocate()
            buffer = grown
        }
        let received: Int
        do {
            received = try source.read(into: UnsafeMutableBufferPointer(rebasing: buffer[end...]))
        } catch .read(let code) {
            throw InputError(file: path, line: lineNumber + 1, "read error: \(String(cString: strerror(code)))")
        } catch .corrupt(let reason) {
            throw InputError(file: path, line: lineNumber + 1, "corrupt gzip data: \(reason)")
        }
        if received == 0 { reachedEndOfFile = true }
        end += received
    }

    private static func describeErrno() -> String {
        guard let text = strerror(errno) else { return "error \(errno)" }
        return String(cString: text)
    }
}
