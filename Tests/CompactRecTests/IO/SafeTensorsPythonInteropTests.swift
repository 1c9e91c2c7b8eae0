import Foundation
import Testing
@testable import CompactRec
@testable import CompactRecRuntime

/// Checks files against the reference implementation, Python's `safetensors`, when a Python
/// that can import it is found; otherwise each test does its Swift-only part and is then
/// cancelled with the reason, which the test report shows as a skip.
@Suite("SafeTensors interoperability with Python")
struct SafeTensorsPythonInteropTests {
    /// The first interpreter that imports `safetensors.numpy`: `$COMPACTREC_PYTHON`, the
    /// reference peer's virtual environment (`shared/peer/setup.sh`), then `python3`.
    static let python: String? = {
        let environment = ProcessInfo.processInfo.environment
        let home = environment["HOME"] ?? NSHomeDirectory()
        let venv = environment["PEER_VENV"] ?? home + "/.cache/compactrec-peer"
        let candidates = [environment["COMPACTREC_PYTHON"], venv + "/bin/python", "python3"].compactMap { $0 }
        return candidates.first { (try? run($0, ["-c", "import safetensors.numpy, numpy"]))?.status == 0 }
    }()

    static let skipReason: Comment = "no Python with safetensors and numpy; set COMPACTREC_PYTHON or run shared/peer/setup.sh"

    /// Runs `python` (a path, or a name looked up in PATH) and returns its exit status and output.
    @discardableResult
    static func run(_ python: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        if python.contains("/") {
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [python] + arguments
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    /// One line per tensor, `name [shape] hex`, the hex being the little-endian bits of its
    /// values: the format the Python scripts print, so comparisons are bit-exact.
    static func lines(_ tensors: [NamedTensor]) -> [String] {
        tensors.sorted { $0.name < $1.name }.map { tensor in
            let bytes = tensor.values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
            return "\(tensor.name) \(tensor.shape) \(bytes.map { String(format: "%02x", $0) }.joined())"
        }
    }

    /// Python code printing `lines` for the file at `sys.argv[1]`, loaded with `load_file`.
    static let printTensors = """
        from safetensors.numpy import load_file
        for name, array in sorted(load_file(sys.argv[1]).items()):
            assert array.dtype == "float32", array.dtype
            print(name, list(array.shape), array.astype("<f4").tobytes().hex())
        """

    @Test("Python's safetensors loads a file written by Swift, bit-exactly, with its metadata")
    func pythonReadsSwift() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let path = directory + "/swift.safetensors"
            try SafeTensors.write(IOTestSupport.sampleTensors, metadata: IOTestSupport.sampleMetadata, to: path)
            #expect(try SafeTensors.read(path: path).tensors.count == IOTestSupport.sampleTensors.count)
            guard let python = Self.python else { try Test.cancel(Self.skipReason) }

            let script = """
                import json, sys
                from safetensors import safe_open
                with safe_open(sys.argv[1], framework="numpy") as f:
                    print(json.dumps(f.metadata()))
                \(Self.printTensors)
                """
            let result = try Self.run(python, ["-c", script, path])
            try #require(result.status == 0, "\(result.output)")
            var lines = result.output.split(separator: "\n").map(String.init)
            let metadata = try JSONSerialization.jsonObject(with: Data(lines.removeFirst().utf8))
            #expect(metadata as? [String: String] == IOTestSupport.sampleMetadata)
            #expect(lines == Self.lines(IOTestSupport.sampleTensors))
        }
    }

    @Test("Swift loads a file written by Python's safetensors, bit-exactly, with its metadata")
    func swiftReadsPython() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            // The Swift-only part: a header laid out as Python lays it out (metadata first, padded).
            let header = #"{"__metadata__":{"format":"np"},"m":{"dtype":"F32","shape":[2,1],"data_offsets":[0,8]}}  "#
            let pythonStyle = try SafeTensors.decode(IOTestSupport.file(header: header, data: [0, 0, 128, 63, 0, 0, 0, 64]), source: "t")
            #expect(pythonStyle["m"]?.values == [1, 2])
            #expect(pythonStyle.metadata == ["format": "np"])
            guard let python = Self.python else { try Test.cancel(Self.skipReason) }

