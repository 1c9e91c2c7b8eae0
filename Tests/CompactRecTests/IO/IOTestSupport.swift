import Foundation
import Testing
@testable import CompactRec
@testable import CompactRecRuntime

/// Fixtures shared by the IO tests.
enum IOTestSupport {
    /// A fresh, empty directory, removed after `body` returns.
    static func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
        let path = NSTemporaryDirectory() + "compactrec-io-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    /// A fresh, empty directory, removed after the asynchronous `body` returns.
    static func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
        let path = NSTemporaryDirectory() + "compactrec-io-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await body(path)
    }

    /// A safetensors file with `header` verbatim (no padding) and `data`.
    static func file(header: String, data: [UInt8] = []) -> [UInt8] {
        let json = Array(header.utf8)
        return littleEndianBytes(UInt64(json.count)) + json + data
    }

    static func littleEndianBytes(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    /// A header entry for an F32 tensor, with whatever (possibly invalid) JSON is given.
    static func entry(_ name: String, shape: String, offsets: String, dtype: String = "\"F32\"") -> String {
        "\"\(name)\":{\"dtype\":\(dtype),\"shape\":\(shape),\"data_offsets\":\(offsets)}"
    }

    /// The error decoding `bytes` throws, or nil (recorded as a failure) if it decodes.
    static func decodingError(
        _ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation
    ) -> InputError? {
        do {
            let file = try SafeTensors.decode(bytes, source: "test.safetensors")
            Issue.record("decoded \(file.tensors.count) tensors; expected an error", sourceLocation: sourceLocation)
        } catch let error as InputError {
            #expect(error.source == "test.safetensors", sourceLocation: sourceLocation)
            return error
        } catch {
            Issue.record("threw \(error); expected an InputError", sourceLocation: sourceLocation)
        }
        return nil
    }

    /// Expects decoding `bytes` to fail at `location` with a message containing each of `fragments`.
    static func expectRejected(
        _ bytes: [UInt8], at location: String, _ fragments: String...,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let error = decodingError(bytes, sourceLocation: sourceLocation) else { return }
        #expect(error.location == location, "\(error)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(error.message.contains(fragment), "\(error)", sourceLocation: sourceLocation)
        }
    }

    static func bitPatterns(_ values: [Float]) -> [UInt32] {
        values.map(\.bitPattern)
    }

    /// Tensors covering the shapes a model bundle holds, with awkward float values.
    static let sampleTensors: [NamedTensor] = [
        NamedTensor(name: "blocks.0.conv1.weight", shape: [2, 3, 4], values: (0..<24).map { Float($0) * 0.25 - 3 }),
        NamedTensor(name: "embedding", shape: [5, 3], values: (0..<15).map { sin(Float($0)) * 1e-3 }),
        NamedTensor(name: "bias", shape: [7], values: [0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude,
                                                      .greatestFiniteMagnitude, Float(bitPattern: 0x7FC0_1234)]),
        NamedTensor(name: "scale", shape: [], values: [42.5]),
        NamedTensor(name: "empty", shape: [0, 3], values: []),
        NamedTensor(name: "empty.too", shape: [4, 0], values: []),
    ]

    static let sampleMetadata = ["format": "pt", "compactrec.version": "1", "quote\"and\\slash": "line\nbreak\u{1}é😀"]
}
