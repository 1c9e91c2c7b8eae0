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
    /// times the Swift loop's speed) or the Swift loop below.
    private let usesSHAExtensions: Bool

    /// Whether this CPU has the x86 SHA extensions.
    package static let cpuHasSHAExtensions = ck_sha256_has_shani() != 0

    /// `portable`: the Swift loop even where the CPU has SHA extensions (the tests' reference).
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

    /// The round constants: the first 32 bits of the fractional parts of the cube roots of the first 64 primes.
    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// Runs the compression function over each 64-byte block of `blocks`. Written on raw
    /// pointers, so that the hundreds of megabytes per second that keep the load-time check
    /// cheap do not depend on the optimiser removing bounds checks.
    private mutating func compress(_ blocks: UnsafeRawBufferPointer) {
        if usesSHAExtensions {
            state.withUnsafeMutableBufferPointer { state in
                ck_sha256_compress_shani(state.baseAddress!, blocks.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                         blocks.count / Self.blockSize)
            }
            return
        }
        var h0 = state[0], h1 = state[1], h2 = state[2], h3 = state[3]
        var h4 = state[4], h5 = state[5], h6 = state[6], h7 = state[7]
        Self.roundConstants.withUnsafeBufferPointer { k in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
                var offset = 0
                while offset < blocks.count {
                    for t in 0..<16 {
                        w[t] = UInt32(bigEndian: blocks.loadUnaligned(fromByteOffset: offset + 4 * t, as: UInt32.self))
                    }
                    for t in 16..<64 {
                        let a = w[t - 15], b = w[t - 2]
                        let s0 = a.rotatedRight(7) ^ a.rotatedRight(18) ^ (a >> 3)
                        let s1 = b.rotatedRight(17) ^ b.rotatedRight(19) ^ (b >> 10)
                        w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
                    }
                    var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7
                    for t in 0..<64 {
                        let s1 = e.rotatedRight(6) ^ e.rotatedRight(11) ^ e.rotatedRight(25)
                        let choice = (e & f) ^ (~e & g)
                        let t1 = h &+ s1 &+ choice &+ k[t] &+ w[t]
                        let s0 = a.rotatedRight(2) ^ a.rotatedRight(13) ^ a.rotatedRight(22)
                        let majority = (a & b) ^ (a & c) ^ (b & c)
                        h = g; g = f; f = e; e = d &+ t1
                        d = c; c = b; b = a; a = t1 &+ s0 &+ majority
                    }
                    h0 &+= a; h1 &+= b; h2 &+= c; h3 &+= d; h4 &+= e; h5 &+= f; h6 &+= g; h7 &+= h
                    offset += Self.blockSize
                }
            }
        }
        state = [h0, h1, h2, h3, h4, h5, h6, h7]
    }
}

extension UInt32 {
    fileprivate func rotatedRight(_ count: UInt32) -> UInt32 { (self >> count) | (self << (32 &- count)) }
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
