import Foundation
import CompactRecTestSupport
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// Fixtures for checkpoint tests: a run on `RunData` with validation, and what it writes.
enum CheckpointSupport {
    struct Interrupt: Error {}

    static let train = RunData.sequences(120, seed: 21)
    static let validation = RunData.cases(40, seed: 22)

    static func vocabulary(items: Int = RunData.items) -> Vocabulary {
        try! Vocabulary(originalIds: [Vocabulary.paddingId] + (1..<items).map { "item\($0)" },
                        frequencies: [0] + Array(repeating: 1, count: items - 1))
    }

    static let fingerprint = DataFingerprint(
        path: "/data/runs.txt", bytes: 1234, testPath: nil, testBytes: nil, format: "pairs", validation: true,
        itemCount: RunData.items, trainingSequences: train.count, validationCases: validation.count, testCases: 0,
        contentHash: "abc")

    static func options(epochs: Int = 5, patience: Int? = nil) -> TrainingOptions {
        var options = RunData.options(epochs: epochs, seed: 3, patience: patience)
        options.gradientClipNorm = 5
        return options
    }

    /// A writer whose fingerprint matches a run on `trainingSequences` sequences over `items` items,
    /// as reading the checkpoint checks its progress against them.
    static func writer(_ directory: String, items: Int = RunData.items, trainingSequences: Int = train.count) -> CheckpointWriter {
        var data = fingerprint
        data.itemCount = items
        data.trainingSequences = trainingSequences
        return CheckpointWriter(directory: directory, vocabulary: vocabulary(items: items), dataSummary: ["path": "/data/runs.txt"],
                                fingerprint: data, threads: Parallel.threads)
    }

    /// The comparable part of a run's result: final weights and, per epoch, loss and validation.
    struct Outcome: Equatable {
        var weights: [[UInt32]]
        var losses: [UInt32]
        var validation: [[String: Double]?]
        var improved: [Bool]
        var bestEpoch: Int
        var stoppedEarly: Bool

        /// What differs from `other`, briefly: printing whole weight arrays helps nobody.
        func differences(from other: Outcome) -> [String] {
            var result: [String] = []
            if weights != other.weights {
                let tensors = weights.indices.filter { weights[$0] != other.weights[$0] }
                result.append("weights differ in tensors \(tensors)")
            }
            if losses != other.losses { result.append("epoch losses \(losses) vs \(other.losses)") }
            if validation != other.validation { result.append("validation metrics differ") }
            if improved != other.improved || bestEpoch != other.bestEpoch || stoppedEarly != other.stoppedEarly {
                result.append("best epoch \(bestEpoch) vs \(other.bestEpoch), improved \(improved) vs \(other.improved), stopped early \(stoppedEarly) vs \(other.stoppedEarly)")
            }
            return result
        }

        init(_ model: SequentialRecommender, _ summary: TrainingSummary) {
            weights = ModelTestSupport.bits(ModelTestSupport.weights(model))
            losses = summary.epochs.map(\.loss.bitPattern)
            validation = summary.epochs.map(\.validation)
            improved = summary.epochs.map(\.improved)
            bestEpoch = summary.bestEpoch
            stoppedEarly = summary.stoppedEarly
        }
    }

    static func uninterrupted(_ options: TrainingOptions) throws -> Outcome {
        let model = RunData.model(seed: 31)
        let summary = try Trainer(model: model, options: options).fit(train: train, validation: validation)
        return Outcome(model, summary)
    }

    /// Trains until the `saves`-th checkpoint has been written, stops as a killed process would,
    /// then resumes in a fresh model and trainer from what is on disk and trains to the end.
    static func interruptedAndResumed(
        _ options: TrainingOptions, interval: CheckpointInterval, stopAfter saves: Int, directory: String
    ) throws -> (outcome: Outcome, resumedAt: TrainingProgress) {
        let writer = writer(directory)
        var written = 0
        let schedule = CheckpointSchedule(interval: interval) { trainer in
            let path = try writer.save(trainer)
            written += 1
            if written == saves { throw Interrupt() }
            return path
        }
        do {
            _ = try Trainer(model: RunData.model(seed: 31), options: options).fit(train: train, validation: validation, checkpoints: schedule)
            Issue.record("training ended after \(written) checkpoints, before the \(saves)th")
        } catch is Interrupt {}

        let model = RunData.model(seed: 99)  // other initial weights: everything must come from the checkpoint
        let trainer = Trainer(model: model, options: options)
        let checkpoint = try TrainingCheckpoint.read(from: directory)
        #expect(try checkpoint.checkResumable(model: model.configuration, training: options, data: fingerprint,
                                              threads: Parallel.threads).isEmpty)
        try trainer.restore(from: checkpoint)
        let resumedAt = trainer.progress
        let summary = try trainer.fit(train: train, validation: validation, checkpoints: CheckpointSchedule(interval: interval, save: writer.save))
        return (Outcome(model, summary), resumedAt)
    }
}

