import CompactRecRuntime
import Foundation

/// A checkpoint's `state.json` for `state` (a state a test has edited), with the digest it
/// records of itself made right again: a test of the field checks behind the digest check
/// plays a writer that wrote a bad state, not damage on the disk (which the digest refuses).
public func sealedCheckpointState(_ state: Any) throws -> Data {
    guard var root = state as? [String: Any], var digests = root["sha256"] as? [String: String] else {
        throw TestSupportError("the state records no sha256")
    }
    digests["state.json"] = BundleIntegrity.placeholder
    root["sha256"] = digests
    var bytes = Array(try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys]))
    let quoted = Array("\"\(BundleIntegrity.placeholder)\"".utf8)
    guard let range = bytes.firstRange(of: quoted) else { throw TestSupportError("no placeholder in the state") }
    let own = SHA256.digest(bytes).hexadecimal
    bytes.replaceSubrange(range.lowerBound + 1..<range.upperBound - 1, with: own.utf8)
    return Data(bytes)
}
