import Foundation

/// One run from its specification to a trained model evaluated on the test split: what
/// `compactrec train` and every run of `compactrec experiment` do, so that the same settings
/// train the same model either way.
///
/// The stages are open for a caller with more to do between them (`train` estimates memory
/// before the model is allocated, and restores a checkpoint before training):
///
///     let run = try TrainingRun(specification, given: given, names: .planKeys)   // checked once
///     let setup = try run.setUp(try run.loadData())        // the configuration; nothing allocated
///     let session = setup.makeModel()                      // the model and its trainer
///     let outcome = try session.trainAndEvaluate()         // or all three: run.perform(data:)
public struct TrainingRun: Sendable {
    public let specification: RunSpecification
    /// The settings the user gave rather than left to their defaults.
    public let given: Set<RunSetting>
    /// What errors call the settings.
    public let names: RunSettingNames

    /// The data file.
    public let dataFile: String

    /// - Throws: ``RunSpecificationError`` for the first problem ``RunSpecification/validate(given:names:)``
    ///   finds, or for a specification without a data file.
    public init(_ specification: RunSpecification, given: Set<RunSetting>, names: RunSettingNames) throws {
        try specification.validate(given: given, names: names)
        guard let file = specification.data.file else {
            throw RunSpecificationError(.file, "\(names[.file]) is missing: a run needs a data file")
        }
        self.dataFile = file
        self.specification = specification
        self.given = given
        self.names = names
    }

    /// Reads the data file (and test file) as the specification says, as ``trainingData(_:)`` trains on it.
    /// - Throws: ``InputError`` for unreadable or malformed files.
    public func loadData() throws -> SequenceDataset {
        trainingData(try readFiles())
    }

    /// Reads the data file (and test file) as the specification says: the split, before any
    /// training windows. Runs that differ only in the model can share it.
    public func readFiles() throws -> SequenceDataset {
        let data = specification.data
        return try SequenceDataset.load(path: dataFile, testPath: data.test, format: data.format, validation: data.validation)
    }

    /// `data` as this run trains on it: with `trainWindows`, long training histories cut into
    /// windows of T + 1 items. A caller that loads the data once for many runs passes it here.
    public func trainingData(_ data: SequenceDataset) -> SequenceDataset {
        specification.training.trainWindows ? data.withTrainingWindows(length: specification.model.maxLength) : data
    }

    /// What a model bundle records of the data: its paths, format, protocol and size.
    public func dataSummary(_ data: SequenceDataset) -> [String: String] {
        ["path": dataFile, "test_path": specification.data.test ?? "", "format": data.format.rawValue,
         "protocol": data.protocolDescription, "training_sequences": String(data.train.count)]
    }

    /// The model's configuration for `data`'s catalogue and the training options; no model yet.
    /// - Throws: ``RunSpecificationError`` for settings the data rules out (cut-offs, ratios out of reach).
    public func setUp(_ data: SequenceDataset) throws -> Setup {
        let configuration = try specification.modelConfiguration(
            itemCount: data.vocabulary.count, frequencies: data.vocabulary.frequencies, given: given, names: names)
        let teacher = try specification.training.teacher.map { try TeacherSource(directory: $0, for: data, names: names) }
        return Setup(data: data, configuration: configuration, options: specification.trainingOptions, teacher: teacher,
                     distillWeight: Float(specification.training.distillWeight),
                     temperature: Float(specification.training.temperature))
    }

    /// Sets up, trains and evaluates on `data` (as ``trainingData(_:)`` gives it).
    public func perform(data: SequenceDataset, onEvent: (TrainingEvent) -> Void = { _ in }) throws -> Outcome {
        try setUp(data).makeModel().trainAndEvaluate(onEvent: onEvent)
    }

    /// A run's data, model configuration and training options.
    public struct Setup: Sendable {
        public let data: SequenceDataset
        public let configuration: ModelConfiguration
        public let options: TrainingOptions
        /// The model to distil from, with α and τ.
        public let teacher: TeacherSource?
        public let distillWeight: Float, temperature: Float

        /// The model, initialised from the seed, its item codes (JPQ) assigned from the training
        /// sequences, and its trainer (with its own replica of the teacher).
        public func makeModel() -> Session {
            let model = SequentialRecommender(configuration: configuration, seed: options.seed)
            model.assignItemCodes(sequences: data.train, seed: options.seed)
            let trainer = Trainer(model: model, options: options)
            trainer.teacher = teacher.map { Teacher(model: $0.bundle.model.replica(), weight: distillWeight, temperature: temperature) }
            return Session(setup: self, model: model, trainer: trainer)
        }
    }

    /// A run's model and its trainer, before training.
    public struct Session {
        public let setup: Setup
        public let model: SequentialRecommender
        /// Restore a checkpoint into it before training to continue that run.
        public let trainer: Trainer

        /// Trains from where the trainer stands, keeping the best validation epoch's weights,
        /// then ranks every item for each test case.
        /// - Throws: what ``Trainer/fit(train:validation:checkpoints:onEvent:)`` throws.
        public func trainAndEvaluate(checkpoints: CheckpointSchedule? = nil, onEvent: (TrainingEvent) -> Void = { _ in }) throws -> Outcome {
            let data = setup.data
            let training = try trainer.fit(train: data.train, validation: data.validation, checkpoints: checkpoints, onEvent: onEvent)
            let start = DispatchTime.now().uptimeNanoseconds
            var metrics = Evaluator.evaluate(model, cases: data.test)
            metrics.addMisses(data.unseenTestTargets)  // targets the training split never held: misses
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            return Outcome(model: model, training: training, metrics: metrics, evaluationSeconds: seconds)
        }
    }

    /// A trained model and what it scored on the test split.
    public struct Outcome {
        public let model: SequentialRecommender
        public let training: TrainingSummary
        public let metrics: RankingMetrics
        /// The time ranking took, for every test case.
        public let evaluationSeconds: Double
    }
}
