import Foundation

/// A saved training run from which `Trainer` continues exactly where it stopped.
///
/// A checkpoint directory (`--checkpoint-dir`) holds one checkpoint at a time and a pointer:
///
///     checkpoint/
///       latest                      the name of the current checkpoint, written last
///       epoch-3-step-40/            one checkpoint:
///         model.safetensors         the weights, config.json, items.tsv: a model bundle
///         config.json, items.tsv    (so `evaluate --model` reads it as it is)
///         optimizer.safetensors     Adam's moments "m.NAME", "v.NAME"; the step count in the metadata
///         best.safetensors          the best validation epoch's weights, when kept
///         state.json                progress (epoch, step, shuffle generator, epochs done), the
///                                   training options, model configuration and data fingerprint,
///                                   and the SHA-256 of every file of the checkpoint and of itself
///
/// Every file is written atomically (`writeAtomically`), `state.json` after the tensors and
/// `latest` after the whole checkpoint; older checkpoints are removed only then. So however
/// the process dies, `latest` names a complete checkpoint (or does not exist yet). The digests
/// are checked before a checkpoint is resumed from, so a damaged file is refused naming it.
public struct TrainingCheckpoint {
    public static let formatName = "compactrec-checkpoint"
    public static let formatVersion = 2
    /// The version from which `state.json` records the digests of the checkpoint's files.
    static let firstVersionWithDigests = 2
    public static let pointerName = "latest"
    static let stateName = "state.json", optimizerName = "optimizer.safetensors", bestName = "best.safetensors"
    static let modelName = "model.safetensors"

    /// What `state.json` holds.
    public struct State: Codable, Sendable {
        public var format: String
        public var version: Int
        public var progress: TrainingProgress
        public var training: TrainingOptions
        public var model: ModelConfiguration
        public var data: DataFingerprint
        public var optimizerStepCount: Int
        /// `--threads` of the run: results are bit-identical only with the same count.
        public var threads: Int
        public var hasBestWeights: Bool
        /// The SHA-256 of every file of the checkpoint, `state.json` included (version 2 on).
        public var sha256: [String: String]?
    }

    /// The files `state.json` records the digests of: itself, the bundle's files, Adam's
    /// moments, and the best weights when kept.
    static func recordedFiles(hasBestWeights: Bool) -> [String] {
        [stateName] + BundleIntegrity.recordedFiles + [optimizerName]
            + (hasBestWeights ? [bestName] : [])
    }

    /// The checkpoint's own directory (`…/epoch-3-step-40`).
    public let directory: String
    public let state: State

