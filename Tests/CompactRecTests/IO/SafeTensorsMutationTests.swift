import Foundation
import Testing
@testable import CompactRec
@testable import CompactRecRuntime

/// Hostile-input tests: mutated valid files must decode consistently or throw an `InputError`,
/// and whatever decodes must agree with Foundation's independent JSON parser.
@Suite("SafeTensors mutated files")
struct SafeTensorsMutationTests {
    /// A small file, so that most mutations land in the header.
    static let original: [UInt8] = try! SafeTensors.encode(
        [NamedTensor(name: "w", shape: [2, 2], values: [1, 2, 3, 4]),
         NamedTensor(name: "blocks.0.b", shape: [3], values: [5, 6, 7]),
         NamedTensor(name: "s", shape: [], values: [8]),
         NamedTensor(name: "e", shape: [0], values: [])],
        metadata: ["k": "v\u{e9}"])

    enum Outcome { case decoded, rejected }

    /// Decodes `bytes` and checks the outcome is an `InputError` or a consistent file.
    @discardableResult
    static func check(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> Outcome? {
        let file: SafeTensorsFile
        do {
            file = try SafeTensors.decode(bytes, source: "fuzz")
        } catch let error as InputError {
            #expect(error.source == "fuzz", sourceLocation: sourceLocation)
            #expect(error.location == "header" || error.location?.hasPrefix("tensor ") == true, "\(error)", sourceLocation: sourceLocation)
            return .rejected
        } catch {
            Issue.record("threw \(error), not an InputError", sourceLocation: sourceLocation)
            return nil
        }
        let headerLength = bytes.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        var dataBytes = 0
        for tensor in file.tensors {
            #expect(SafeTensorsLayout.elementCount(of: tensor.shape) == tensor.values.count, sourceLocation: sourceLocation)
            #expect(tensor.shape.allSatisfy { $0 >= 0 }, sourceLocation: sourceLocation)
            dataBytes += tensor.values.count * 4
        }
        #expect(Set(file.tensors.map(\.name)).count == file.tensors.count, sourceLocation: sourceLocation)
        #expect(8 + headerLength + dataBytes == bytes.count, sourceLocation: sourceLocation)
        expectFoundationAgrees(header: Data(bytes[8..<8 + headerLength]), with: file, sourceLocation: sourceLocation)
        return .decoded
    }

    /// Foundation's parser, independent of ours, must read an accepted header the same way.
    static func expectFoundationAgrees(header: Data, with file: SafeTensorsFile, sourceLocation: SourceLocation) {
        guard let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any] else {
            Issue.record("accepted a header Foundation cannot parse: \(String(decoding: header, as: UTF8.self))", sourceLocation: sourceLocation)
            return
        }
        #expect(object.count == file.tensors.count + (object["__metadata__"] == nil ? 0 : 1), sourceLocation: sourceLocation)
        #expect((object["__metadata__"] as? [String: String] ?? [:]) == file.metadata, sourceLocation: sourceLocation)
        for tensor in file.tensors {
            let entry = object[tensor.name] as? [String: Any]
            #expect(entry?["dtype"] as? String == "F32", sourceLocation: sourceLocation)
            #expect(entry?["shape"] as? [Int] == tensor.shape, sourceLocation: sourceLocation)
        }
    }

    @Test("the unmutated file decodes and passes the consistency checks")
    func baseline() {
        #expect(Self.check(Self.original) == .decoded)
    }

    @Test("every header byte replaced by structurally interesting bytes")
    func everyHeaderByte() {
        let replacements: [UInt8] = Array("{}[]\":,-.0159eE \\ntfu".utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xFF]
        var outcomes: [Outcome: Int] = [:]
        for index in 8..<Self.original.count - 32 {
            for replacement in replacements + [Self.original[index] ^ 1] where replacement != Self.original[index] {
                var bytes = Self.original
                bytes[index] = replacement
                if let outcome = Self.check(bytes) { outcomes[outcome, default: 0] += 1 }
            }
        }
        #expect(outcomes[.rejected, default: 0] > 0)
        #expect(outcomes[.decoded, default: 0] > 0)  // e.g. a digit of a metadata value, or an escape
    }

    @Test("seeded random flips, truncations, insertions and deletions, for about 2 seconds")
    func randomMutations() {
        var random = MutationTestRandom(seed: 0x5AFE_7E45)
        var outcomes: [Outcome: Int] = [:]
        let deadline = ContinuousClock.now + .seconds(2)
        var iterations = 0
        while iterations < 20_000, ContinuousClock.now < deadline {
            iterations += 1
            var bytes = Self.original
            let keepsHeaderLength = random.next() % 2 == 0
            for _ in 0...(random.next() % 4) {
                Self.mutate(&bytes, using: &random)
            }
            if keepsHeaderLength, bytes.count >= 8 {
                // Restores the prefix to the header's end, so mutations reach the JSON and layout checks.
                let end = min(bytes.count, 8 + Int(random.next() % UInt64(bytes.count - 7)))
                bytes.replaceSubrange(0..<8, with: IOTestSupport.littleEndianBytes(UInt64(end - 8)))
            }
            if let outcome = Self.check(bytes) { outcomes[outcome, default: 0] += 1 }
        }
        #expect(iterations >= 1_000)
        #expect(outcomes[.rejected, default: 0] > 0)
        #expect(outcomes[.decoded, default: 0] > 0)
    }

    /// Applies one random mutation: a bit flip, a byte change, a truncation, an insertion,
    /// a deletion, or a digit swap.
    static func mutate(_ bytes: inout [UInt8], using random: inout MutationTestRandom) {
        guard !bytes.isEmpty else { return }
        let index = Int(random.next() % UInt64(bytes.count))
        switch random.next() % 6 {
        case 0: bytes[index] ^= UInt8(1) << (random.next() % 8)
        case 1: bytes[index] = UInt8(truncatingIfNeeded: random.next())
        case 2: bytes.removeSubrange(index...)
        case 3: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: index)
        case 4: bytes.remove(at: index)
        default:
            // A digit swapped for another keeps the JSON valid but changes shapes and offsets.
            if let digit = bytes[index...].firstIndex(where: { (0x30...0x39).contains($0) }) {
                bytes[digit] = 0x30 + UInt8(random.next() % 10)
            }
        }
    }
}

/// A tiny, seedable generator, so a failing mutation can be replayed.
struct MutationTestRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
