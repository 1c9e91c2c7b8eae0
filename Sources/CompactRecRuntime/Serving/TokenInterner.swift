#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A hash table that gives each distinct byte string a dense index, 0, 1, 2, … in order of
/// first appearance.
///
/// Readers intern every id of a file, so this works on the bytes of a line directly: no
/// `String` is made per token, and tokens compare byte for byte (no Unicode normalization,
/// unlike `String` equality), which keeps ids exactly as written in the file.
package struct TokenInterner {
    package init() {}

    /// The most tokens a table holds: indices must fit in `Int32`.
    package static let capacity = Int(Int32.max)

    /// All tokens back to back; token `i` is `bytes[ends[i - 1]..<ends[i]]`.
    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    /// Each token's hash, so most mismatches are settled without touching the token's bytes.
    private var hashes: [UInt64] = []
    /// Open addressing with linear probing; each slot holds a token index or -1 when empty.
    /// Slots stay 4 bytes because the first probe is usually a cache miss, and a smaller
    /// table misses less.
    private var slots = [Int32](repeating: -1, count: 16)

    package var count: Int { ends.count }

    /// The index of `token`, adding it first if it is new; nil when the table is full.
    package mutating func intern(_ token: UnsafeBufferPointer<UInt8>) -> (index: Int32, inserted: Bool)? {
        let hash = Self.hash(token)
        let (slot, found) = probe(token, hash: hash)
        if let found { return (found, false) }
        guard count < Self.capacity else { return nil }
        let index = Int32(count)
        bytes.append(contentsOf: token)
        ends.append(bytes.count)
        hashes.append(hash)
        slots[slot] = index
        // A load factor of at most 1/2 keeps probe sequences short.
        if count * 2 > slots.count { grow() }
        return (index, true)
    }

    package mutating func intern(_ token: String) -> (index: Int32, inserted: Bool)? {
        var token = token
        return token.withUTF8 { intern($0) }
    }

    package func index(of token: UnsafeBufferPointer<UInt8>) -> Int32? {
        probe(token, hash: Self.hash(token)).found
    }

    package func index(of token: String) -> Int32? {
        var token = token
        return token.withUTF8 { index(of: $0) }
    }

    /// The token with this index, as a string (tokens are valid UTF-8 by construction).
    package func token(at index: Int) -> String {
        bytes[range(of: index)].withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
    }

    private func range(of index: Int) -> Range<Int> {
        (index == 0 ? 0 : ends[index - 1])..<ends[index]
    }

    /// The slot where `token` is stored, or the empty slot where it would go.
    private func probe(_ token: UnsafeBufferPointer<UInt8>, hash: UInt64) -> (slot: Int, found: Int32?) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        return bytes.withUnsafeBufferPointer { stored in
            while true {
                let candidate = slots[slot]
                if candidate < 0 { return (slot, nil) }
                let index = Int(candidate)
                if hashes[index] == hash {
                    let range = range(of: index)
                    if range.count == token.count
                        && (range.isEmpty
                            || memcmp(stored.baseAddress! + range.lowerBound, token.baseAddress!, range.count) == 0)
                    {
                        return (slot, candidate)
                    }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for (index, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index)
        }
    }

    /// A fast multiply-xorshift hash over 8-byte words. Not hardened against crafted
    /// collisions, which only slow a load down.
    private static func hash(_ token: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
        var hash = UInt64(truncatingIfNeeded: token.count) &* multiplier
        guard let base = token.baseAddress else { return finalize(hash) }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        while offset + 8 <= token.count {
            hash = (hash ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* multiplier
            hash ^= hash >> 29
            offset += 8
        }
        if offset < token.count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while offset < token.count {
                tail |= UInt64(base[offset]) << shift
                shift += 8
                offset += 1
            }
            hash = (hash ^ tail) &* multiplier
        }
        return finalize(hash)
    }

    /// The splitmix64 finalizer, so the low bits used for the slot depend on every input bit.
    private static func finalize(_ value: UInt64) -> UInt64 {
        var hash = value
        hash = (hash ^ (hash >> 30)) &* 0xBF58_476D_1CE4_E5B9
        hash = (hash ^ (hash >> 27)) &* 0x94D0_49BB_1331_11EB
        return hash ^ (hash >> 31)
    }
}
