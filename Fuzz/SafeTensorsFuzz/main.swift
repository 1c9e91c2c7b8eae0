// A libFuzzer target for CompactRec's safetensors reader.
//
//     swift build -c debug -Xswiftc -sanitize=fuzzer,address --product safetensors-fuzz
//     ./.build/debug/safetensors-fuzz -max_total_time=600 -dict=Fuzz/safetensors.dict corpus/ Fuzz/corpus/safetensors
//
// Built without the sanitizer flags (as `swift build` does), the same program replays files:
// `safetensors-fuzz FILE…` decodes each and prints the outcome, to reproduce a crash found by
// fuzzing in an ordinary debugger.

import CFuzzDriver
import CompactRec
import Foundation

/// Decodes `bytes` and checks the result is consistent; anything but a consistent file or an
/// `InputError` stops the program, which is what libFuzzer reports.
func check(_ bytes: UnsafeRawBufferPointer) -> String {
    do {
        let file = try SafeTensors.decode(bytes, source: "fuzz")
        var elements = 0
        for tensor in file.tensors {
            var count = tensor.shape.contains(0) ? 0 : 1
            for dimension in tensor.shape where count != 0 {
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                guard !overflow else { fatalError("tensor \(tensor.name): shape \(tensor.shape) overflows, yet was accepted") }
                count = product
            }
            guard tensor.shape.allSatisfy({ $0 >= 0 }), count == tensor.values.count else {
                fatalError("tensor \(tensor.name): shape \(tensor.shape) but \(tensor.values.count) values")
            }
            elements += count
        }
        let headerLength = Int(UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self)))
        guard 8 + headerLength + 4 * elements == bytes.count else {
            fatalError("decoded \(elements) values from \(bytes.count) bytes with a \(headerLength)-byte header")
        }
        guard Set(file.tensors.map(\.name)).count == file.tensors.count else { fatalError("duplicate tensor names") }
        return "decoded \(file.tensors.count) tensors, \(elements) values"
    } catch let error as InputError {
        return "rejected: \(error)"
    } catch {
        fatalError("threw \(error), not an InputError")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    _ = check(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
let code = compactrec_run_fuzzer(&argc, &argv) { data, size in testOneInput(data, size) }
if code != -1 { exit(code) }

let paths = CommandLine.arguments.dropFirst()
if paths.isEmpty {
    print("usage: safetensors-fuzz FILE…   (built with -sanitize=fuzzer it is a libFuzzer target; see README)")
    exit(2)
}
for path in paths {
    guard let bytes = FileManager.default.contents(atPath: path) else {
        print("\(path): cannot read")
        continue
    }
    print("\(path): " + bytes.withUnsafeBytes(check))
}