    /// Reads the checkpoint `path` names: a checkpoint directory with a `latest` pointer, or
    /// one checkpoint's own directory. Only `state.json` is read here, and every field of it is
    /// checked against the run it records (see `State.validate(file:)`); the tensors are read
    /// by `Trainer.restore(from:)`.
    public static func read(from path: String) throws -> TrainingCheckpoint {
        let directory = try resolve(path)
        let statePath = join(directory, stateName)
        guard let data = FileManager.default.contents(atPath: statePath) else {
            throw InputError(source: statePath, "cannot read the checkpoint's state")
        }
        struct Header: Decodable { var format: String; var version: Int }
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: data) } catch {
            throw InputError(
                source: statePath, "not a CompactRec checkpoint state (expected format '\(formatName)'): "
                    + JSONDecodingFailure.describe(error, decoding: Header.self, from: data))
        }
        guard header.format == formatName else {
            throw InputError(source: statePath, "not a CompactRec checkpoint state (expected format '\(formatName)')")
        }
        guard header.version <= formatVersion else {
            throw InputError(source: statePath,
                             "checkpoint version \(header.version) is newer than this CompactRec reads (\(formatVersion)); upgrade CompactRec")
        }
        // The digests are checked before the state is trusted, whatever its version says.
        struct DigestRecord: Decodable { var sha256: [String: String]? }
        let recorded = (try? JSONDecoder().decode(DigestRecord.self, from: data))?.sha256
        if let recorded {
            try BundleIntegrity.verify(
                directory: directory, ownName: stateName, ownBytes: Array(data), recorded: recorded,
                expected: recordedFiles(hasBestWeights: recorded[bestName] != nil))
        } else if header.version >= firstVersionWithDigests {
            throw InputError(source: statePath, location: "sha256",
                             "missing; every checkpoint of version \(firstVersionWithDigests) or later records the SHA-256 of its files")
        }
        let state: State
        do {
            state = try JSONDecoder().decode(State.self, from: data)
        } catch {
            throw InputError(source: statePath, "malformed checkpoint state: "
                + JSONDecodingFailure.describe(error, decoding: State.self, from: data))
        }
        if recorded != nil && state.hasBestWeights != (recorded?[bestName] != nil) {
            throw InputError(source: statePath, location: "hasBestWeights",
                             "is \(state.hasBestWeights), but the digests \(state.hasBestWeights ? "lack" : "include") \(bestName)")
        }
        try state.validate(file: statePath)
        return TrainingCheckpoint(directory: directory, state: state)
    }

    /// The checkpoint directory `path` means: itself when it holds a state, else what its
    /// `latest` pointer names.
    private static func resolve(_ path: String) throws -> String {
        if FileManager.default.fileExists(atPath: join(path, stateName)) { return path }
        let pointer = join(path, pointerName)
        guard let data = FileManager.default.contents(atPath: pointer) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw InputError(source: path, !exists ? "no such checkpoint directory"
                             : isDirectory.boolValue ? "holds no checkpoint: neither '\(pointerName)' nor \(stateName) is there"
                             : "is not a checkpoint directory")
        }
        let name = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard CheckpointWriter.isCheckpointName(name) else {
            throw InputError(source: pointer, "expected the name of a checkpoint such as 'epoch-3-step-40', found '\(name.prefix(80))'")
        }
        return join(path, name)
    }

    /// Checks the checkpoint belongs to this run: the same data, model configuration and
    /// training options, except for `epochs`, `patience`, the learning rate and the clip norm,
    /// which may change (to train longer, or to continue a diverged run more gently); and that
    /// its shuffle generator is the one the seed gives for the epochs done on this data.
    /// - Returns: a sentence per allowed change, or per other difference worth a warning
    ///   (the thread count), for the user.
    /// - Throws: an `InputError` listing every difference that makes resuming wrong.
    public func checkResumable(
        model: ModelConfiguration, training: TrainingOptions, data: DataFingerprint, threads: Int
    ) throws -> [String] {
        var refusals = state.data.differences(from: data)
        refusals += Self.differences(state.model, model).map { "model \($0)" }
        var adjustable = state.training
        adjustable.epochs = training.epochs
        adjustable.patience = training.patience
        adjustable.learningRate = training.learningRate
        adjustable.gradientClipNorm = training.gradientClipNorm
        refusals += Self.differences(adjustable, training).map { "training \($0)" }
        guard refusals.isEmpty else {
            throw InputError(source: directory, "cannot resume: this checkpoint was written for other data or settings: "
                             + refusals.joined(separator: "; "))
        }
        try state.checkOrderGenerator(file: Self.join(directory, Self.stateName))
        var notes = Self.differences(state.training, training).map {
            "training \($0) from here on; the result will differ from an uninterrupted run"
        }
        if state.threads != threads {
            notes.append("the checkpoint was written with \(state.threads) threads, this run uses \(threads); "
                         + "the result is bit-identical to an uninterrupted run only with the same count")
        }
        return notes
    }

    /// "learningRate 0.001, now 0.01" for every top-level JSON field that differs.
    static func differences<Value: Encodable>(_ old: Value, _ new: Value) -> [String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        func fields(_ value: Value) -> [String: String] {
            guard let data = try? encoder.encode(value),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
            return object.mapValues { value in
                (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]))
                    .map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
            }
        }
        let a = fields(old), b = fields(new)
        return Set(a.keys).union(b.keys).sorted().compactMap { key in
            a[key] == b[key] ? nil : "\(key) \(a[key] ?? "unset"), now \(b[key] ?? "unset")"
        }
    }

    static func join(_ directory: String, _ name: String) -> String {
        (directory as NSString).appendingPathComponent(name)
    }
}

