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
        let accounting = ParameterAccounting(model: bundle.model)
        let fileBytes = (try? FileManager.default.attributesOfItem(
            atPath: (model as NSString).appendingPathComponent("model.safetensors"))[.size] as? Int) ?? 0
        let c = bundle.configuration.model
        let tensors = bundle.model.uniqueParameters()
        let serving = MemoryEstimate.inference(configuration: c, threads: Parallel.threads)
        let training = bundle.configuration.training.map {
            MemoryEstimate.training(configuration: c, batchSize: $0.batchSize, threads: Parallel.threads, validation: true,
                                    checkpoints: false, frequencies: bundle.vocabulary.frequencies)
        }
        if json {
            var object = Output.configurationFields(c).merging(accounting.dictionary) { a, _ in a }
            object["model_safetensors_bytes"] = fileBytes
            object["dtype"] = "F32"
            object["version"] = bundle.configuration.version
            object["data"] = bundle.configuration.data
            object["metrics"] = bundle.configuration.metrics ?? [:]
            object["tensors"] = tensors.map { ["name": $0.name, "shape": $0.parameter.shape] as [String: Any] }
            object["memory_estimate"] = ["evaluation": serving.dictionary, "training": training?.dictionary ?? [:]]
            Output.json(object)
            return
        }
        print("model: \(ModelOptions.describe(c)), \(c.itemCount - 1) items\(c.encoder.nextItNet.map { ", layer-norm eps \($0.layerNormEpsilon)" } ?? "")")
        print(Output.accounting(accounting))
        print("model.safetensors: \(fileBytes) bytes (F32)")
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
        for t in tensors { print("  \(t.name) \(t.parameter.shape)") }
    }
}
