import ArgumentParser
import CompactRec
import Foundation

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a NextItNet on an interaction file, evaluate it on the test split, and save a model bundle.")

    @OptionGroup var dataOptions: DataOptions

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup(title: "Training") var trainingFlags: TrainingFlags
    @Option(help: "Directory for the model bundle (default: runs/<data file>-<encoder>, numbered when taken).")
    var output: String?
    @Flag(help: "Train and evaluate only: write no model bundle.") var noSave = false
    @Option(help: ArgumentHelp(
        "Save a checkpoint every N steps ('500' or '500steps') or every N epochs ('1epoch', '2epochs').",
        valueName: "N[steps|epochs]"))
    var checkpointEvery: String?
    @Option(help: "Directory for checkpoints (default: <output>/checkpoint, or the --resume directory).")
    var checkpointDir: String?
    @Option(help: ArgumentHelp(
        "Continue from the checkpoint in DIR; give the same data and options as the run that wrote it.",
        valueName: "DIR"))
    var resume: String?
    @Flag(help: "Train even when the memory estimate exceeds the available memory.")
    var ignoreMemoryLimit = false

    @OptionGroup var runtime: RuntimeOptions

    /// The specification the flags give, and which of them were given.
    func flagSpecification() throws -> FlagSpecification {
        var flags = FlagSpecification()
        dataOptions.specify(&flags)
        try modelOptions.specify(&flags)
        trainingFlags.specify(&flags)
        return flags
    }

    /// The run the flags ask for, its settings checked: ``TrainingRun`` is what `experiment` runs too.
    func trainingRun() throws -> TrainingRun {
        try flagSpecification().run()
    }

    func validate() throws {
        do { _ = try trainingRun() } catch let error as RunSpecificationError { throw ValidationError(error.message) }
        if let checkpointEvery {
            do { _ = try CheckpointInterval(parsing: checkpointEvery) } catch let error as InputError {
                throw ValidationError(error.description)
            }
            if checkpointDir == nil && output == nil && resume == nil {
                throw ValidationError("--checkpoint-every needs a place for the checkpoints: --checkpoint-dir or --output")
            }
        }
        if noSave && output != nil { throw ValidationError("--no-save and --output contradict each other; give one") }
    }

    /// "epochs 10 (default), batch size 128 (default), …": how this run trains, each setting
    /// left to its default marked, so that a user who gave no flags sees what was chosen.
    func trainingSummary(_ specification: RunSpecification) -> String {
        let given = (try? flagSpecification().given) ?? []
        let training = specification.training
        let settings: [(RunSetting, String)] = [
            (.epochs, "epochs \(training.epochs)"), (.batchSize, "batch size \(training.batchSize)"),
            (.learningRate, "learning rate \(training.learningRate)"),
            (.trainWindows, "train windows " + (training.trainWindows ? "on" : "off")),
            (.validation, "validation " + (specification.data.validation ? "on" : "off")), (.seed, "seed \(training.seed)"),
        ]
        return settings.map { setting, text in given.contains(setting) ? text : text + " (default)" }.joined(separator: ", ")
    }

    /// Where the bundle goes: `--output`, else a new folder under `runs/` named after the data
    /// file and the encoder (`runs/beauty-nextitnet`, then `-2`, `-3`, … when taken), else
    /// nowhere with `--no-save`.
    func bundleDirectory(encoder: String) -> (path: String, isDefault: Bool)? {
        if noSave { return nil }
        if let output { return (output, false) }
        var name = (dataOptions.data as NSString).lastPathComponent
        for suffix in [".gz", ".txt", ".csv", ".tsv", ".inter", ".dat", ".data"] where name.lowercased().hasSuffix(suffix) {
            name.removeLast(suffix.count)
        }
        let base = "runs/" + (name.isEmpty ? "model" : name) + "-" + encoder
        var candidate = base
        var number = 2
        while FileManager.default.fileExists(atPath: candidate) {
            candidate = "\(base)-\(number)"
            number += 1
        }
        return (candidate, true)
    }

    /// Where checkpoints go, if any are to be written.
    var checkpointDirectory: String? {
        guard checkpointEvery != nil else { return nil }
        return checkpointDir ?? resume ?? output.map { ($0 as NSString).appendingPathComponent("checkpoint") }
    }

    func run() throws {
        runtime.apply()
        let progress = ProgressDisplay(enabled: !runtime.quiet)
        let run = try trainingRun()
        let bundle = bundleDirectory(encoder: run.specification.model.encoder.name)
        let output = bundle?.path
        // Where the results go is checked first, before hours of training could be lost to it.
        if let output { try BundleDestination.checkBundleDirectory(output) }
        if let directory = checkpointDirectory { try BundleDestination.checkCheckpointDirectory(directory) }
        let loadStart = DispatchTime.now().uptimeNanoseconds
        let data = try run.loadData()
        Output.dataLayout(data)
        progress.line(String(format: "data: %@: %d items, %d training sequences, %d validation, %d test cases, %d too short dropped (%.2fs)",
                             dataOptions.data, data.vocabulary.count - 1, data.train.count,
                             data.validation.count, data.test.count, data.droppedSequences, seconds(since: loadStart)))

        let setup = try run.setUp(data)
        let config = setup.configuration, options = setup.options
        let memory = MemoryEstimate.training(
            configuration: config, batchSize: options.batchSize, threads: runtime.threads, validation: !data.validation.isEmpty,
            checkpoints: checkpointEvery != nil, frequencies: data.vocabulary.frequencies)
        let availableMemory = MachineInfo.availableMemoryBytes
        progress.line("memory: \(memory.summary)" + (availableMemory.map { ", \(MemoryEstimate.format($0)) available" } ?? ""))
        if !ignoreMemoryLimit { try memory.check(availableBytes: availableMemory) }

        let session = setup.makeModel()
        let model = session.model
        let accounting = ParameterAccounting(model: model)
        if output != nil || checkpointDirectory != nil {
            try ModelBundle.checkItemIds(data.vocabulary, source: dataOptions.data)
            try BundleDestination.checkRoom(output: output, checkpointDirectory: checkpointDirectory, parameters: accounting.total,
                                            tensors: model.uniqueWeights().count, vocabulary: data.vocabulary)
        }
        progress.line("model: " + ModelOptions.describe(config))
        progress.line("training: " + trainingSummary(run.specification))
        progress.line(Output.accounting(accounting))
        progress.line("machine: \(MachineInfo.cpuName), \(BLAS.kernels), \(Output.threads(runtime.threads))")

        let dataSummary = run.dataSummary(data)
        let trainer = session.trainer
        let fingerprint = try DataFingerprint(dataset: data, path: dataOptions.data, testPath: dataOptions.test,
                                              validation: run.specification.data.validation)
        if let resume {
            let checkpoint = try TrainingCheckpoint.read(from: resume)
            for note in try checkpoint.checkResumable(model: config, training: options, data: fingerprint, threads: runtime.threads) {
                progress.line("note: \(note)")
            }
            try trainer.restore(from: checkpoint)
            let p = trainer.progress
            progress.line("resumed from \(checkpoint.directory): epoch \(p.epoch), step \(p.stepInEpoch) (\(p.stepsDone) steps done)")
        }
        var schedule: CheckpointSchedule?
        if let checkpointEvery, let directory = checkpointDirectory {
            let writer = CheckpointWriter(directory: directory, vocabulary: data.vocabulary, dataSummary: dataSummary,
                                          fingerprint: fingerprint, threads: runtime.threads)
            if let existing = writer.existingCheckpoint(), resume == nil {
                throw ValidationError("\(directory) already holds a checkpoint (\(existing)); continue it with --resume \(directory), "
                                      + "or choose another --checkpoint-dir")
            }
            if resume != nil { try writer.removeStaleCheckpoints() }
            let interval = try CheckpointInterval(parsing: checkpointEvery)
            schedule = CheckpointSchedule(interval: interval, save: writer.save)
            progress.line("checkpoints: \(interval) into \(directory)")
        }
        let outcome = try session.trainAndEvaluate(checkpoints: schedule) { event in
            switch event {
            case let .step(epoch, step, steps, loss, speed):
                progress.step(epoch: epoch, epochs: options.epochs, step: step, steps: steps, loss: loss,
                              sequencesPerSecond: speed, batchSize: options.batchSize)
            case let .epoch(e):
                var text = String(format: "epoch %d/%d  loss %.4f  %.1fs  %.0f seq/s", e.epoch, options.epochs, e.loss, e.seconds,
                                  e.sequencesPerSecond)
                if let v = e.validation {
                    text += String(format: "  valid ndcg@10 %.4f hr@10 %.4f%@", v["ndcg@10"] ?? 0, v["hr@10"] ?? 0, e.improved ? " *" : "")
                }
                progress.line(text)
            }
        }
        let summary = outcome.training, metrics = outcome.metrics
        if summary.stoppedEarly { progress.line("stopped early; keeping epoch \(summary.bestEpoch)") }
        let evalSpeed = Double(data.test.count) / max(outcome.evaluationSeconds, 1e-9)

        if let output {
            try ModelBundle(model: model, vocabulary: data.vocabulary, training: options, data: dataSummary,
                            metrics: metrics.values).write(to: output)
            progress.line("saved: \(output)" + (bundle?.isDefault == true ? " (the default place; --output DIR chooses another)" : ""))
        }

        if runtime.json {
            var object: [String: Any] = metrics.values
            for (k, v) in accounting.dictionary { object[k] = v }
            for (k, v) in Output.configurationFields(config) { object[k] = v }
            for (k, v) in Output.layoutFields(data) { object[k] = v }
            object["sequences"] = data.train.count
            object["test_cases"] = metrics.count
            for (k, v) in Output.unseenTestFields(targets: data.unseenTestTargets, historyItems: data.unseenTestHistoryItems) {
                object[k] = v
            }
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
            object["memory_estimate"] = memory.dictionary
            object["memory_available_bytes"] = availableMemory ?? NSNull()
            Output.json(object)
        } else {
            print("protocol: \(data.protocolDescription); \(Evaluator.protocolSummary)")
            print("test (\(metrics.count) cases, \(String(format: "%.0f", evalSpeed)) cases/s; "
                  + Output.unseenTestItems(targets: data.unseenTestTargets, historyItems: data.unseenTestHistoryItems) + "):")
            print(Output.metricsTable(metrics))
            print(String(format: "training: %d epochs, %.1fs, %.0f seq/s", summary.epochs.count, summary.trainingSeconds, summary.sequencesPerSecond))
        }
    }
}
