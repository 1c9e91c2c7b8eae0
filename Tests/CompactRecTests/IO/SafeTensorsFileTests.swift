import Foundation
import Testing
@testable import CompactRec
@testable import CompactRecRuntime

@Suite("SafeTensors files")
struct SafeTensorsFileTests {
    @Test("write then read returns the same tensors and metadata as decoding in memory")
    func writeThenRead() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let path = directory + "/model.safetensors"
            try SafeTensors.write(IOTestSupport.sampleTensors, metadata: IOTestSupport.sampleMetadata, to: path)
            let fromDisk = try SafeTensors.read(path: path)
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(bytes == (try SafeTensors.encode(IOTestSupport.sampleTensors, metadata: IOTestSupport.sampleMetadata)))
            let inMemory = try SafeTensors.decode(bytes, source: path)
            #expect(fromDisk.source == path)
            #expect(fromDisk.metadata == inMemory.metadata)
            #expect(fromDisk.tensors.map(\.name) == inMemory.tensors.map(\.name))
            for (disk, memory) in zip(fromDisk.tensors, inMemory.tensors) {
                #expect(disk.shape == memory.shape)
                #expect(IOTestSupport.bitPatterns(disk.values) == IOTestSupport.bitPatterns(memory.values))
            }
        }
    }

    @Test("reading a file reports the same errors as decoding it, naming the path")
    func readErrorsMatchDecodeErrors() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let valid = try SafeTensors.encode(IOTestSupport.sampleTensors)
            let path = directory + "/bad.safetensors"
            for length in [0, 5, 8, 20, valid.count - 1] {
                let bytes = Array(valid[..<length])
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                let fromFile = #expect(throws: InputError.self) { try SafeTensors.read(path: path) }
                let fromMemory = #expect(throws: InputError.self) { try SafeTensors.decode(bytes, source: path) }
                #expect(fromFile == fromMemory)
            }
            try Data(IOTestSupport.littleEndianBytes(.max) + [0x7B, 0x7D]).write(to: URL(fileURLWithPath: path))
            let huge = #expect(throws: InputError.self) { try SafeTensors.read(path: path) }
            #expect(huge?.message.contains("exceeds the limit") == true)
        }
    }

    @Test("missing files, directories and FIFOs are refused without blocking")
    func notRegularFiles() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let missing = #expect(throws: InputError.self) { try SafeTensors.read(path: directory + "/absent") }
            #expect(missing == InputError(source: directory + "/absent", "cannot open for reading: No such file or directory"))
            let isDirectory = #expect(throws: InputError.self) { try SafeTensors.read(path: directory) }
            #expect(isDirectory == InputError(source: directory, "is not a regular file"))
            let fifo = directory + "/fifo"
            try #require(mkfifo(fifo, 0o600) == 0)
            let isFIFO = #expect(throws: InputError.self) { try SafeTensors.read(path: fifo) }
            #expect(isFIFO == InputError(source: fifo, "is not a regular file"))
        }
    }
}
