import CZlib

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The bytes of a file descriptor, gunzipped when they start with gzip's magic number.
///
/// zlib's `gzread` ignores whatever follows the last gzip member (a second file appended, a
/// torn copy) without a word; this source inflates with `inflate` itself so that it can tell:
/// members may follow each other (`cat a.gz b.gz` is one stream, as for `gzip -d`), and
/// anything else after a member is an error, as are a truncated member and corrupt data.
struct DecompressingByteSource: ~Copyable {
    /// Why reading stopped; the caller adds the file and line.
    enum Failure: Error {
        case read(errno: Int32)
        case corrupt(String)
    }

    private let descriptor: Int32
    private var input: UnsafeMutableBufferPointer<UInt8>
    /// Unread raw bytes are `input[inputStart..<inputEnd]`.
    private var inputStart = 0
    private var inputEnd = 0
    private var inputExhausted = false
    /// nil until the first bytes show whether the file is gzip; false for plain text.
    private var isGzip: Bool?
    /// zlib keeps pointers into its state, so it lives at a fixed address.
    private let stream: UnsafeMutablePointer<z_stream>
    private var streamReady = false
    /// Whether the current gzip member ended and no next member has begun.
    private var betweenMembers = false

    /// Takes ownership of `descriptor` and closes it on deinit.
    init(descriptor: Int32) {
        self.descriptor = descriptor
        self.input = .allocate(capacity: 1 << 17)
        self.stream = .allocate(capacity: 1)
        self.stream.initialize(to: z_stream())
    }

    deinit {
        if streamReady { inflateEnd(stream) }
        stream.deallocate()
        input.deallocate()
        close(descriptor)
    }

    /// Fills up to `buffer.count` bytes; 0 means the end of the data.
    mutating func read(into buffer: UnsafeMutableBufferPointer<UInt8>) throws(Failure) -> Int {
        if isGzip == nil {
            // Two bytes decide; a file shorter than that is plain.
            while inputEnd - inputStart < 2 && !inputExhausted { try refill() }
            isGzip = inputEnd - inputStart >= 2 && input[inputStart] == 0x1F && input[inputStart + 1] == 0x8B
            if isGzip == true { try startMember() }
        }
        if isGzip == false {
            if inputStart == inputEnd && !inputExhausted { try refill() }
            let count = min(buffer.count, inputEnd - inputStart)
            if count > 0 {
                buffer.baseAddress!.update(from: input.baseAddress! + inputStart, count: count)
                inputStart += count
            }
            return count
        }
        return try inflate(into: buffer)
    }

    private mutating func inflate(into buffer: UnsafeMutableBufferPointer<UInt8>) throws(Failure) -> Int {
        while true {
            if betweenMembers {
                while inputStart == inputEnd && !inputExhausted { try refill() }
                if inputStart == inputEnd { return 0 }
                // Another member needs its magic number; at least two bytes decide.
                while inputEnd - inputStart < 2 && !inputExhausted { try refill() }
                guard inputEnd - inputStart >= 2, input[inputStart] == 0x1F, input[inputStart + 1] == 0x8B else {
                    throw .corrupt("\(trailingByteCount()) bytes after the end of the gzip data (a damaged or appended file?)")
                }
                guard inflateReset(stream) == Z_OK else { throw .corrupt("zlib could not start the next gzip member") }
                betweenMembers = false
            }
            if inputStart == inputEnd && !inputExhausted { try refill() }
            stream.pointee.next_in = input.baseAddress! + inputStart
            stream.pointee.avail_in = UInt32(inputEnd - inputStart)
            stream.pointee.next_out = buffer.baseAddress!
            stream.pointee.avail_out = UInt32(min(buffer.count, Int(UInt32.max)))
            let code = CZlib.inflate(stream, Z_NO_FLUSH)
            let used = inputEnd - inputStart - Int(stream.pointee.avail_in)
            inputStart += used
            let produced = buffer.count - Int(stream.pointee.avail_out)
            switch code {
            case Z_STREAM_END:
                betweenMembers = true
                if produced > 0 { return produced }
            case Z_OK:
                if produced > 0 { return produced }
            case Z_BUF_ERROR where inputExhausted && inputStart == inputEnd:
                throw .corrupt("unexpected end of file")
            case Z_BUF_ERROR:
                continue  // needs more input
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(code)"
                throw .corrupt(message)
            }
            if inputExhausted && inputStart == inputEnd && !betweenMembers {
                throw .corrupt("unexpected end of file")
            }
        }
    }

    private mutating func startMember() throws(Failure) {
        // 15 + 16: a 32 KiB window and a gzip header and trailer (not zlib's or raw deflate).
        guard inflateInit2_(stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .corrupt("zlib could not allocate its state")
        }
        streamReady = true
    }

    /// The raw bytes left from here to the end of the file (reading them all).
    private mutating func trailingByteCount() -> Int {
        var count = inputEnd - inputStart
        inputStart = inputEnd
        while !inputExhausted {
            guard (try? refill()) != nil else { break }
            count += inputEnd - inputStart
            inputStart = inputEnd
        }
        return count
    }

    /// Moves unread raw bytes to the front and reads more after them.
    private mutating func refill() throws(Failure) {
        if inputStart > 0 {
            let pending = inputEnd - inputStart
            if pending > 0 {
                UnsafeMutableRawPointer(input.baseAddress!).copyMemory(
                    from: input.baseAddress! + inputStart, byteCount: pending)
            }
            inputStart = 0
            inputEnd = pending
        }
        while true {
            let count = readFromDescriptor(descriptor, input.baseAddress! + inputEnd, input.count - inputEnd)
            if count > 0 {
                inputEnd += count
                return
            }
            if count == 0 {
                inputExhausted = true
                return
            }
            if errno != EINTR { throw .read(errno: errno) }
        }
    }
}

/// read(2), named apart from the source's own `read`.
private func readFromDescriptor(_ descriptor: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
