import ArgumentParser
import CompactRec
import Foundation

struct Quantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a copy of a Float32 model with its tables and encoder stored in fp16, int8 or int4.")

    @Option(help: "Float32 model directory written by 'compactrec train --output'.") var model: String
    @Option(help: """
        fp16, int8 or int4 for the whole model (int4: the encoder int8), or per component: \
        input=int4,output=int8,encoder=fp16 (unnamed components stay float32); for CpRec's clusters \
        also head= and tails= (int8,tails=int4).
        """) var precision: String
    @Option(help: "Directory for the quantized bundle (a new or empty directory, or a bundle to replace).") var output: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let precision = try PrecisionSpecification.parse(self.precision)
        guard URL(fileURLWithPath: model).standardizedFileURL.resolvingSymlinksInPath().path
                != URL(fileURLWithPath: output).standardizedFileURL.resolvingSymlinksInPath().path else {
            throw InputError(source: "--output", "is the --model directory; write the quantized bundle to another directory to keep the Float32 original")
        }
        let original = try ModelBundle.readNotingUncheckedFiles(from: model)
        let quantized = try original.quantized(to: precision)
        try quantized.write(to: output)
        let before = ByteAccounting(bundle: original), after = ByteAccounting(bundle: quantized)
        if json {
            var object: [String: Any] = Output.byteFields(quantized)
            object["bytes_before"] = before.total
            object["output"] = output
            Output.json(object)
            return
        }
        print("precision: \(precision.summary)")
        print("before: \(Output.bytes(before))")
        print("after:  \(Output.bytes(after))")
        print("written to \(output)")
    }
}
