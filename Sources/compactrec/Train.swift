import ArgumentParser
import CompactRec
import Foundation

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a NextItNet on an interaction file, evaluate it on the test split, and save a model bundle.")

    @OptionGroup var dataOptions: DataOptions

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Sequences per batch.") var batchSize = 128
    @Option(help: "Training epochs (at most, with --patience).") var epochs = 10
    @Option(help: "Adam learning rate.") var learningRate: Float = 1e-3
    @Option(help: "L2 weight decay added to the gradient.") var weightDecay: Float = 0
    @Option(help: "Clip the global gradient norm to this value.") var clipNorm: Float?
    @Option(help: "Stop after this many epochs without a better validation NDCG@10.") var patience: Int?
    @Option(help: "Random seed: the same seed, data and threads give the same model.") var seed: UInt64 = 1
    @Option(help: "Directory for the model bundle.") var output: String?

    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if patience != nil && !dataOptions.validation {
            throw ValidationError("--patience needs a validation split; drop --no-validation")
        }
    }

    func run() throws {
        runtime.apply()
        let progress = ProgressDisplay(enabled: !runtime.quiet)
        let loadStart = DispatchTime.now().uptimeNanoseconds
        let data = try dataOptions.load()
        progress.line(String(format: "data: %@ (%@): %d items, %d training sequences, %d validation, %d test cases, %d too short dropped (%.2fs)",
                             dataOptions.data, data.format.rawValue, data.vocabulary.count - 1, data.train.count,
                             data.validation.count, data.test.count, data.droppedSequences, seconds(since: loadStart)))

        let config = try modelOptions.configuration(itemCount: data.vocabulary.count, frequencies: data.vocabulary.frequencies)
        var options = TrainingOptions()
        options.epochs = epochs
        options.batchSize = batchSize
        options.learningRate = learningRate
        options.weightDecay = weightDecay
        options.gradientClipNorm = clipNorm
        options.patience = patience
        options.seed = seed
        try options.validate()

        let model = SequentialRecommender(configuration: config, seed: seed)
        let accounting = ParameterAccounting(model: model)
        progress.line("model: " + ModelOptions.describe(config))
        progress.line(Output.accounting(accounting))
        progress.line("machine: \(MachineInfo.cpuName), \(BLAS.kernels), \(runtime.threads) threads")

        let trainer = Trainer(model: model, options: options)
        let summary = try trainer.fit(train: data.train, validation: data.validation) { event in
            switch event {
            case let .step(epoch, step, steps, loss, speed):
                progress.step(epoch: epoch, epochs: epochs, step: step, steps: steps, loss: loss,
                              sequencesPerSecond: speed, batchSize: batchSize)
            case let .epoch(e):
                var text = String(format: "epoch %d/%d  loss %.4f  %.1fs  %.0f seq/s", e.epoch, epochs, e.loss, e.seconds, e.sequencesPerSecond)
                if let v = e.validation {
                    text += String(format: "  valid ndcg@10 %.4f hr@10 %.4f%@", v["ndcg@10"] ?? 0, v["hr@10"] ?? 0, e.improved ? " *" : "")
                }
                progress.line(text)
            }
        }
        if summary.stoppedEarly { progress.line("stopped early; keeping epoch \(summary.bestEpoch)") }

        let evalStart = DispatchTime.now().uptimeNanoseconds
        let metrics = Evaluator.evaluate(model, cases: data.test)
        let evalSeconds = seconds(since: evalStart)
        let evalSpeed = Double(data.test.count) / max(evalSeconds, 1e-9)

        let dataSummary = [
            "path": dataOptions.data, "test_path": dataOptions.test ?? "", "format": data.format.rawValue,
            "protocol": data.protocolDescription, "training_sequences": String(data.train.count),
        ]
        if let output {
            try ModelBundle(model: model, vocabulary: data.vocabulary, training: options, data: dataSummary,
                            metrics: metrics.values).write(to: output)
            progress.line("saved: \(output)")
        }

        if runtime.json {
            var object: [String: Any] = metrics.values
            for (k, v) in accounting.dictionary { object[k] = v }
            for (k, v) in Output.configurationFields(config) { object[k] = v }
            object["sequences"] = data.train.count
            object["test_cases"] = data.test.count
            object["train_seq_per_s"] = summary.sequencesPerSecond
            object["epoch_seconds"] = summary.epochs.map(\.seconds)
            object["epochs"] = summary.epochs.count
            object["best_epoch"] = summary.bestEpoch
            object["final_loss"] = summary.epochs.last?.loss ?? 0
            object["eval_users_per_s"] = evalSpeed
            object["protocol"] = data.protocolDescription + "; " + Evaluator.protocolSummary
            object["cpu"] = MachineInfo.cpuName
            object["blas"] = BLAS.kernels
            object["threads"] = runtime.threads
            Output.json(object)
        } else {
            print("protocol: \(data.protocolDescription); \(Evaluator.protocolSummary)")
            print("test (\(data.test.count) cases, \(String(format: "%.0f", evalSpeed)) cases/s):")
            print(Output.metricsTable(metrics))
            print(String(format: "training: %d epochs, %.1fs, %.0f seq/s", summary.epochs.count, summary.trainingSeconds, summary.sequencesPerSecond))
        }
    }
}