@Suite("Checkpoints")
struct CheckpointTests {
    @Test(arguments: [("500", CheckpointInterval.steps(500)), ("1step", .steps(1)), ("20steps", .steps(20)),
                      ("1epoch", .epochs(1)), ("3epochs", .epochs(3))])
    func intervalsParse(text: String, interval: CheckpointInterval) throws {
        #expect(try CheckpointInterval(parsing: text) == interval)
    }

    @Test(arguments: ["", "0", "-5", "epoch", "1 epoch", "2weeks", "1.5epochs", "99999999999999999999999"])
    func badIntervalsAreRefusedNamingTheFlag(text: String) {
        let error = #expect(throws: InputError.self) { try CheckpointInterval(parsing: text) }
        #expect(error?.source == "--checkpoint-every")
    }

    /// Checkpoint k of a 5-epoch run of 4 steps per epoch, every 3 steps: steps 3, 6, …, 18.
    /// Step 12 ends epoch 3 before its validation; the resumed run must validate it.
    @Test(arguments: 1...6)
    func resumingFromAStepCheckpointGivesTheUninterruptedRunBitForBit(stopAfter saves: Int) throws {
        let options = CheckpointSupport.options()
        let reference = try CheckpointSupport.uninterrupted(options)
        try IOTestSupport.withTemporaryDirectory { directory in
            let (resumed, at) = try CheckpointSupport.interruptedAndResumed(
                options, interval: .steps(3), stopAfter: saves, directory: directory)
            #expect(at.stepsDone == 3 * saves)
            #expect(at.epoch == (3 * saves - 1) / 4 + 1 && at.stepInEpoch == 3 * saves - 4 * (at.epoch - 1))
            #expect(resumed.differences(from: reference).isEmpty, "\(resumed.differences(from: reference))")
        }
        #expect(reference.validation.allSatisfy { $0 != nil } && reference.bestEpoch >= 2)
    }

    @Test(arguments: [1, 2])
    func resumingFromAnEpochCheckpointWithEarlyStoppingGivesTheUninterruptedRun(stopAfter saves: Int) throws {
        let options = CheckpointSupport.options(epochs: 30, patience: 1)
        let reference = try CheckpointSupport.uninterrupted(options)
        #expect(reference.stoppedEarly && reference.losses.count > saves)
        try IOTestSupport.withTemporaryDirectory { directory in
            let (resumed, at) = try CheckpointSupport.interruptedAndResumed(
                options, interval: .epochs(1), stopAfter: saves, directory: directory)
            #expect(at.epoch == saves + 1 && at.stepInEpoch == 0 && at.epochs.count == saves)
            #expect(resumed.differences(from: reference).isEmpty, "\(resumed.differences(from: reference))")
        }
    }

