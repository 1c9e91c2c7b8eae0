import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

@Suite("SHA-256")
struct SHA256Tests {
    /// FIPS 180-4's examples, and lengths around the padding's edges (55 bytes is the longest
    /// message whose padding fits in its block) checked against Python's hashlib.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func publishedExamples(message: String, digest: String) {
        #expect(SHA256.digest(Array(message.utf8)).hexadecimal == digest)
        var portable = SHA256(portable: true)
        portable.update(Array(message.utf8))
        #expect(portable.finalize().hexadecimal == digest)
    }

    @Test(arguments: [
        (55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b"),
        (56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27"),
        (63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055"),
        (64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241"),
        (65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e"),
        (119, "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e"),
        (1000, "1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371"),
    ])
    func lengthsAroundTheBlockEdges(length: Int, digest: String) {
        let bytes = (0..<length).map { UInt8(($0 * 7 + 3) % 256) }
        #expect(SHA256.digest(bytes).hexadecimal == digest)
        // Fed in uneven pieces, the digest is the same.
        var hash = SHA256()
        var start = 0, piece = 1
        while start < length {
            hash.update(Array(bytes[start..<min(length, start + piece)]))
            start += piece
            piece = piece * 3 % 71 + 1
        }
        #expect(hash.finalize().hexadecimal == digest)
    }

    /// The CPU's SHA extensions, where it has them, give the Swift loop's digests, for every
    /// length up to a few blocks and a larger random buffer fed in uneven pieces.
    @Test(.enabled(if: SHA256.cpuHasSHAExtensions, "this CPU has no SHA extensions"))
    func theSHAExtensionsGiveThePortableDigests() {
        var rng = SeededGenerator(seed: 7)
        let bytes = (0..<100_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        for length in Array(0...200) + [4_095, 4_096, 65_537, 100_000] {
            var fast = SHA256(), portable = SHA256(portable: true)
            var start = 0, piece = length % 97 + 1
            while start < length {
                let part = Array(bytes[start..<min(length, start + piece)])
                fast.update(part)
                portable.update(part)
                start += piece
                piece = piece * 5 % 1_031 + 1
            }
            #expect(fast.finalize() == portable.finalize(), "length \(length)")
        }
    }

    @Test func aMillionAsInPiecesOfAMegabyteFile() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let path = directory + "/a"
            try Data(repeating: UInt8(ascii: "a"), count: 1_000_000).write(to: URL(fileURLWithPath: path))
            #expect(try BundleIntegrity.digest(ofFile: path) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        }
    }
}

@Suite("Model bundle digests")
struct BundleIntegrityTests {
    static func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    static func writeBytes(_ bytes: [UInt8], to path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

    @Test func configJSONRecordsTheDigestOfEachFileAndOfItselfWithItsOwnDigitsAsZeros() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let bundle = try ModelBundleTests.writeBundle(in: directory)
            let config = try Self.bytes(bundle + "/config.json")
            let recorded = try #require(try ModelBundle.read(from: bundle).configuration.sha256)
            #expect(recorded.keys.sorted() == ["config.json", "items.tsv", "model.safetensors"])
            for name in ["items.tsv", "model.safetensors"] {
                #expect(recorded[name] == SHA256.digest(try Self.bytes(bundle + "/" + name)).hexadecimal, "\(name)")
            }
            let own = try #require(recorded["config.json"])
            let text = String(decoding: config, as: UTF8.self)
            #expect(text.components(separatedBy: own).count == 2, "its own digest stands once")
            let zeroed = text.replacingOccurrences(of: own, with: String(repeating: "0", count: 64))
            #expect(SHA256.digest(Array(zeroed.utf8)).hexadecimal == own)
            #expect(try ModelBundle.read(from: bundle).unverifiedReason == nil)
        }
    }

    /// The user's report: random byte flips, exponent flips, swapped tensor offsets and
    /// swapped items.tsv rows loaded silently. Every one is refused now, naming the file.
    @Test(arguments: BundleFuzzTests.files)
    func everyRandomByteFlipIsRefusedNamingTheFile(file: String) throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let bundle = try ModelBundleTests.writeBundle(in: directory)
            let path = bundle + "/" + file
            let original = try Self.bytes(path)
            var rng = SeededGenerator(seed: 41 + UInt64(file.utf8.count))
            struct Header: Decodable { var format: String; var version: Int }
            var refused = 0, stillAConfiguration = 0
            for _ in 0..<200 {
                var flipped = original
                let position = Int(rng.next() % UInt64(original.count))
                flipped[position] ^= UInt8(1 + rng.next() % 255)
                try Self.writeBytes(flipped, to: path)
                guard let error = ModelBundleTests.readError(bundle) else { continue }
                refused += 1
                #expect(error.source == path, "byte \(position): \(error)")
                // A flip that breaks config.json's JSON, format or version is refused for that;
                // every other one, in any file, for its digest.
                let valid = (try? JSONSerialization.jsonObject(with: Data(flipped))) != nil
                let header = try? JSONDecoder().decode(Header.self, from: Data(flipped))
                if file != "config.json"
                    || (valid && header?.format == ModelBundle.formatName && header?.version == ModelBundle.formatVersion) {
                    stillAConfiguration += file == "config.json" ? 1 : 0
                    #expect(error.message.hasPrefix("its SHA-256 is ") || error.message.hasPrefix("the SHA-256 it records of itself")
                                || error.location == "sha256", "byte \(position): \(error)")
                }
            }
            try Self.writeBytes(original, to: path)
            #expect(refused == 200)
            // 36 with this seed: flips in the digests, the metrics, the data summary, the settings.
            #expect(file != "config.json" || stillAConfiguration >= 30, "\(stillAConfiguration) flips of config.json left it readable")
            _ = try ModelBundle.read(from: bundle)
        }
    }

    @Test func exponentFlipsSwappedTensorOffsetsAndSwappedItemRowsAreRefused() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let bundle = try ModelBundleTests.writeBundle(in: directory)
            let weightsPath = bundle + "/model.safetensors", itemsPath = bundle + "/items.tsv"
            let weights = try Self.bytes(weightsPath), items = try Self.bytes(itemsPath)
            let headerLength = Int(weights[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
            let dataStart = 8 + headerLength
            var rng = SeededGenerator(seed: 7)
            for _ in 0..<30 {
                // Bit 30 of a little-endian float: the top of its exponent, a factor of 2^128 or 2^-128.
                var flipped = weights
                let element = Int(rng.next() % UInt64((weights.count - dataStart) / 4))
                flipped[dataStart + 4 * element + 3] ^= 0x40
                try Self.writeBytes(flipped, to: weightsPath)
                let error = try #require(ModelBundleTests.readError(bundle))
                #expect(error.source == weightsPath && error.message.hasPrefix("its SHA-256 is "), "\(error)")
            }
            // Two tensors of the same size trade places: a header that is valid in every way.
            let header = String(decoding: weights[8..<dataStart], as: UTF8.self)
            let file = try SafeTensors.read(path: weightsPath)
            let sameSize = try #require(file.tensors.first { a in file.tensors.contains { $0.name != a.name && $0.shape == a.shape } })
            let partner = try #require(file.tensors.first { $0.name != sameSize.name && $0.shape == sameSize.shape })
            let offsets = try #require(Self.offsets(in: header, of: [sameSize.name, partner.name]))
            let swapped = header.replacingOccurrences(of: offsets[0], with: "@").replacingOccurrences(of: offsets[1], with: offsets[0])
                .replacingOccurrences(of: "@", with: offsets[1])
            try Self.writeBytes(Array(weights[0..<8]) + Array(swapped.utf8) + Array(weights[dataStart...]), to: weightsPath)
            #expect(try SafeTensors.read(path: weightsPath).tensors.count == file.tensors.count, "the swapped file is well-formed")
            #expect(ModelBundleTests.readError(bundle)?.source == weightsPath)
            try Self.writeBytes(weights, to: weightsPath)

            // Two items trade ids: every line is well-formed, the vocabulary consistent.
            let text = String(decoding: items, as: UTF8.self)
            let rowsSwapped = text.replacingOccurrences(of: "1\titem-a\t", with: "1\t@\t").replacingOccurrences(of: "2\tb\t", with: "2\titem-a\t")
                .replacingOccurrences(of: "1\t@\t", with: "1\tb\t")
            #expect(rowsSwapped != text)
            try Self.writeBytes(Array(rowsSwapped.utf8), to: itemsPath)
            let error = try #require(ModelBundleTests.readError(bundle))
            #expect(error.source == itemsPath && error.message.hasPrefix("its SHA-256 is "), "\(error)")
        }
    }

    /// `"data_offsets":[a,b]` of each of `names` in a safetensors header, as written.
    static func offsets(in header: String, of names: [String]) -> [String]? {
        let found = names.compactMap { name -> String? in
            guard let entry = header.range(of: "\"\(name)\":"), let start = header[entry.upperBound...].range(of: "\"data_offsets\":["),
                  let end = header[start.upperBound...].firstIndex(of: "]") else { return nil }
            return String(header[start.lowerBound...end])
        }
        return found.count == names.count ? found : nil
    }

    @Test func aFileFromAnotherBundleIsRefused() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let first = try ModelBundleTests.writeBundle(in: directory + "/first")
            let other = SequentialRecommender(configuration: ModelBundleTests.trainedModel().configuration, seed: 99)
            let second = try ModelBundleTests.writeBundle(in: directory + "/second", model: other)
            try FileManager.default.removeItem(atPath: first + "/model.safetensors")
            try FileManager.default.copyItem(atPath: second + "/model.safetensors", toPath: first + "/model.safetensors")
            let error = try #require(ModelBundleTests.readError(first))
            #expect(error.source == first + "/model.safetensors", "\(error)")
        }
    }

    /// Bundles written before the digests (version 1) load as before, saying so; a version-2
    /// bundle without them, or with a damaged version number, is refused.
    @Test func aVersionOneBundleLoadsUncheckedAndSaysSo() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let model = ModelBundleTests.trainedModel()
            // No training options: their seed, beyond 2^53, would not survive JSONSerialization.
            let bundle = directory + "/bundle"
            try ModelBundle(model: model, vocabulary: ModelBundleTests.vocabulary, training: nil, data: [:]).write(to: bundle)
            let configPath = bundle + "/config.json"
            var object = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configPath))) as? [String: Any])
            object["sha256"] = nil
            object["version"] = 2
            try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: configPath))
            let missing = try #require(ModelBundleTests.readError(bundle))
            #expect(missing.source == configPath && missing.location == "sha256" && missing.message.hasPrefix("missing"), "\(missing)")

            object["version"] = 1
            try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: configPath))
            let legacy = try ModelBundle.read(from: bundle)
            #expect(legacy.unverifiedReason?.hasPrefix("\(bundle) is a version-1 bundle, written before") == true, "\(legacy.unverifiedReason ?? "nil")")
            let expected = ModelTestSupport.scores(model, histories: ModelBundleTests.histories)
            #expect(ModelTestSupport.bits(ModelTestSupport.scores(legacy.model, histories: ModelBundleTests.histories)) == ModelTestSupport.bits(expected))

            // Written again, it becomes a version-2 bundle with digests.
            try legacy.write(to: bundle)
            let rewritten = try ModelBundle.read(from: bundle)
            #expect(rewritten.configuration.version == 2 && rewritten.unverifiedReason == nil && rewritten.configuration.sha256?.count == 3)
        }
    }

    @Test func aDamagedVersionNumberDoesNotTurnTheCheckOff() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let bundle = try ModelBundleTests.writeBundle(in: directory)
            let configPath = bundle + "/config.json"
            let text = try String(contentsOfFile: configPath, encoding: .utf8)
            #expect(text.contains("\"version\" : 2"))
            try text.replacingOccurrences(of: "\"version\" : 2", with: "\"version\" : 1").write(toFile: configPath, atomically: false, encoding: .utf8)
            let error = try #require(ModelBundleTests.readError(bundle))
            #expect(error.source == configPath && error.message.hasPrefix("its SHA-256 is "), "\(error)")
            try text.replacingOccurrences(of: "\"version\" : 2", with: "\"version\" : 0").write(toFile: configPath, atomically: false, encoding: .utf8)
            #expect(ModelBundleTests.readError(bundle)?.message == "expected a bundle version from 1 to 2, found 0")
        }
    }

    @Test func aRecordMissingAFileOrNamingAnotherIsRefused() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let bundle = try ModelBundleTests.writeBundle(in: directory)
            try ModelBundleTests.editConfig(bundle) { $0.sha256?["items.tsv"] = nil }
            let missing = try #require(ModelBundleTests.readError(bundle))
            #expect(missing.location == "sha256" && missing.message
                        == "expected digests of exactly config.json, items.tsv, model.safetensors, found config.json, model.safetensors", "\(missing)")
        }
    }
}
