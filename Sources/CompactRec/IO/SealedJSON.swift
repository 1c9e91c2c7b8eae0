import CompactRecRuntime
import Foundation

/// Encodes a JSON record that carries the SHA-256 digests of its sibling files and of itself
/// (`config.json` of a bundle, `state.json` of a checkpoint), read back by
/// `BundleIntegrity.verify`.
///
/// The record's own digest is that of the encoded bytes with its 64 digits written as zeros,
/// so it covers every other byte of the file, the other digests included.
enum SealedJSON {
    /// `value` encoded with `digests` plus its own under `ownName`, as `assign` stores them in it.
    static func encode<Value: Encodable>(
        _ value: Value, ownName: String, digests: [String: String],
        assign: (inout Value, [String: String]) -> Void
    ) throws -> [UInt8] {
        var value = value
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        func encoded(ownDigest: String) throws -> [UInt8] {
            assign(&value, digests.merging([ownName: ownDigest]) { $1 })
            return Array(try encoder.encode(value))
        }
        // Where the own digest goes: the only bytes that differ between two placeholders.
        let placeholder = BundleIntegrity.placeholder
        var bytes = try encoded(ownDigest: placeholder)
        let other = try encoded(ownDigest: String(repeating: "f", count: placeholder.count))
        guard bytes.count == other.count, let start = bytes.indices.first(where: { bytes[$0] != other[$0] }),
              bytes[start...].starts(with: placeholder.utf8)
        else {
            preconditionFailure("\(ownName)'s own digest has no single place in the encoded record")
        }
        let own = SHA256.digest(bytes).hexadecimal
        bytes.replaceSubrange(start..<start + placeholder.count, with: own.utf8)
        return bytes
    }
}
