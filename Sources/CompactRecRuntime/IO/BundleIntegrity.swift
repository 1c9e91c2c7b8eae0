#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The SHA-256 digests a model bundle's `config.json` records of the bundle's files, and their
/// check on load, so that a damaged file (a flipped bit, a file from another bundle, a torn
/// copy) is refused naming the file instead of serving other recommendations.
///
/// `config.json` holds, under `"sha256"`, the lower-case hexadecimal digest of `items.tsv`, of
/// `model.safetensors` and of itself. Its own digest is that of the file with those 64 digits
/// written as zeros, so it covers every other byte of the file, the other digests included.
package enum BundleIntegrity {
    package static let configName = "config.json"
    package static let itemsName = "items.tsv"
    package static let weightsName = "model.safetensors"
    /// Every file a bundle's record covers, `config.json` included.
    package static let recordedFiles = [configName, itemsName, weightsName]
    /// The bundle version from which every bundle carries the record; older ones load unchecked.
    package static let firstVersionWithDigests = 2
    /// What `config.json`'s own digest is computed with in its place.
    package static let placeholder = String(repeating: "0", count: 2 * SHA256.digestSize)

    /// Checks every file against `recorded`, config.json first (whose bytes are `configBytes`),
    /// before anything in them is parsed, so a damaged file is named as such rather than by
    /// whatever its damage breaks first.
    /// - Throws: an `InputError` naming the file whose digest differs, or config.json when the
    ///   record itself is incomplete.
    package static func verify(directory: String, configBytes: [UInt8], recorded: [String: String]) throws {
        try verify(directory: directory, ownName: configName, ownBytes: configBytes, recorded: recorded, expected: recordedFiles)
    }

    /// Checks the record a JSON file (`ownName`, whose bytes are `ownBytes`) keeps of itself and
    /// of its siblings in `directory`: the record must name exactly `expected` (which holds
    /// `ownName`), the file's own digest first.
    /// - Throws: an `InputError` naming the file whose digest differs, or `ownName` when the
    ///   record itself is incomplete.
    package static func verify(
        directory: String, ownName: String, ownBytes: [UInt8], recorded: [String: String], expected: [String]
    ) throws {
        let ownPath = path(directory, ownName)
        let names = recorded.keys.sorted()
        guard names == expected.sorted() else {
            throw InputError(source: ownPath, location: "sha256",
                             "expected digests of exactly \(expected.sorted().joined(separator: ", ")), found \(names.joined(separator: ", "))")
        }
        let own = recorded[ownName]!
        try checkSame(selfDigest(of: ownBytes, recorded: own), own, file: ownPath, recordedBy: ownName)
        for name in names where name != ownName {
            let file = path(directory, name)
            try checkSame(try digest(ofFile: file), recorded[name]!, file: file, recordedBy: ownName)
        }
    }

    /// config.json's digest with the 64 digits of `recorded` as zeros, or nil when `recorded`
    /// is not a digest standing once, as a JSON string, in `configBytes`.
    package static func selfDigest(of configBytes: [UInt8], recorded: String) -> String? {
        let digits = Array(recorded.utf8)
        guard digits.count == placeholder.utf8.count, digits.allSatisfy(isLowerHexDigit) else { return nil }
        let quoted = [UInt8(ascii: "\"")] + digits + [UInt8(ascii: "\"")]
        var found: [Int] = []
        var start = 0
        while let range = configBytes[start...].firstRange(of: quoted) {
            found.append(range.lowerBound + 1)
            start = range.upperBound
        }
        guard found.count == 1 else { return nil }
        var zeroed = configBytes
        zeroed.replaceSubrange(found[0]..<found[0] + digits.count, with: placeholder.utf8)
        return SHA256.digest(zeroed).hexadecimal
    }

    /// The lower-case hexadecimal SHA-256 of the file at `path`, read a piece at a time.
    package static func digest(ofFile path: String) throws -> String {
        let file = try FileDescriptorIO.openRegularFileForReading(path)
        defer { close(file.descriptor) }
        var hash = SHA256()
        let pieceSize = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: min(pieceSize, max(file.size, 1)), alignment: 16)
        defer { buffer.deallocate() }
        var offset = 0
        while offset < file.size {
            let piece = UnsafeMutableRawBufferPointer(rebasing: buffer.prefix(min(buffer.count, file.size - offset)))
            try FileDescriptorIO.read(file.descriptor, into: piece, at: offset, path: path)
            hash.update(UnsafeRawBufferPointer(piece))
            offset += piece.count
        }
        return hash.finalize().hexadecimal
    }

    private static func checkSame(_ actual: String?, _ recorded: String, file: String, recordedBy: String) throws {
        guard let actual else {
            throw InputError(source: file, "the SHA-256 it records of itself is not 64 lower-case hexadecimal digits written once; "
                                 + "the file is damaged or was edited")
        }
        guard actual == recorded else {
            throw InputError(source: file, "its SHA-256 is \(actual.prefix(16))…, but \(recordedBy) records \(recorded.prefix(16))…: "
                                 + "the file was damaged or changed after it was written; restore it or write it again")
        }
    }

    private static func isLowerHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }

    package static func path(_ directory: String, _ name: String) -> String {
        ModelBundle.path(directory, name)
    }
}
