import ArgumentParser
import CompactRec
import Foundation

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a saved model's configuration, parameters per component and size.")

    @Option(help: "Model directory written by 'compactrec train --output'.") var model: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let bundle = try ModelBundle.readNotingUncheckedFiles(from: model)
        // A reduced-precision bundle's quantized tables are not parameters: count from the configuration.
        let accounting = bundle.configuration.precision == nil
            ? ParameterAccounting(model: bundle.model) : ParameterAccounting(configuration: bundle.configuration.model)
        let bytes = ByteAccounting(bundle: bundle)
        let precision = bundle.configuration.precision
        let fileBytes = (try? FileManager.default.attributesOfItem(
            atPath: (model as NSString).appendingPathComponent("model.safetensors"))[.size] as? Int) ?? 0
        let c = bundle.configuration.model
        let tensors = bundle.model.uniqueWeights()
        let serving = MemoryEstimate.inference(configuration: c, threads: Parallel.threads)
        let training = bundle.configuration.training.map {
            MemoryEstimate.training(configuration: c, batchSize: $0.batchSize, threads: Parallel.threads, validation: true,
                                    checkpoints: false, frequencies: bundle.vocabulary.frequencies)
        }
        if json {
            var object = Output.configurationFields(c).merging(Output.byteFields(bundle)) { a, _ in a }
            object["model_safetensors_bytes"] = fileBytes
            object["dtype"] = precision == nil ? "F32" : "mixed"
            object["version"] = bundle.configuration.version
            object["data"] = Output.dataSummaryFields(bundle.configuration.data)
            object["metrics"] = bundle.configuration.metrics ?? [:]
            object["tensors"] = tensors.map { ["name": $0.name, "shape": $0.weight.shape] as [String: Any] }
            object["quantized_tensors"] = bundle.quantizedWeights.map {
                ["name": $0.name, "shape": $0.shape, "format": $0.rows.format.rawValue, "axis": $0.axis, "bytes": $0.rows.storedBytes] as [String: Any]
            }
            object["memory_estimate"] = ["evaluation": serving.dictionary, "training": training?.dictionary ?? [:]]
            Output.json(object)
            return
        }
        print("model: \(ModelOptions.describe(c)), \(c.itemCount - 1) items\(c.encoder.nextItNet.map { ", layer-norm eps \($0.layerNormEpsilon)" } ?? "")")
        print(Output.accounting(accounting))
        print(Output.bytes(bytes))
        print("precision: \(precision?.summary ?? "float32 throughout")")
        print("model.safetensors: \(fileBytes) bytes\(precision == nil ? " (F32)" : "")")
        print("memory to evaluate: \(serving.summary)")
        if let training, let options = bundle.configuration.training {
            print("memory to train (batch \(options.batchSize)): \(training.summary)")
        }
        for (key, value) in bundle.configuration.data.sorted(by: { $0.key < $1.key }) where !value.isEmpty {
            print("data.\(key): \(value)")
        }
        if let m = bundle.configuration.metrics {
            print(String(format: "test at training time: ndcg@10 %.4f hr@10 %.4f mrr@10 %.4f", m["ndcg@10"] ?? 0, m["hr@10"] ?? 0, m["mrr@10"] ?? 0))
        }
        print("tensors:")
        let quantizedNames = Set(bundle.quantizedWeights.map(\.name))
        for t in tensors where !quantizedNames.contains(t.name) { print("  \(t.name) \(t.weight.shape)") }
        for w in bundle.quantizedWeights { print("  \(w.name) \(w.shape) \(w.rows.format.rawValue) (rows along axis \(w.axis)), \(w.rows.storedBytes) bytes") }
    }
}