    @Test func aCheckpointHoldsOneCompleteCheckpointAndItsPointer() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            // Leftovers of a killed run (a checkpoint never pointed at, a pointer's temporary
            // file) go; a file of the user's stays.
            try FileManager.default.createDirectory(atPath: directory + "/epoch-9-step-9", withIntermediateDirectories: true)
            try Data().write(to: URL(fileURLWithPath: directory + "/.latest.1234.tmp"))
            try Data("mine".utf8).write(to: URL(fileURLWithPath: directory + "/notes.txt"))
            _ = try CheckpointSupport.interruptedAndResumed(CheckpointSupport.options(epochs: 2), interval: .epochs(1), stopAfter: 1,
                                                            directory: directory)
            let entries = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            #expect(entries == ["epoch-3-step-0", "latest", "notes.txt"])
            #expect(try String(contentsOfFile: directory + "/latest", encoding: .utf8) == "epoch-3-step-0\n")
            let files = try FileManager.default.contentsOfDirectory(atPath: directory + "/epoch-3-step-0").sorted()
            #expect(files == ["best.safetensors", "config.json", "items.tsv", "model.safetensors", "optimizer.safetensors", "state.json"])
            // The checkpoint is a model bundle too.
            let bundle = try ModelBundle.read(from: directory + "/epoch-3-step-0")
            #expect(bundle.model.configuration == RunData.model().configuration)
            let checkpoint = try TrainingCheckpoint.read(from: directory)
            #expect(checkpoint.state.progress.isFinished(under: CheckpointSupport.options(epochs: 2)))
            #expect(checkpoint.state.optimizerStepCount == 8 && checkpoint.state.hasBestWeights)
            // A fresh run into this directory must not overwrite it.
            #expect(CheckpointSupport.writer(directory).existingCheckpoint() == directory + "/epoch-3-step-0")
        }
    }

    // MARK: - Refusing to resume

    @Test func resumingWithOtherDataOrSettingsIsRefusedListingTheDifferences() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let options = CheckpointSupport.options()
            _ = try CheckpointSupport.interruptedAndResumed(options, interval: .steps(5), stopAfter: 1, directory: directory)
            let checkpoint = try TrainingCheckpoint.read(from: directory)
            let configuration = RunData.model().configuration

            var otherData = CheckpointSupport.fingerprint
            otherData.path = "/data/other.txt"
            otherData.bytes = 999
            var otherModel = configuration
            otherModel.embeddingSize = 32
            var otherOptions = options
            otherOptions.batchSize = 64
            let error = try #require(throws: InputError.self) {
                try checkpoint.checkResumable(model: otherModel, training: otherOptions, data: otherData, threads: Parallel.threads)
            }
            #expect(error.source == checkpoint.directory)
            #expect(error.message.contains("data file /data/runs.txt (1234 bytes), now /data/other.txt (999 bytes)"), "\(error)")
            #expect(error.message.contains("model embeddingSize 16, now 32"), "\(error)")
            #expect(error.message.contains("training batchSize 32, now 64"), "\(error)")

            var sameSizes = CheckpointSupport.fingerprint
            sameSizes.contentHash = "def"
            let hashError = try #require(throws: InputError.self) {
                try checkpoint.checkResumable(model: configuration, training: options, data: sameSizes, threads: Parallel.threads)
            }
            #expect(hashError.message.contains("other contents"), "\(hashError)")

            // Training longer or more gently is allowed, with a note; so is another thread count.
            var longer = options
            longer.epochs = 8
            longer.learningRate = 0.001
            let notes = try checkpoint.checkResumable(model: configuration, training: longer, data: CheckpointSupport.fingerprint,
                                                      threads: Parallel.threads + 1)
            #expect(notes.count == 3, "\(notes)")
            #expect(notes.contains { $0.contains("epochs 5, now 8") } && notes.contains { $0.contains("learningRate") })
            #expect(notes.contains { $0.contains("threads") })
        }
    }

    @Test func fingerprintsOfTheSameDataAgreeAndOfOtherDataDiffer() throws {
        let directory = try DataTestDirectory()
        let a = try directory.write("a.txt", "u1 i1\nu1 i2\nu1 i3\nu2 i2\nu2 i3\nu2 i1\n")
        let b = try directory.write("b.txt", "u1 i1\nu1 i2\nu1 i3\nu2 i2\nu2 i1\nu2 i3\n")  // same size and items
        func fingerprint(_ path: String) throws -> DataFingerprint {
            try DataFingerprint(dataset: SequenceDataset.load(path: path), path: path, testPath: nil, validation: true)
        }
        let first = try fingerprint(a)
        #expect(try fingerprint(a) == first)
        #expect(first.differences(from: first).isEmpty)
        var moved = try fingerprint(b)
        moved.path = first.path
        #expect(moved.bytes == first.bytes && moved.itemCount == first.itemCount && moved.testCases == first.testCases)
        #expect(moved.contentHash != first.contentHash)
        #expect(first.differences(from: moved) == ["the same sizes but other contents (vocabulary or sequences hash \(first.contentHash), now \(moved.contentHash))"])
    }

    // MARK: - Divergence

    @Test func aDivergedRunKeepsTheLastGoodCheckpointAndNamesIt() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let model = RunData.model(seed: 41)
            let output = try #require(model.output as? FullSoftmax)
            let trainer = Trainer(model: model, options: CheckpointSupport.options())
            var weightsAtStep4: [[Float]] = []
            let schedule = CheckpointSchedule(interval: .steps(2), save: CheckpointSupport.writer(directory, trainingSequences: 200).save)
            let error = try #require(throws: TrainingError.self) {
                // 200 sequences: 7 steps in the first epoch.
                try trainer.fit(train: RunData.sequences(200, seed: 23), validation: CheckpointSupport.validation, checkpoints: schedule) { event in
                    guard case let .step(1, step, _, _, _) = event else { return }
                    if step == 4 { weightsAtStep4 = ModelTestSupport.weights(model) }
                    if step == 5 { output.bias.value.data[3] = .nan }  // the 6th step's loss is NaN
                }
            }
            guard case let .diverged(epoch, step, loss, lastCheckpoint) = error else {
                Issue.record("expected .diverged, got \(error)")
                return
            }
            #expect(epoch == 1 && step == 6 && loss.isNaN)
            #expect(lastCheckpoint == directory + "/epoch-1-step-4")
            #expect("\(error)".contains("the last good checkpoint is \(directory)/epoch-1-step-4"))
            #expect(try String(contentsOfFile: directory + "/latest", encoding: .utf8) == "epoch-1-step-4\n")

            let restored = Trainer(model: RunData.model(seed: 5), options: CheckpointSupport.options())
            try restored.restore(from: TrainingCheckpoint.read(from: directory))
            #expect(ModelTestSupport.bits(ModelTestSupport.weights(restored.model)) == ModelTestSupport.bits(weightsAtStep4))
            #expect(ModelTestSupport.weights(restored.model).allSatisfy { $0.allSatisfy(\.isFinite) })
        }
    }

    /// A weight a model bundle would refuse: not finite, or beyond its ±10,000.
    @Test(arguments: [Float.infinity, .nan, -20_000, 3e12])
    func anUnusableWeightIsNeverCheckpointed(_ value: Float) throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            // Items 30…39 never occur, so a bad value in their embedding rows leaves the loss finite.
            let model = ModelTestSupport.model(items: 40, channels: 16, dilations: [1, 2], kernelSize: 3, length: 8, seed: 7)
            let embedding = try #require(model.uniqueWeights().first { $0.name == "item_embedding.weight" }).weight
            let trainer = Trainer(model: model, options: CheckpointSupport.options())
            let schedule = CheckpointSchedule(interval: .steps(2), save: CheckpointSupport.writer(directory, items: 40).save)
            let error = try #require(throws: TrainingError.self) {
                try trainer.fit(train: CheckpointSupport.train, validation: [], checkpoints: schedule) { event in
                    if case .step(1, 3, _, _, _) = event { embedding.value.data[35 * 16 + 2] = value }
                }
            }
            guard case let .unusableParameter(name, element, found, epoch, step, lastCheckpoint) = error else {
                Issue.record("expected .unusableParameter, got \(error)")
                return
            }
            #expect(name == "item_embedding.weight" && element == 35 * 16 + 2 && epoch == 1 && step == 4)
            // An infinity meets Adam's decoupled weight decay (0 · ∞) in the step and leaves as a NaN.
            #expect(value.isFinite ? found == value : !found.isFinite)
            #expect(lastCheckpoint == directory + "/epoch-1-step-2")
            #expect("\(error)".contains("holds \(found) (element \(35 * 16 + 2)) after epoch 1, step 4"), "\(error)")
            #expect("\(error)".contains("beyond the ±10000.0 a model bundle accepts") == value.isFinite, "\(error)")
            #expect(try String(contentsOfFile: directory + "/latest", encoding: .utf8) == "epoch-1-step-2\n")
            #expect(!FileManager.default.fileExists(atPath: directory + "/epoch-1-step-4"))
        }
    }

    /// Without checkpoints the end of training is checked too: `train` must not write a model
    /// that `recommend` would refuse. A weight of exactly the limit is still a model.
    @Test func anUnusableWeightAtTheEndFailsTrainingButTheLimitItselfDoesNot() throws {
        for (value, fails) in [(Float(-10_000), false), (10_000.5, true)] {
            let model = ModelTestSupport.model(items: 40, channels: 16, dilations: [1, 2], kernelSize: 3, length: 8, seed: 7)
            let embedding = try #require(model.uniqueWeights().first { $0.name == "item_embedding.weight" }).weight
            let trainer = Trainer(model: model, options: CheckpointSupport.options())
            do {
                _ = try trainer.fit(train: CheckpointSupport.train, validation: []) { event in
                    if case .step(1, 1, _, _, _) = event { embedding.value.data[31 * 16] = value }
                }
                #expect(!fails, "a weight of \(value) was accepted")
            } catch let TrainingError.unusableParameter(name, element, _, _, _, lastCheckpoint) {
                #expect(fails, "a weight of \(value) was refused")
                #expect(name == "item_embedding.weight" && element == 31 * 16 && lastCheckpoint == nil)
            }
        }
    }

    // MARK: - Damaged checkpoints

    @Test func damagedCheckpointsAreRejectedNamingTheFile() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let options = CheckpointSupport.options()
            _ = try CheckpointSupport.interruptedAndResumed(options, interval: .steps(5), stopAfter: 1, directory: directory)
            let name = try String(contentsOfFile: directory + "/latest", encoding: .utf8).trimmingCharacters(in: .newlines)
            let checkpointDirectory = directory + "/" + name
            func restoreError() throws -> InputError {
                try #require(throws: InputError.self) {
                    try Trainer(model: RunData.model(), options: options).restore(from: TrainingCheckpoint.read(from: directory))
                }
            }

            let optimizer = checkpointDirectory + "/optimizer.safetensors"
            let bytes = try Data(contentsOf: URL(fileURLWithPath: optimizer))
            try bytes.dropLast(4).write(to: URL(fileURLWithPath: optimizer))
            #expect(try restoreError().source == optimizer)
            // One flipped bit in any file is refused by the digests state.json records, naming the file.
            for file in ["optimizer.safetensors", "model.safetensors", "items.tsv", "config.json", "state.json"] {
                let path = checkpointDirectory + "/" + file
                let original = try Data(contentsOf: URL(fileURLWithPath: path))
                var flipped = original
                flipped[flipped.count / 2] ^= 0x10
                try flipped.write(to: URL(fileURLWithPath: path))
                let error = try restoreError()
                // A flip that breaks state.json's JSON is refused before its digests can be read.
                let unreadable = file == "state.json" && error.message.contains("not a CompactRec checkpoint state")
                #expect(error.source == path && (error.message.contains("SHA-256") || unreadable), "\(file): \(error)")
                try original.write(to: URL(fileURLWithPath: path))
            }
            // An edit that keeps state.json valid JSON is refused by its own digest.
            let statePath = checkpointDirectory + "/state.json"
            let original = try String(contentsOfFile: statePath, encoding: .utf8)
            #expect(original.contains("\"trainingSequences\" : 120,"))
            try original.replacingOccurrences(of: "\"trainingSequences\" : 120,", with: "\"trainingSequences\" : 121,")
                .write(toFile: statePath, atomically: true, encoding: .utf8)
            let edited = try restoreError()
            #expect(edited.source == statePath && edited.message.contains("SHA-256"), "\(edited)")
            try original.write(toFile: statePath, atomically: true, encoding: .utf8)
            try bytes.write(to: URL(fileURLWithPath: optimizer))

            let state = checkpointDirectory + "/state.json"
            let stateText = try String(contentsOfFile: state, encoding: .utf8)
            try stateText.replacingOccurrences(of: "\"version\" : 2", with: "\"version\" : 7").write(toFile: state, atomically: true, encoding: .utf8)
            let newer = try restoreError()
            #expect(newer.source == state && newer.message.contains("version 7 is newer"), "\(newer)")
            try "{\"format\": \"compactrec-checkpoint\", \"version\": 1}".write(toFile: state, atomically: true, encoding: .utf8)
            #expect(try restoreError().message.contains("malformed checkpoint state"))
            try stateText.write(toFile: state, atomically: true, encoding: .utf8)

            for pointer in ["../elsewhere", "", "epoch-1-step-x", "/etc"] {
                try (pointer + "\n").write(toFile: directory + "/latest", atomically: true, encoding: .utf8)
                let error = try restoreError()
                #expect(error.source == directory + "/latest" && error.message.contains("expected the name of a checkpoint"), "\(error)")
            }
            try FileManager.default.removeItem(atPath: directory + "/latest")
            #expect(try restoreError().message.contains("holds no checkpoint"))
            #expect(try restoreError().source == directory)
            // A checkpoint's own directory is accepted as it is.
            try Trainer(model: RunData.model(), options: options).restore(from: TrainingCheckpoint.read(from: checkpointDirectory))
        }
    }
}