extension Trainer {
    /// Loads a checkpoint's weights, Adam state, best weights and progress into this trainer,
    /// whose model must have the checkpoint's configuration (see `checkResumable`).
    /// - Throws: `InputError` naming the file and tensor for anything missing or misshapen.
    public func restore(from checkpoint: TrainingCheckpoint) throws {
        let state = checkpoint.state
        guard state.model == model.configuration else {
            throw InputError(source: checkpoint.directory, "the checkpoint's model configuration is not this trainer's")
        }
        let named = zip(parameterNames, optimizer.parameters).map { NamedWeight($0, $1.weight) }
        // A JPQ model's item codes are U8 tensors there too, restored with the weights.
        let file = try SafeTensors.read(path: TrainingCheckpoint.join(checkpoint.directory, TrainingCheckpoint.modelName),
                                        accepting: [.uint8])
        let weights = try model.loadItemCodes(from: file)
        try weights.copyValues(into: named)
        model.weightsDidChange()

        let moments = try SafeTensors.read(path: TrainingCheckpoint.join(checkpoint.directory, TrainingCheckpoint.optimizerName))
        let destinations = zip(parameterNames, zip(optimizer.firstMoments, optimizer.secondMoments)).flatMap { name, pair in
            [("m." + name, pair.0), ("v." + name, pair.1)]
        }
        try moments.copyValues(into: destinations, unexpected: "not a moment of this model's parameters")
        guard moments.metadata["step_count"].flatMap(Int.init) == state.optimizerStepCount else {
            throw InputError(source: moments.source, location: "header",
                             "expected the metadata step_count \(state.optimizerStepCount) that \(TrainingCheckpoint.stateName) records")
        }
        var best: [[Float]]?
        if state.hasBestWeights {
            let file = try SafeTensors.read(path: TrainingCheckpoint.join(checkpoint.directory, TrainingCheckpoint.bestName))
            let copies = optimizer.parameters.map { Tensor(shape: $0.shape) }
            try file.copyValues(into: Array(zip(parameterNames, copies)), unexpected: "not a parameter of this model")
            best = copies.map(\.values)
        }
        optimizer.restore(stepCount: state.optimizerStepCount)
        bestWeights = best
        progress = state.progress
        lastCheckpoint = checkpoint.directory
    }
}

/// Saves checkpoints of one run into a checkpoint directory (see `TrainingCheckpoint`).
///
///     let writer = CheckpointWriter(directory: "runs/beauty/checkpoint", vocabulary: data.vocabulary, …)
///     let schedule = CheckpointSchedule(interval: .steps(500), save: writer.save)
public struct CheckpointWriter {
    public let directory: String
    public let vocabulary: Vocabulary
    /// The data summary stored in each checkpoint's config.json.
    public let dataSummary: [String: String]
    public let fingerprint: DataFingerprint
    public let threads: Int

    public init(directory: String, vocabulary: Vocabulary, dataSummary: [String: String], fingerprint: DataFingerprint, threads: Int) {
        self.directory = directory
        self.vocabulary = vocabulary
        self.dataSummary = dataSummary
        self.fingerprint = fingerprint
        self.threads = threads
    }

    /// `epoch-E-step-S`, from the trainer's progress: unique per state of the loop.
    static func name(for progress: TrainingProgress) -> String {
        "epoch-\(progress.epoch)-step-\(progress.stepInEpoch)"
    }

    static func isCheckpointName(_ name: String) -> Bool {
        let parts = name.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "epoch" && parts[2] == "step"
            && [parts[1], parts[3]].allSatisfy { !$0.isEmpty && $0.count <= 18 && $0.allSatisfy { $0.isASCII && $0.isNumber } }
    }