            let path = directory + "/python.safetensors"
            let script = """
                import sys
                import numpy as np
                from safetensors.numpy import save_file
                rng = np.random.default_rng(7)
                save_file({
                    "blocks.0.conv1.weight": rng.standard_normal((4, 3, 2)).astype(np.float32),
                    "embedding": rng.standard_normal((5, 7)).astype(np.float32),
                    "scalar": np.array(2.5, dtype=np.float32),
                    "empty": np.zeros((0, 3), dtype=np.float32),
                    "special": np.array([0.0, -0.0, np.inf, -np.inf, 1e-45, 3.4028235e38, np.nan], dtype=np.float32),
                }, sys.argv[1], metadata={"format": "np", "note": "é \\" \\\\"})
                \(Self.printTensors)
                """
            let result = try Self.run(python, ["-c", script, path])
            try #require(result.status == 0, "\(result.output)")
            let file = try SafeTensors.read(path: path)
            #expect(file.metadata == ["format": "np", "note": "é \" \\"])
            #expect(file.tensors.count == 5)
            #expect(result.output.split(separator: "\n").map(String.init) == Self.lines(file.tensors))
        }
    }

    @Test("Swift writes byte for byte what Python's safetensors writes")
    func identicalBytes() throws {
        let tensors = [
            NamedTensor(name: "b", shape: [2], values: [1, -2]),
            NamedTensor(name: "a", shape: [], values: [0.5]),
            NamedTensor(name: "c\u{1}\u{1F}\"\\\n/é", shape: [2, 0], values: []),
            NamedTensor(name: "blocks.0.conv1.weight", shape: [2, 1, 3], values: [1, 2, 3, 4, 5, 6].map { $0 / 7 }),
        ]
        let swiftBytes = try SafeTensors.encode(tensors, metadata: ["format": "pt"])
        guard let python = Self.python else { try Test.cancel(Self.skipReason) }

        try IOTestSupport.withTemporaryDirectory { directory in
            let path = directory + "/python.safetensors"
            // One metadata key only: Python writes metadata in hash-map order.
            let script = """
                import sys
                import numpy as np
                from safetensors.numpy import save_file
                save_file({
                    "b": np.array([1, -2], dtype=np.float32),
                    "a": np.array(0.5, dtype=np.float32),
                    "c\\x01\\x1f\\"\\\\\\n/é": np.zeros((2, 0), dtype=np.float32),
                    "blocks.0.conv1.weight": (np.arange(1, 7, dtype=np.float32) / np.float32(7)).reshape(2, 1, 3),
                }, sys.argv[1], metadata={"format": "pt"})
                """
            let result = try Self.run(python, ["-c", script, path])
            try #require(result.status == 0, "\(result.output)")
            let pythonBytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(swiftBytes == pythonBytes, "\(String(decoding: pythonBytes.prefix(400), as: UTF8.self))")
        }
    }

    @Test("Swift and Python accept and reject the same edge-case and mutated files")
    func sameVerdicts() throws {
        var random = MutationTestRandom(seed: 0xD1FF)
        let entry = IOTestSupport.entry("w", shape: "[1]", offsets: "[0,4]")
        var files: [[UInt8]] = [
            IOTestSupport.file(header: "{\(entry)}", data: [0, 0, 0, 0]),
            IOTestSupport.file(header: " \n{\(entry)}\t", data: [0, 0, 0, 0]),
            IOTestSupport.file(header: "{\(entry)}\0", data: [0, 0, 0, 0]),
            IOTestSupport.file(header: #"{"__metadata__":null,"# + entry + "}", data: [0, 0, 0, 0]),
            IOTestSupport.file(header: #"{"__metadata__":{"k":1},"# + entry + "}", data: [0, 0, 0, 0]),
            IOTestSupport.file(header: "{\(IOTestSupport.entry("w", shape: "[-0]", offsets: "[0,0]"))}"),
            IOTestSupport.file(header: "{\(IOTestSupport.entry("w", shape: "[1.0]", offsets: "[0,4]"))}", data: [0, 0, 0, 0]),
            IOTestSupport.file(header: "{\(IOTestSupport.entry("w", shape: "[1]", offsets: "[0,4]", dtype: "\"F16\""))}", data: [0, 0, 0, 0]),
            IOTestSupport.file(header: "{\(entry),\(entry)}", data: [0, 0, 0, 0]),
            IOTestSupport.file(header: #"{"w":{"x":1,"x":[{}],"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
            IOTestSupport.file(header: "{\(entry)}", data: [0, 0, 0, 0, 0]),
        ]
        for _ in 0..<1000 {
            var bytes = SafeTensorsMutationTests.original
            for _ in 0...(random.next() % 3) { SafeTensorsMutationTests.mutate(&bytes, using: &random) }
            files.append(bytes)
        }
        let swiftVerdicts = files.map { bytes in
            guard let file = try? SafeTensors.decode(bytes, source: "t") else { return "REJECT" }
            return "ACCEPT " + file.tensors.map { "\($0.name):\($0.shape)" }.sorted().joined(separator: ";")
        }
        guard let python = Self.python else { try Test.cancel(Self.skipReason) }

        try IOTestSupport.withTemporaryDirectory { directory in
            let paths = try files.enumerated().map { index, bytes in
                let path = "\(directory)/\(index).safetensors"
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                return path
            }
            // ACCEPT only what CompactRec should too: F32 tensors with distinct names (as Swift
            // compares them), which Python's loader collapses rather than rejects.
            let script = """
                import json, struct, sys, unicodedata
                from safetensors.numpy import load
                for path in sys.argv[1:]:
                    data = open(path, "rb").read()
                    try:
                        tensors = load(data)
                    except Exception:
                        print("REJECT")
                        continue
                    length = struct.unpack("<Q", data[:8])[0]
                    pairs = json.loads(data[8:8 + length], object_pairs_hook=lambda pairs: pairs)
                    names = [unicodedata.normalize("NFC", key) for key, _ in pairs if key != "__metadata__"]
                    if len(set(names)) != len(names) or any(str(a.dtype) != "float32" for a in tensors.values()):
                        print("REJECT")
                    else:
                        print("ACCEPT " + ";".join(sorted(f"{name}:{list(a.shape)}" for name, a in tensors.items())))
                """
            let result = try Self.run(python, ["-c", script] + paths)
            try #require(result.status == 0, "\(result.output)")
            let pythonVerdicts = result.output.split(separator: "\n").map(String.init)
            try #require(pythonVerdicts.count == files.count)
            for (index, (swift, python)) in zip(swiftVerdicts, pythonVerdicts).enumerated() {
                #expect(swift == python, "file \(index): \(String(decoding: files[index].prefix(200), as: UTF8.self))")
            }
            #expect(swiftVerdicts.contains { $0.hasPrefix("ACCEPT") })
            #expect(swiftVerdicts.contains("REJECT"))
        }
    }
}
