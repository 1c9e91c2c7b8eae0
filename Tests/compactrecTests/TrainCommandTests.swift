import Foundation
import CompactRecTestSupport
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// `compactrec train` as a user runs it: separate processes, killed without warning.
@Suite("compactrec train, the executable", .enabled(if: CompactRecExecutable.path != nil, "\(CompactRecExecutable.missing)"))
struct TrainCommandTests {
    /// 300 users with runs of 5–11 consecutive items out of 40: a few dozen steps per epoch.
    static func writeData(in directory: DataTestDirectory) throws -> String {
        var rng = SeededGenerator(seed: 3)
        var text = ""
        for user in 0..<300 {
            let start = Int(rng.next() % 40), count = 5 + Int(rng.next() % 7)
            for i in 0..<count { text += "u\(user) i\((start + i) % 40)\n" }
        }
        return try directory.write("runs.txt", text)
    }

    static func arguments(data: String, output: String, epochs: Int = 8) -> [String] {
        ["train", "--data", data, "--embedding-size", "8", "--dilations", "1,2", "--max-len", "10", "--batch-size", "16",
         "--epochs", String(epochs), "--learning-rate", "0.01", "--seed", "5", "--threads", "2", "--quiet", "--json",
         "--output", output]
    }

    /// The numbers of a `--json` report that must not change: metrics, losses, epochs.
    static func results(_ json: String) throws -> [String: Double] {
        let object = try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "\(json)")
        var results: [String: Double] = [:]
        for (key, value) in object {
            let exact = key.contains("@") || ["final_loss", "best_epoch", "epochs", "params"].contains(key)
            if exact, let number = value as? Double { results[key] = number }
        }
        #expect(results.count == 13, "\(results.keys.sorted())")
        return results
    }

    /// Without --output the bundle goes to runs/<data file>-<encoder>, numbered when taken;
    /// the progress says so, and which training settings were left to their defaults.
    @Test func withoutOutputTheBundleGoesToANewFolderUnderRuns() throws {
        let directory = try DataTestDirectory()
        let data = try Self.writeData(in: directory)
        let arguments = ["train", "--data", data, "--embedding-size", "8", "--dilations", "1", "--max-len", "6", "--epochs", "1",
                         "--threads", "1"]
        for (round, expected) in ["runs/runs-nextitnet", "runs/runs-nextitnet-2"].enumerated() {
            let run = try CompactRecExecutable.run(arguments, logPrefix: directory.path("default-\(round)"), in: directory.url.path)
            #expect(run.code == 0, "\(run.error)")
            #expect(run.error.contains("saved: \(expected) (the default place; --output DIR chooses another)"), "\(run.error)")
            #expect(FileManager.default.fileExists(atPath: directory.path(expected + "/model.safetensors")))
            #expect(run.error.contains("training: epochs 1, batch size 128 (default), learning rate 0.003 (default), "
                                       + "train windows on (default), validation on (default), seed 1 (default)"), "\(run.error)")
        }
        let nothing = try CompactRecExecutable.run(arguments + ["--no-save", "--no-train-windows"], logPrefix: directory.path("none"),
                                                   in: directory.url.path)
        #expect(nothing.code == 0 && !nothing.error.contains("saved:"), "\(nothing.error)")
        #expect(nothing.error.contains("train windows off,"), "\(nothing.error)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("runs/runs-nextitnet-3")))
        let both = try CompactRecExecutable.run(arguments + ["--no-save", "--output", "x"], logPrefix: directory.path("both"))
        #expect(both.code == 64 && both.error.contains("--no-save and --output contradict each other"), "\(both.error)")
    }

    static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    @Test func killedAtRandomMomentsAndResumedItEndsBitIdenticalToAnUninterruptedRun() throws {
        let directory = try DataTestDirectory()
        let data = try Self.writeData(in: directory)

        let reference = try CompactRecExecutable.run(Self.arguments(data: data, output: directory.path("reference")),
                                                     logPrefix: directory.path("reference"))
        #expect(reference.code == 0, "\(reference.error)")
        let referenceResults = try Self.results(reference.output)
        let referenceWeights = try Self.bytes(directory.path("reference/model.safetensors"))

        // The same run again, checkpointing every 3 steps: the same bits (determinism, and
        // checkpointing changes nothing), and how long a run takes, to aim the kills.
        let output = directory.path("killed")
        let checkpointArguments = Self.arguments(data: data, output: output) + ["--checkpoint-every", "3"]
        let start = DispatchTime.now().uptimeNanoseconds
        let repeated = try CompactRecExecutable.run(checkpointArguments, logPrefix: directory.path("repeated"))
        let duration = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        #expect(repeated.code == 0, "\(repeated.error)")
        #expect(try Self.results(repeated.output) == referenceResults)
        #expect(try Self.bytes(output + "/model.safetensors") == referenceWeights)
        try FileManager.default.removeItem(atPath: output)

        // Kill it at seeded random moments, each time resuming from whatever checkpoint survived.
        // The first run is killed early, most likely before its first checkpoint; each later one once it has written a new
        // checkpoint, after a random delay of up to a twentieth of a run, so that every run
        // makes progress however loaded the machine is, and the kills land anywhere, in the
        // middle of writing a checkpoint too.
        var rng = SeededGenerator(seed: 17)
        var interrupted = 0, resumedFrom: [String] = []
        let latest = output + "/checkpoint/latest"
        func pointer() -> String? { try? String(contentsOfFile: latest, encoding: .utf8) }
        for attempt in 0..<8 {
            let before = pointer()
            if let before { resumedFrom.append(before) }
            let child = try CompactRecExecutable.start(
                checkpointArguments + (before != nil ? ["--resume", output + "/checkpoint"] : []),
                logPrefix: directory.path("kill\(attempt)"))
            if attempt > 0 {
                let deadline = DispatchTime.now().uptimeNanoseconds + 60_000_000_000
                while pointer() == before && !child.hasEnded && DispatchTime.now().uptimeNanoseconds < deadline { usleep(2_000) }
            }
            usleep(UInt32((0.01 + Double(rng.nextUniform()) * duration / 20) * 1e6))
            child.killAbruptly()
            if let code = child.wait() {
                #expect(code == 0, "run \(attempt) failed before the kill: \(child.errorOutput)")
            } else {
                interrupted += 1
            }
        }
        #expect(interrupted >= 5, "only \(interrupted) of 8 runs were still going when killed (a run takes \(duration) s)")
        #expect(Set(resumedFrom).count >= 3, "resumed from \(resumedFrom)")

        let final = try CompactRecExecutable.run(checkpointArguments + (pointer() != nil ? ["--resume", output + "/checkpoint"] : []),
                                                 logPrefix: directory.path("final"))
        #expect(final.code == 0, "\(final.error)")
        #expect(try Self.results(final.output) == referenceResults)
        #expect(try Self.bytes(output + "/model.safetensors") == referenceWeights)
    }

    @Test func aFreshRunIntoAnExistingCheckpointOrAResumeWithOtherSettingsIsRefused() throws {
        let directory = try DataTestDirectory()
        let data = try Self.writeData(in: directory)
        let output = directory.path("run")
        let arguments = Self.arguments(data: data, output: output, epochs: 1) + ["--checkpoint-every", "1epoch"]
        #expect(try CompactRecExecutable.run(arguments, logPrefix: directory.path("first")).code == 0)

        let again = try CompactRecExecutable.run(arguments, logPrefix: directory.path("again"))
        #expect(again.code != 0 && again.error.contains("already holds a checkpoint") && again.error.contains("--resume"), "\(again.error)")

        var otherBatch = arguments + ["--resume", output + "/checkpoint"]
        otherBatch[otherBatch.firstIndex(of: "--batch-size")! + 1] = "32"
        let refused = try CompactRecExecutable.run(otherBatch, logPrefix: directory.path("other"))
        #expect(refused.code != 0 && refused.error.contains("cannot resume") && refused.error.contains("batchSize 16, now 32"),
                "\(refused.error)")
    }

    /// A run killed after pointing `latest` at a new checkpoint and before removing the old one
    /// leaves the old one; resuming (here from the last checkpoint, which saves no other) removes
    /// it. Fuzz/fault-injection.sh found this with a kill at that moment.
    @Test func resumingRemovesACheckpointLeftBehindByAKill() throws {
        let directory = try DataTestDirectory()
        let data = try Self.writeData(in: directory)
        let output = directory.path("run")
        let arguments = Self.arguments(data: data, output: output, epochs: 1) + ["--checkpoint-every", "1epoch"]
        #expect(try CompactRecExecutable.run(arguments, logPrefix: directory.path("first")).code == 0)
        let current = try TrainingCheckpoint.read(from: output + "/checkpoint").directory
        let stale = output + "/checkpoint/epoch-1-step-3"
        try FileManager.default.copyItem(atPath: current, toPath: stale)

        let resumed = try CompactRecExecutable.run(arguments + ["--resume", output + "/checkpoint"], logPrefix: directory.path("resumed"))
        #expect(resumed.code == 0, "\(resumed.error)")
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(try FileManager.default.contentsOfDirectory(atPath: output + "/checkpoint").sorted()
                    == [(current as NSString).lastPathComponent, "latest"])
    }

    /// A damaged or edited state.json: -1 for the step in the epoch segfaulted, an epoch of -2^62
    /// ran without end. Both are refused, naming the file and the field, with exit code 1.
    @Test(arguments: [("stepInEpoch", -1), ("epoch", -4_611_686_018_427_387_904)])
    func aCheckpointStateOutOfRangeIsRefusedNamingTheField(field: String, value: Int) throws {
        let directory = try DataTestDirectory()
        let data = try Self.writeData(in: directory)
        let output = directory.path("run")
        let arguments = Self.arguments(data: data, output: output, epochs: 2) + ["--checkpoint-every", "5"]
        #expect(try CompactRecExecutable.run(arguments, logPrefix: directory.path("first")).code == 0)
        let checkpoint = try TrainingCheckpoint.read(from: output + "/checkpoint")
        let statePath = checkpoint.directory + "/state.json"
        var state = try #require(JSONSerialization.jsonObject(with: try Self.bytes(statePath)) as? [String: Any])
        var progress = try #require(state["progress"] as? [String: Any])
        progress[field] = value
        state["progress"] = progress
        try sealedCheckpointState(state).write(to: URL(fileURLWithPath: statePath))

        let resumed = try CompactRecExecutable.run(arguments + ["--resume", output + "/checkpoint"],
                                                   logPrefix: directory.path("resumed"))
        #expect(resumed.code == 1, "\(resumed.error)")
        #expect(resumed.error.contains("\(statePath): progress.\(field): expected "), "\(resumed.error)")
    }

    @Test func aDivergingRunStopsNamingTheLastGoodCheckpoint() throws {
        let directory = try DataTestDirectory()
        let data = try Self.writeData(in: directory)
        let output = directory.path("run")
        var arguments = Self.arguments(data: data, output: output) + ["--checkpoint-every", "1"]
        // Adam moves a weight by up to about the learning rate per step: at 3000 an embedding
        // weight passes the ±10,000 a model bundle accepts within a few steps.
        arguments[arguments.firstIndex(of: "--learning-rate")! + 1] = "3000"
        let run = try CompactRecExecutable.run(arguments, logPrefix: directory.path("diverge"))
        #expect(run.code != 0 && run.error.contains("training diverged") && run.error.contains("beyond the ±10000.0"), "\(run.error)")
        let latest = try String(contentsOfFile: output + "/checkpoint/latest", encoding: .utf8).trimmingCharacters(in: .newlines)
        #expect(run.error.contains("the last good checkpoint is \(output)/checkpoint/\(latest)"), "\(run.error)")
        let checkpoint = try TrainingCheckpoint.read(from: output + "/checkpoint")
        let weights = try SafeTensors.read(path: checkpoint.directory + "/model.safetensors")
        #expect(weights.tensors.allSatisfy { $0.values.allSatisfy { abs($0) <= ModelBundle.weightLimit } })
        #expect(!FileManager.default.fileExists(atPath: output + "/model.safetensors"))
    }

    @Test func aConfigurationTooLargeForTheMachineIsRefusedBeforeAllocating() throws {
        let directory = try DataTestDirectory()
        let data = try Self.writeData(in: directory)
        var arguments = Self.arguments(data: data, output: directory.path("run"))
        // 100 million sequences of 60,000 positions: petabytes of activations.
        arguments[arguments.firstIndex(of: "--batch-size")! + 1] = "100000000"
        arguments[arguments.firstIndex(of: "--max-len")! + 1] = "60000"
        let run = try CompactRecExecutable.run(arguments, logPrefix: directory.path("huge"))
        #expect(run.code != 0, "\(run.error)")
        #expect(run.error.contains("memory: this configuration needs about") && run.error.contains("--ignore-memory-limit"), "\(run.error)")
    }

    /// The rank divisor need not be whole (1.5 gives ranks ⌊C / 1.5^j⌋), but it must be at least 1.
    @Test func aFractionalRankDivisorBuildsItsRanksAndOneBelowOneIsRefused() throws {
        let directory = try DataTestDirectory()
        let data = try Self.writeData(in: directory)
        let clustered = ["--input-embedding", "block-adaptive", "--cutoffs", "auto:3"]
        let refused = try CompactRecExecutable.run(Self.arguments(data: data, output: directory.path("small")) + clustered
                                                   + ["--rank-divisor", "0.5"], logPrefix: directory.path("small"))
        #expect(refused.code != 0 && refused.error.contains("--rank-divisor must be a number of at least 1"), "\(refused.error)")
        let output = directory.path("run")
        let run = try CompactRecExecutable.run(Self.arguments(data: data, output: output, epochs: 1) + clustered
                                               + ["--rank-divisor", "1.5"], logPrefix: directory.path("run"))
        #expect(run.code == 0, "\(run.error)")
        let bundle = try ModelBundle.read(from: output)
        #expect(bundle.configuration.model.rankDivisor == 1.5)
        // C = 8: ranks 8, ⌊8 / 1.5⌋ = 5, ⌊8 / 2.25⌋ = 3.
        let clusters = try #require(bundle.configuration.model.clusters)
        #expect(clusters.dimensions(embeddingSize: 8, divisor: 1.5) == [8, 5, 3])
        #expect(ParameterAccounting(model: bundle.model).input
                == clusters.size(of: 0) * 8 + clusters.size(of: 1) * 5 + 5 * 8 + clusters.size(of: 2) * 3 + 3 * 8)
    }

    /// The user's report: these were found only after the whole training. `--output` is
    /// checked before the data is even read, the ids before the first step; nothing is written.
    @Test func anOutputHoldingOtherThingsOrAnIdTheBundleCannotHoldIsRefusedBeforeTraining() throws {
        let directory = try DataTestDirectory()
        let data = try Self.writeData(in: directory)
        let project = directory.path("project")
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: false)
        _ = try directory.write("project/config.json", "{\"name\": \"my app\"}")
        _ = try directory.write("project/notes.txt", "mine")
        let refused = try CompactRecExecutable.run(Self.arguments(data: data, output: project), logPrefix: directory.path("refused"))
        #expect(refused.code == 1, "\(refused.error)")
        #expect(refused.error.contains("\(project): holds notes.txt, which are not part of a CompactRec model bundle"), "\(refused.error)")
        #expect(!refused.error.contains("format:"), "the data was read: \(refused.error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: project).sorted() == ["config.json", "notes.txt"])
        #expect(try String(contentsOfFile: project + "/config.json", encoding: .utf8) == "{\"name\": \"my app\"}")

        let odd = try directory.write("odd.txt", String(contentsOfFile: data, encoding: .utf8) + "u1 i\u{2028}x\n")
        var arguments = Self.arguments(data: odd, output: directory.path("odd-run"))
        arguments.removeAll { $0 == "--quiet" }
        let oddRun = try CompactRecExecutable.run(arguments, logPrefix: directory.path("odd"))
        #expect(oddRun.code == 1, "\(oddRun.error)")
        #expect(oddRun.error.contains("\(odd): item id 'i<U+2028>x' contains a line break (U+2028)"), "\(oddRun.error)")
        #expect(!oddRun.error.contains("epoch 1/"), "it trained: \(oddRun.error)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("odd-run")))
    }

    /// Training again into a bundle replaces the bundle whole and keeps its checkpoint directory.
    @Test func trainingAgainIntoABundleReplacesItAndKeepsItsCheckpoints() throws {
        let directory = try DataTestDirectory()
        let data = try Self.writeData(in: directory)
        let runs = directory.path("runs")
        let output = runs + "/run"
        let first = try CompactRecExecutable.run(Self.arguments(data: data, output: output, epochs: 1) + ["--checkpoint-every", "1epoch"],
                                                 logPrefix: directory.path("first"))
        #expect(first.code == 0, "\(first.error)")
        let pointer = try String(contentsOfFile: output + "/checkpoint/latest", encoding: .utf8)
        var arguments = Self.arguments(data: data, output: output, epochs: 1)
        arguments[arguments.firstIndex(of: "--embedding-size")! + 1] = "4"
        let second = try CompactRecExecutable.run(arguments, logPrefix: directory.path("second"))
        #expect(second.code == 0, "\(second.error)")
        #expect(try ModelBundle.read(from: output).configuration.model.embeddingSize == 4)
        #expect(try String(contentsOfFile: output + "/checkpoint/latest", encoding: .utf8) == pointer)
        #expect(try TrainingCheckpoint.read(from: output + "/checkpoint").state.model.embeddingSize == 8)
        #expect(try FileManager.default.contentsOfDirectory(atPath: runs) == ["run"], "no working directory is left")
    }
}