    /// Writes the trainer's state as a new checkpoint, points `latest` at it and removes the
    /// older ones. Returns the new checkpoint's directory.
    public func save(_ trainer: Trainer) throws -> String {
        try createDirectories(atPath: directory)
        let name = Self.name(for: trainer.progress)
        let target = TrainingCheckpoint.join(directory, name)
        // A directory of this name is a leftover of a run that died before pointing at it.
        try remove(target)
        try createDirectories(atPath: target)

        try ModelBundle.checkItemIds(vocabulary, source: TrainingCheckpoint.join(target, BundleIntegrity.itemsName))
        try ModelBundle(model: trainer.model, vocabulary: vocabulary, training: trainer.options, data: dataSummary)
            .writeFiles(into: target)
        let optimizer = trainer.optimizer
        var moments: [NamedTensor] = []
        for (i, name) in trainer.parameterNames.enumerated() {
            let shape = optimizer.parameters[i].shape
            moments.append(NamedTensor(name: "m." + name, shape: shape, values: optimizer.firstMoments[i].values))
            moments.append(NamedTensor(name: "v." + name, shape: shape, values: optimizer.secondMoments[i].values))
        }
        try SafeTensors.write(moments, metadata: ["step_count": String(optimizer.stepCount)],
                              to: TrainingCheckpoint.join(target, TrainingCheckpoint.optimizerName))
        moments = []
        if let best = trainer.bestWeights {
            let tensors = zip(trainer.parameterNames, zip(optimizer.parameters, best)).map {
                NamedTensor(name: $0, shape: $1.0.shape, values: $1.1)
            }
            try SafeTensors.write(tensors, to: TrainingCheckpoint.join(target, TrainingCheckpoint.bestName))
        }
        let state = TrainingCheckpoint.State(
            format: TrainingCheckpoint.formatName, version: TrainingCheckpoint.formatVersion, progress: trainer.progress,
            training: trainer.options, model: trainer.model.configuration, data: fingerprint,
            optimizerStepCount: optimizer.stepCount, threads: threads, hasBestWeights: trainer.bestWeights != nil)
        var digests: [String: String] = [:]
        for file in TrainingCheckpoint.recordedFiles(hasBestWeights: state.hasBestWeights) where file != TrainingCheckpoint.stateName {
            digests[file] = try BundleIntegrity.digest(ofFile: TrainingCheckpoint.join(target, file))
        }
        let sealed = try SealedJSON.encode(state, ownName: TrainingCheckpoint.stateName, digests: digests) { $0.sha256 = $1 }
        try writeAtomically(sealed, to: TrainingCheckpoint.join(target, TrainingCheckpoint.stateName))

        try writeAtomically(Data((name + "\n").utf8), to: TrainingCheckpoint.join(directory, TrainingCheckpoint.pointerName))
        try removeStaleCheckpoints(keeping: name)
        return target
    }

    /// Removes every checkpoint but `name`, and temporary files of interrupted pointer writes.
    /// A folder named like a checkpoint is removed only if it holds nothing but checkpoint
    /// files; nothing else in the directory is touched.
    private func removeStaleCheckpoints(keeping name: String) throws {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for entry in entries where entry != name {
            let path = TrainingCheckpoint.join(directory, entry)
            if Self.isCheckpointName(entry) && BundleDirectoryContents.isCheckpointFolder(path) {
                try remove(path)
            } else if BundleDirectoryContents.isTemporary(entry, ofOneOf: [TrainingCheckpoint.pointerName]) {
                unlink(path)
            }
        }
    }

    /// Removes a checkpoint folder CompactRec wrote: its checkpoint files, then the folder.
    private func remove(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        guard BundleDirectoryContents.isCheckpointFolder(path) else {
            throw InputError(source: path, "is named like a checkpoint but holds other files; CompactRec leaves it alone: "
                                 + "move it away or choose another --checkpoint-dir")
        }
        BundleDirectoryContents.removeOwnFiles(BundleDirectoryContents.checkpointFiles, andDirectory: path)
        guard !FileManager.default.fileExists(atPath: path) else {
            throw InputError(source: path, "cannot remove an old checkpoint")
        }
    }

    /// The checkpoint `directory` already holds, if any: a fresh run must not overwrite it.
    public func existingCheckpoint() -> String? {
        currentName().map { TrainingCheckpoint.join(directory, $0) }
    }

    /// Removes every checkpoint but the one `latest` names. A run killed after pointing
    /// `latest` at a new checkpoint and before removing the old one leaves the old one behind;
    /// a resumed run that saves no further checkpoint would otherwise keep it for good.
    public func removeStaleCheckpoints() throws {
        guard let name = currentName(), Self.isCheckpointName(name) else { return }
        try removeStaleCheckpoints(keeping: name)
    }

    /// The name `latest` holds, if it exists.
    private func currentName() -> String? {
        let pointer = TrainingCheckpoint.join(directory, TrainingCheckpoint.pointerName)
        guard let data = FileManager.default.contents(atPath: pointer) else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
