import CKernels

/// SHA-256 (FIPS 180-4), for the digests a model bundle records of its files.
///
/// In the project rather than a dependency: the bundle reader needs only this one function,
/// and a crypto package would add a C library's build to every build of the runtime. It
/// guards against damage (a flipped bit, a file swapped in from another bundle), not against
/// someone who rewrites a bundle on purpose: they can rewrite the digests too.
///
///     var hash = SHA256()
///     hash.update(bytes)
///     let hex = hash.finalize().hexadecimal
package struct SHA256: Sendable {
    /// Bytes per digest.
    package static let digestSize = 32
    static let blockSize = 64

    private var state: [UInt32] = [
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
    ]
    /// Bytes of an incomplete block, waiting for the next update.
    private var pending: [UInt8] = []
    private var byteCount: UInt64 = 0
    /// Whether blocks go through the CPU's SHA extensions (`ck_sha256_compress_shani`, about ten
    /// times the portable code's speed) or the portable C code.
    private let usesSHAExtensions: Bool

    /// Whether this CPU has the x86 SHA extensions.
    package static let cpuHasSHAExtensions = ck_sha256_has_shani() != 0

    /// `portable`: the portable code even where the CPU has SHA extensions (the tests' reference).
    package init(portable: Bool = false) {
        usesSHAExtensions = !portable && Self.cpuHasSHAExtensions
    }

    /// The digest of `bytes`.
    package static func digest(_ bytes: [UInt8]) -> [UInt8] {
        var hash = SHA256()
        hash.update(bytes)
        return hash.finalize()
    }

    package mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        byteCount &+= UInt64(bytes.count)
        var input = bytes
        if !pending.isEmpty {
            let taken = min(Self.blockSize - pending.count, input.count)
            pending += input.prefix(taken)
            input = UnsafeRawBufferPointer(rebasing: input.dropFirst(taken))
            guard pending.count == Self.blockSize else { return }
            let block = pending
            block.withUnsafeBytes { compress($0) }
            pending.removeAll(keepingCapacity: true)
        }
        let whole = input.count / Self.blockSize * Self.blockSize
        if whole > 0 { compress(UnsafeRawBufferPointer(rebasing: input.prefix(whole))) }
        pending += input.dropFirst(whole)
    }

    /// The digest of everything passed to `update`: the padding (a 1 bit, zeros, the length in
    /// bits as a big-endian 64-bit number) completes the last block.
    package consuming func finalize() -> [UInt8] {
        let bitCount = byteCount &* 8
        var tail = pending + [0x80]
        let padded = (tail.count + 8 + Self.blockSize - 1) / Self.blockSize * Self.blockSize
        tail += [UInt8](repeating: 0, count: padded - tail.count - 8)
        tail += (0..<8).reversed().map { UInt8(truncatingIfNeeded: bitCount >> (8 * $0)) }
        tail.withUnsafeBytes { compress($0) }
        return state.flatMap { word in (0..<4).reversed().map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
    }

    /// Runs the compression function over each 64-byte block of `blocks` (C kernels).
    private mutating func compress(_ blocks: UnsafeRawBufferPointer) {
        let data = blocks.baseAddress!.assumingMemoryBound(to: UInt8.self), count = blocks.count / Self.blockSize
        let fast = usesSHAExtensions
        state.withUnsafeMutableBufferPointer { state in
            if fast {
                ck_sha256_compress_shani(state.baseAddress!, data, count)
            } else {
                ck_sha256_compress_portable(state.baseAddress!, data, count)
            }
        }
    }
}

extension Array where Element == UInt8 {
    /// Lower-case hexadecimal, two digits a byte, as `sha256sum` prints a digest.
    package var hexadecimal: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(2 * count)
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
