import Foundation
import Testing
import CompactRecTestSupport

@testable import CompactRec
@testable import CompactRecRuntime

/// Every number in a checkpoint's `state.json` set to -1, to huge values and to a string:
/// resuming throws an `InputError` naming the state file (or, for a difference from the run
/// resuming it, the checkpoint) and the field. Before these checks some of them trapped
/// (`"stepInEpoch": -1`), ran without end (`"epoch": -4611686018427387904`) or trained on
/// silently (another shuffle generator).
@Suite("Checkpoint state, mutated")
struct CheckpointStateMutationTests {
    /// A number in the state, by its path (`progress.orderGenerator.state[2]`).
    struct Leaf {
        var path: [Step]
        var name: String {
            path.map { step in
                switch step {
                case let .key(key): "." + key
                case let .index(index): "[\(index)]"
                }
            }.joined().dropFirst().description
        }
        /// The last key on the path: `stepInEpoch`, `state` for `orderGenerator.state[2]`.
        var key: String {
            path.reversed().lazy.compactMap { if case let .key(key) = $0 { key } else { nil } }.first ?? ""
        }
    }

    enum Step {
        case key(String)
        case index(Int)
    }

    static let mutations: [(label: String, value: any Sendable)] = [
        ("-1", -1), ("2^62", 4_611_686_018_427_387_904), ("-2^62", -4_611_686_018_427_387_904), ("1e300", 1e300),
        ("a string", "7"),
    ]

    /// Values the resuming run replaces with its own, so any valid one is accepted with a note:
    /// the options a resumed run may change, and the thread count it was written with.
    static let replacedByTheResumingRun: Set = [
        "training.epochs 2^62", "training.learningRate 2^62", "training.gradientClipNorm 2^62", "threads 2^62",
    ]

    /// Values no range rules out: a diverging run's loss can grow this large (its weights are
    /// checked before every checkpoint, its loss only for being finite). Resuming goes on.
    static let possible: Set = ["progress.epochLossSum 2^62", "progress.epochs[0].loss 2^62"]

    /// The words a message uses for a field where they are not its key.
    static let wording = [
        "layerNormEpsilon": "layer-norm epsilon", "beta1": "betas", "beta2": "betas", "dilations": "dilation",
        "bytes": "bytes", "itemCount": "items",
    ]

    /// The fields that hold true or false, which JSONSerialization also gives as numbers.
    static let booleans: Set = ["hasBestWeights", "improved", "stoppedEarly", "validation"]

    static func leaves(of value: Any, at path: [Step] = []) -> [Leaf] {
        switch value {
        case let object as [String: Any]:
            return object.keys.sorted().flatMap { leaves(of: object[$0]!, at: path + [.key($0)]) }
        case let array as [Any]:
            return array.indices.flatMap { leaves(of: array[$0], at: path + [.index($0)]) }
        case is NSNumber:
            guard case let .key(key)? = path.last, Self.booleans.contains(key) else { return [Leaf(path: path)] }
            return []
        default:
            return []
        }
    }

    static func replacing(_ path: ArraySlice<Step>, in value: Any, with replacement: Any) -> Any {
        guard let step = path.first else { return replacement }
        switch step {
        case let .key(key):
            var object = value as! [String: Any]
            object[key] = replacing(path.dropFirst(), in: object[key]!, with: replacement)
            return object
        case let .index(index):
            var array = value as! [Any]
            array[index] = replacing(path.dropFirst(), in: array[index], with: replacement)
            return array
        }
    }

    /// `stepInEpoch` → `step in epoch`.
    static func words(_ key: String) -> String {
        key.reduce(into: "") { text, character in
            text += character.isUppercase ? " " + character.lowercased() : String(character)
        }
    }

