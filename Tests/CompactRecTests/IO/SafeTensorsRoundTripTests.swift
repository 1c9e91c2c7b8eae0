import Foundation
import Testing
@testable import CompactRec
@testable import CompactRecRuntime

@Suite("SafeTensors round trip")
struct SafeTensorsRoundTripTests {
    @Test("tensors of every rank and metadata survive encode and decode bit-exactly")
    func roundTrip() throws {
        let bytes = try SafeTensors.encode(IOTestSupport.sampleTensors, metadata: IOTestSupport.sampleMetadata)
        let file = try SafeTensors.decode(bytes, source: "memory")
        #expect(file.metadata == IOTestSupport.sampleMetadata)
        #expect(file.tensors.count == IOTestSupport.sampleTensors.count)
        for original in IOTestSupport.sampleTensors {
            let decoded = try #require(file[original.name])
            #expect(decoded.shape == original.shape)
            #expect(IOTestSupport.bitPatterns(decoded.values) == IOTestSupport.bitPatterns(original.values))
        }
    }

    @Test("tensors are laid out contiguously in name order, whatever the input order")
    func deterministicLayout() throws {
        let forward = try SafeTensors.encode(IOTestSupport.sampleTensors, metadata: IOTestSupport.sampleMetadata)
        let backward = try SafeTensors.encode(IOTestSupport.sampleTensors.reversed(), metadata: IOTestSupport.sampleMetadata)
        #expect(forward == backward)
        let names = try SafeTensors.decode(forward, source: "memory").tensors.map(\.name)
        #expect(names == ["bias", "blocks.0.conv1.weight", "embedding", "empty", "empty.too", "scale"])
    }

    @Test("no tensors and no metadata make the smallest valid file")
    func emptyFile() throws {
        let bytes = try SafeTensors.encode([])
        #expect(bytes == IOTestSupport.littleEndianBytes(8) + Array("{}      ".utf8))
        let file = try SafeTensors.decode(bytes, source: "memory")
        #expect(file.tensors.isEmpty)
        #expect(file.metadata.isEmpty)
    }

    @Test("the byte layout matches the format exactly")
    func byteLayout() throws {
        let bytes = try SafeTensors.encode(
            [NamedTensor(name: "b", shape: [2], values: [1, -2]), NamedTensor(name: "a", shape: [], values: [0.5])],
            metadata: ["format": "pt"])
        let json = #"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        let expected: [UInt8] =
            [0x90, 0, 0, 0, 0, 0, 0, 0]          // 144 = 138 bytes of JSON + 6 of padding
            + Array(json.utf8) + Array("      ".utf8)
            + [0x00, 0x00, 0x00, 0x3F]           // 0.5
            + [0x00, 0x00, 0x80, 0x3F]           // 1.0
            + [0x00, 0x00, 0x00, 0xC0]           // -2.0
        #expect(json.utf8.count == 138)
        #expect(bytes == expected)
    }

    @Test("names are escaped as serde_json escapes them, byte for byte")
    func escapingLayout() throws {
        let bytes = try SafeTensors.encode([NamedTensor(name: "c\u{1}\u{1F}\"\\\n/é", shape: [2, 0], values: [])])
        // The JSON Python's safetensors writes for this name, as it escapes it.
        let json = #"{"c\u0001\u001f\"\\\n/é":{"dtype":"F32","shape":[2,0],"data_offsets":[0,0]}}"#
        #expect(json.utf8.count == 77)
        #expect(bytes == IOTestSupport.littleEndianBytes(80) + Array(json.utf8) + Array("   ".utf8))
    }

    @Test("the header is padded with spaces so the data starts at a multiple of 8", arguments: 0..<16)
    func padding(nameLength: Int) throws {
        let name = String(repeating: "n", count: nameLength + 1)
        let bytes = try SafeTensors.encode([NamedTensor(name: name, shape: [1], values: [1])], metadata: [:])
        let headerLength = bytes.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        #expect(headerLength % 8 == 0)
        #expect(bytes.count == 8 + headerLength + 4)
        let json = bytes[8..<8 + headerLength]
        let trimmed = json.reversed().drop { $0 == UInt8(ascii: " ") }.count
        #expect(headerLength - trimmed < 8)
        #expect(json[8 + trimmed - 1] == UInt8(ascii: "}"))
    }

    @Test("strings needing JSON escapes survive in names and metadata")
    func escapedStrings() throws {
        let names = ["quote\"d", "back\\slash", "tab\tnew\nline", "nul\u{0}", "é", "😀.weight", "/slash", "\u{7F}"]
        let tensors = names.enumerated().map { NamedTensor(name: $1, shape: [1], values: [Float($0)]) }
        let metadata = Dictionary(uniqueKeysWithValues: names.map { ($0, $0 + $0) })
        let file = try SafeTensors.decode(try SafeTensors.encode(tensors, metadata: metadata), source: "memory")
        #expect(file.metadata == metadata)
        for tensor in tensors { #expect(file[tensor.name] == tensor) }
    }

    @Test("values(of:shape:) returns the values or says what is missing or misshapen")
    func valuesLookup() throws {
        let file = try SafeTensors.decode(try SafeTensors.encode(IOTestSupport.sampleTensors), source: "model.safetensors")
        #expect(try file.values(of: "scale", shape: []) == [42.5])
        let missing = #expect(throws: InputError.self) { try file.values(of: "absent", shape: [1]) }
        #expect(missing == InputError(source: "model.safetensors", location: "tensor absent",
                                      "missing; the file has no tensor of that name"))
        let misshapen = #expect(throws: InputError.self) { try file.values(of: "embedding", shape: [3, 5]) }
        #expect(misshapen == InputError(source: "model.safetensors", location: "tensor embedding",
                                        "expected shape [3, 5], found [5, 3]"))
    }
}
