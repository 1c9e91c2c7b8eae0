import Foundation

/// What identifies the data a run trained on, so that a checkpoint is never resumed on other
/// data: the files (absolute path and size), how they were read and split, the counts, and a
/// hash of the vocabulary (ids and frequencies) and of every training sequence and case.
public struct DataFingerprint: Codable, Sendable, Equatable {
    public var path: String
    public var bytes: Int
    public var testPath: String?
    public var testBytes: Int?
    public var format: String
    public var validation: Bool
    /// N, including padding.
    public var itemCount: Int
    public var trainingSequences: Int
    public var validationCases: Int
    public var testCases: Int
    /// FNV-1a (64 bits, hexadecimal) of the vocabulary, the training sequences and the cases.
    public var contentHash: String
}

extension DataFingerprint {
    /// The fingerprint of `dataset`, read from `path` (and `testPath`) with or without validation.
    public init(dataset: SequenceDataset, path: String, testPath: String?, validation: Bool) throws {
        self.path = Self.absolute(path)
        bytes = try Self.size(of: path)
        self.testPath = testPath.map(Self.absolute)
        testBytes = try testPath.map(Self.size)
        format = dataset.format.rawValue
        self.validation = validation
        itemCount = dataset.vocabulary.count
        trainingSequences = dataset.train.count
        validationCases = dataset.validation.count
        testCases = dataset.test.count
        var hash = FNV1a()
        for (id, frequency) in zip(dataset.vocabulary.originalIds, dataset.vocabulary.frequencies) {
            hash.add(id)
            hash.add(frequency)
        }
        for sequence in dataset.train { hash.add(sequence) }
        for cases in [dataset.validation, dataset.test] {
            for c in cases {
                hash.add(c.history)
                hash.add(Int(c.target))
            }
        }
        contentHash = String(hash.value, radix: 16)
    }

    /// One sentence per way `other` differs from this fingerprint; empty when they agree.
    public func differences(from other: DataFingerprint) -> [String] {
        var result: [String] = []
        func file(_ path: String?, _ bytes: Int?) -> String {
            path.map { "\($0) (\(bytes ?? 0) bytes)" } ?? "none"
        }
        if path != other.path || bytes != other.bytes {
            result.append("data file \(file(path, bytes)), now \(file(other.path, other.bytes))")
        }
        if testPath != other.testPath || testBytes != other.testBytes {
            result.append("test file \(file(testPath, testBytes)), now \(file(other.testPath, other.testBytes))")
        }
        if format != other.format { result.append("format \(format), now \(other.format)") }
        if validation != other.validation {
            result.append(validation ? "validation on, now --no-validation" : "--no-validation, now validation on")
        }
        let counts = [("items", itemCount, other.itemCount), ("training sequences", trainingSequences, other.trainingSequences),
                      ("validation cases", validationCases, other.validationCases), ("test cases", testCases, other.testCases)]
        for (name, old, new) in counts where old != new { result.append("\(old) \(name), now \(new)") }
        if result.isEmpty && contentHash != other.contentHash {
            result.append("the same sizes but other contents (vocabulary or sequences hash \(contentHash), now \(other.contentHash))")
        }
        return result
    }

    private static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return (full as NSString).standardizingPath
    }

    private static func size(of path: String) throws -> Int {
        let file = try FileDescriptorIO.openRegularFileForReading(path)
        close(file.descriptor)
        return file.size
    }
}

/// The 64-bit FNV-1a hash: simple, stable across runs and platforms (unlike `Hasher`).
struct FNV1a {
    private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    mutating func add(byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }

    mutating func add(_ number: Int) {
        for shift in stride(from: 0, to: 64, by: 8) { add(byte: UInt8(truncatingIfNeeded: UInt64(bitPattern: Int64(number)) >> shift)) }
    }

    /// A string and a terminator, so that "ab","c" and "a","bc" differ.
    mutating func add(_ text: String) {
        for byte in text.utf8 { add(byte: byte) }
        add(byte: 0)
    }

    /// A sequence and its length.
    mutating func add(_ items: [Int32]) {
        add(items.count)
        for item in items {
            for shift in stride(from: 0, to: 32, by: 8) { add(byte: UInt8(truncatingIfNeeded: UInt32(bitPattern: item) >> shift)) }
        }
    }
}