    /// Trains until the checkpoint after step 6 of 4-step epochs (epoch 2, step 2: one epoch
    /// summary with validation metrics, a best score and best weights) and returns its state.
    static func writeCheckpoint(in directory: String) throws -> (path: String, state: Any) {
        let writer = CheckpointSupport.writer(directory)
        var saves = 0
        let schedule = CheckpointSchedule(interval: .steps(3)) { trainer in
            let path = try writer.save(trainer)
            saves += 1
            if saves == 2 { throw CheckpointSupport.Interrupt() }
            return path
        }
        #expect(throws: CheckpointSupport.Interrupt.self) {
            try Trainer(model: RunData.model(seed: 31), options: CheckpointSupport.options()).fit(
                train: CheckpointSupport.train, validation: CheckpointSupport.validation, checkpoints: schedule)
        }
        let checkpoint = try TrainingCheckpoint.read(from: directory)
        #expect(checkpoint.state.progress.epoch == 2 && checkpoint.state.progress.stepInEpoch == 2)
        let path = checkpoint.directory + "/state.json"
        return (path, try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    /// Resumes the run from the checkpoint in `directory` as `train --resume` does, and trains
    /// it to the end; returns the notes about allowed differences.
    static func resume(from directory: String) throws -> [String] {
        let model = RunData.model(), options = CheckpointSupport.options()
        let checkpoint = try TrainingCheckpoint.read(from: directory)
        let notes = try checkpoint.checkResumable(
            model: model.configuration, training: options, data: CheckpointSupport.fingerprint, threads: Parallel.threads)
        let trainer = Trainer(model: model, options: options)
        try trainer.restore(from: checkpoint)
        _ = try trainer.fit(train: CheckpointSupport.train, validation: CheckpointSupport.validation)
        return notes
    }

    /// Writes an edited state with its own digest made right, to reach the field checks.
    static func write(_ state: Any, to path: String) throws {
        try sealedCheckpointState(state).write(to: URL(fileURLWithPath: path))
    }

    @Test func everyNumberOutOfRangeOrOfTheWrongTypeIsRefusedNamingTheField() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let (statePath, state) = try Self.writeCheckpoint(in: directory)
            let checkpointDirectory = (statePath as NSString).deletingLastPathComponent
            func resume() throws -> [String] { try Self.resume(from: directory) }

            #expect(try resume().isEmpty)
            let leaves = Self.leaves(of: state)
            #expect(leaves.count > 50, "\(leaves.map(\.name))")
            for leaf in leaves {
                for (label, value) in Self.mutations {
                    try Self.write(Self.replacing(leaf.path[...], in: state, with: value), to: statePath)
                    let mutation = "\(leaf.name) \(label)"
                    if Self.replacedByTheResumingRun.contains(mutation) {
                        let notes = try resume()
                        #expect(notes.contains { $0.contains(leaf.key) }, "\(mutation): \(notes)")
                        continue
                    }
                    if Self.possible.contains(mutation) {
                        #expect(try resume().isEmpty, "\(mutation)")
                        continue
                    }
                    do {
                        _ = try resume()
                        Issue.record("\(mutation) was accepted")
                    } catch let error as InputError {
                        #expect(error.source == statePath || error.source == checkpointDirectory, "\(mutation): \(error)")
                        let names = [leaf.key, Self.words(leaf.key), Self.wording[leaf.key]].compactMap { $0 }
                        #expect(names.contains { error.message.contains($0) }, "\(mutation): \(error)")
                    }
                }
            }
            try Self.write(state, to: statePath)
            #expect(try resume().isEmpty)
        }
    }

    @Test(arguments: [
        ("progress.orderGenerator.state", "a generator of 3 words"),
        ("progress.epochs", "no epoch summary"),
        ("progress.stepInEpoch", "no step"),
    ])
    func aStateWithPartsMissingIsRefusedNamingThem(field: String, damage: String) throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let (statePath, state) = try Self.writeCheckpoint(in: directory)
            var root = state as! [String: Any]
            var progress = root["progress"] as! [String: Any]
            switch field {
            case "progress.orderGenerator.state":
                var generator = progress["orderGenerator"] as! [String: Any]
                generator["state"] = Array((generator["state"] as! [Any]).prefix(3))
                progress["orderGenerator"] = generator
            case "progress.epochs": progress["epochs"] = [Any]()
            default: progress["stepInEpoch"] = nil
            }
            root["progress"] = progress
            try Self.write(root, to: statePath)
            let error = try #require(throws: InputError.self, "\(damage)") { try Self.resume(from: directory) }
            #expect(error.source == statePath && error.message.contains(field), "\(error)")
        }
    }
}
