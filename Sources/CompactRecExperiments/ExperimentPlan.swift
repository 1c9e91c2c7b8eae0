import CompactRec
import Foundation

/// A grid of training runs read from a JSON plan: data sets × sequence lengths × model
/// configurations × seeds.
///
///     {
///       "name": "cprec",
///       "dataRoot": "../../shared/data",
///       "datasets": [{"name": "ml-1m", "path": "ml-1m_grec_seq20/ratings_seq20_order.txt.gz",
///                     "format": "seq", "lengths": [10, 20, 50, 100]}],
///       "lengths": [20],
///       "defaults": {"epochs": 5, "validation": false},
///       "configurations": [{"name": "nextitnet"},
///                          {"name": "cprec", "inputEmbedding": "block-adaptive", "outputLayer": "tree-softmax"}],
///       "seeds": [1, 2, 3]
///     }
///
/// `dataRoot` is resolved against the plan file's folder, and data paths against `dataRoot`
/// (or the plan's folder without one); absolute paths are kept. A data set's own `lengths`
/// replace the plan's, and its own `epochs` replace every configuration's (a data set with many
/// more sequences can then get the same number of training steps as a small one). A data set
/// with `"windows": true` trains on its long histories cut into windows of `T + 1` items. `defaults` holds settings (see ``ExperimentSettings``) that every
/// configuration starts from; a configuration's own keys must apply to its model (a default
/// applies only where it does, but must apply to some configuration). Unknown keys, wrong types, an empty grid or a missing data file
/// are ``InputError``s naming the plan file and the key. `claims` lists published results to
/// check the runs against (``PaperClaim``); they do not change the runs.
public struct ExperimentPlan: Sendable {
    public struct Dataset: Sendable, Equatable {
        public var name: String
        /// The path as the plan writes it, which identifies the data in run keys.
        public var path: String
        public var testPath: String?
        /// Where the files are on this machine.
        public var resolvedPath: String
        public var resolvedTestPath: String?
        public var format: DataFormat
        public var lengths: [Int]
        /// Replaces every configuration's `epochs` on this data set; nil keeps them.
        public var epochs: Int? = nil
        /// Cut long training histories into windows of `T + 1` items
        /// (``SequenceDataset/withTrainingWindows(length:)``); part of the run keys when true.
        public var windows = false
    }

    public struct Configuration: Sendable, Equatable {
        public var name: String
        /// The plan's defaults overridden by the configuration's own keys.
        public var settings: ExperimentSettings
        /// Its position in the plan's `configurations`, for error messages.
        public var index: Int
        /// Keys the configuration sets itself (the rest come from `defaults` or built-in defaults).
        public var ownKeys: Set<String>

        /// The settings the configuration gives itself: those a model they do not apply to
        /// refuses. Its `defaults` apply only where they apply.
        public var given: Set<RunSetting> { Set(ownKeys.compactMap(RunSetting.init(rawValue:))) }

        /// Where `key` was set: `configurations[2].cutoffs` or `defaults.cutoffs`.
        public func path(of key: String?) -> String {
            guard let key else { return "configurations[\(index)]" }
            return ownKeys.contains(key) ? "configurations[\(index)].\(key)" : "defaults.\(key)"
        }

        /// Where `key` was set and for which configuration, for error messages:
        /// `configurations[2].cutoffs (ba-tree)` or `defaults.cutoffs (used by ba-tree)`.
        public func location(of key: String?) -> String {
            guard let key, !ownKeys.contains(key) else { return "\(path(of: key)) (\(name))" }
            return "\(path(of: key)) (used by \(name))"
        }

        /// Checks the settings as ``RunSpecification/validate(given:names:)`` does, unless they
        /// name a variant this build lacks (``ExperimentPlan/checkRunnable()`` reports those).
        func validate(reader: PlanReader) throws {
            guard settings.specification.unsupportedVariant() == nil else { return }
            do {
                try settings.specification.validate(given: given, names: .planKeys)
            } catch let error as RunSpecificationError {
                throw reader.fail(path(of: error.setting?.key), error.message)
            }
        }

        /// Whether the model uses `setting` (true when the model names a variant this build lacks).
        func uses(_ setting: RunSetting) -> Bool {
            guard let input = settings.model.inputEmbedding.kind, let output = settings.model.outputLayer.kind else { return true }
            return setting.applies(input: input, output: output)
        }
    }

    /// The plan file.
    public var source: String
    public var name: String
    public var datasets: [Dataset]
    public var configurations: [Configuration]
    public var seeds: [UInt64]
    /// Single-history recommend requests timed per run.
    public var recommendRequests: Int
    /// Published results the plan's runs can be checked against (``PaperClaim``).
    public var claims: [PaperClaim] = []

    public static let topLevelKeys = [
        "name", "description", "dataRoot", "datasets", "lengths", "defaults", "configurations", "seeds",
        "recommendRequests", "claims",
    ]
    public static let datasetKeys = ["name", "description", "path", "test", "format", "lengths", "epochs", "windows"]

    /// Reads and checks the plan at `path`. `dataRoot`, when given, replaces the plan's own
    /// (relative to the working directory). With `checkFiles`, every data file must exist.
    public static func load(path: String, dataRoot: String? = nil, checkFiles: Bool = true) throws -> ExperimentPlan {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(source: path, "cannot read the plan file (missing or unreadable)")
        }
        return try parse(data, source: path, dataRoot: dataRoot, checkFiles: checkFiles)
    }

    /// Parses a plan's bytes; `source` is the plan file, whose folder relative paths start from.
    public static func parse(_ data: Data, source: String, dataRoot: String? = nil, checkFiles: Bool = true) throws -> ExperimentPlan {
        let reader = PlanReader(source: source)
        let top = try reader.object(try PlanJSON.parse(data, source: source), at: "")
        try reader.checkKeys(top, allowed: topLevelKeys, at: "")
        if let description = top["description"] { _ = try reader.string(description, at: "description") }

        let planDirectory = (source as NSString).deletingLastPathComponent
        let root: String
        if let dataRoot {
            root = dataRoot
        } else if let value = top["dataRoot"] {
            root = resolve(try reader.string(value, at: "dataRoot"), against: planDirectory)
        } else {
            root = planDirectory
        }

        let name = try top["name"].map { try reader.string($0, at: "name") }
            ?? ((source as NSString).lastPathComponent as NSString).deletingPathExtension
        let planLengths = try top["lengths"].map { try reader.integers($0, at: "lengths", minimum: 1) }

        let datasetValues = try reader.array(try reader.required(top, "datasets", at: ""), at: "datasets")
        var datasets: [Dataset] = []
        for (i, value) in datasetValues.enumerated() {
            let path = "datasets[\(i)]"
            let fields = try reader.object(value, at: path)
            try reader.checkKeys(fields, allowed: datasetKeys, at: path)
            if let description = fields["description"] { _ = try reader.string(description, at: "\(path).description") }
            let datasetName = try identifier(try reader.required(fields, "name", at: path), at: "\(path).name", reader: reader)
            if datasets.contains(where: { $0.name == datasetName }) {
                throw reader.fail("\(path).name", "data set name '\(datasetName)' is used twice; run keys need unique names")
            }
            let file = try reader.string(try reader.required(fields, "path", at: path), at: "\(path).path")
            let test = try fields["test"].map { try reader.string($0, at: "\(path).test") }
            var format = DataFormat.auto
            if let value = fields["format"] {
                let text = try reader.string(value, at: "\(path).format")
                guard let known = DataFormat(rawValue: text) else {
                    throw reader.fail("\(path).format", "unknown format '\(text)'; expected one of "
                        + DataFormat.allCases.map(\.rawValue).joined(separator: ", "))
                }
                format = known
            }
            guard let lengths = try fields["lengths"].map({ try reader.integers($0, at: "\(path).lengths", minimum: 1) }) ?? planLengths else {
                throw reader.fail("lengths", "missing required key: give 'lengths' for the plan or for \(path) (\(datasetName))")
            }
            if lengths.isEmpty {
                throw reader.fail(fields["lengths"] == nil ? "lengths" : "\(path).lengths", "empty grid: no sequence length for \(datasetName)")
            }
            let epochs = try fields["epochs"].map { try reader.integer($0, at: "\(path).epochs", minimum: 1) }
            let windows = try fields["windows"].map { try reader.bool($0, at: "\(path).windows") } ?? false
            let dataset = Dataset(
                name: datasetName, path: file, testPath: test, resolvedPath: resolve(file, against: root),
                resolvedTestPath: test.map { resolve($0, against: root) }, format: format, lengths: lengths, epochs: epochs,
                windows: windows)
            if checkFiles {
                try checkFile(dataset.resolvedPath, at: "\(path).path", reader: reader)
                if let resolvedTest = dataset.resolvedTestPath { try checkFile(resolvedTest, at: "\(path).test", reader: reader) }
            }
            datasets.append(dataset)
        }
        if datasets.isEmpty { throw reader.fail("datasets", "empty grid: no data set") }

        var defaults = ExperimentSettings()
        let defaultValues = try top["defaults"].map { try reader.object($0, at: "defaults") } ?? [:]
        for (key, value) in defaultValues.sorted(by: { $0.key < $1.key }) {
            guard let setting = RunSetting(rawValue: key), setting.isPlanConfigurationKey else {
                throw reader.fail("defaults.\(key)", "unknown key; expected one of \(ExperimentSettings.keys.joined(separator: ", "))")
            }
            try defaults.set(setting, to: value, reader: reader, at: "defaults.\(key)")
        }

        let configurationValues = try reader.array(try reader.required(top, "configurations", at: ""), at: "configurations")
        var configurations: [Configuration] = []
        for (i, value) in configurationValues.enumerated() {
            let path = "configurations[\(i)]"
            let fields = try reader.object(value, at: path)
            let configurationName = try identifier(try reader.required(fields, "name", at: path), at: "\(path).name", reader: reader)
            if configurations.contains(where: { $0.name == configurationName }) {
                throw reader.fail("\(path).name", "configuration name '\(configurationName)' is used twice; run keys need unique names")
            }
            var settings = defaults
            var ownKeys = Set<String>()
            for (key, setting) in fields.sorted(by: { $0.key < $1.key }) where key != "name" {
                if key == "description" {
                    _ = try reader.string(setting, at: "\(path).description")
                    continue
                }
                guard let known = RunSetting(rawValue: key), known.isPlanConfigurationKey else {
                    throw reader.fail("\(path).\(key)", "unknown key in configuration '\(configurationName)'; expected name, description or one of "
                        + ExperimentSettings.keys.joined(separator: ", "))
                }
                try settings.set(known, to: setting, reader: reader, at: "\(path).\(key)")
                ownKeys.insert(key)
            }
            let configuration = Configuration(name: configurationName, settings: settings, index: i, ownKeys: ownKeys)
            try configuration.validate(reader: reader)
            configurations.append(configuration)
        }
        if configurations.isEmpty { throw reader.fail("configurations", "empty grid: no configuration") }
        // A default no configuration uses is a mistake, as a flag a model does not use is.
        for key in defaultValues.keys.sorted() {
            let setting = RunSetting(rawValue: key)!
            guard !configurations.contains(where: { !$0.ownKeys.contains(key) && $0.uses(setting) }) else { continue }
            throw reader.fail("defaults.\(key)", "no configuration uses it: each sets its own or has a model it does not apply to")
        }

        let seedValues = try reader.integers(try reader.required(top, "seeds", at: ""), at: "seeds", minimum: 0)
        if seedValues.isEmpty { throw reader.fail("seeds", "empty grid: no seed") }
        if Set(seedValues).count != seedValues.count { throw reader.fail("seeds", "a seed is listed twice") }
        let requests = try top["recommendRequests"].map { try reader.integer($0, at: "recommendRequests", minimum: 1) } ?? 100

        let claimValues = try top["claims"].map { try reader.array($0, at: "claims") } ?? []
        let claims = try claimValues.enumerated().map { i, value in
            try PaperClaim.parse(value, at: "claims[\(i)]", configurations: configurations.map(\.name), reader: reader)
        }

        return ExperimentPlan(
            source: source, name: name, datasets: datasets, configurations: configurations,
            seeds: seedValues.map(UInt64.init), recommendRequests: requests, claims: claims)
    }

    /// Every run, data set by data set, then length, configuration and seed. A data set's own
    /// `epochs` are written into its runs' settings, so they are part of the run keys.
    public var runs: [ExperimentRun] {
        var runs: [ExperimentRun] = []
        for dataset in datasets {
            for length in dataset.lengths {
                for var configuration in configurations {
                    if let epochs = dataset.epochs { configuration.settings.training.epochs = epochs }
                    for seed in seeds {
                        runs.append(ExperimentRun(dataset: dataset, length: length, configuration: configuration, seed: seed))
                    }
                }
            }
        }
        return runs
    }

    /// Throws for the first configuration naming a setting this build cannot run, mentioning
    /// how many more there are, so a plan fails before its first run rather than hours in.
    public func checkRunnable() throws {
        let problems = configurations.compactMap { c in c.settings.specification.unsupportedVariant().map { (c, $0) } }
        guard let (configuration, first) = problems.first else { return }
        var message = first.message
        if problems.count > 1 {
            message += "; \(problems.count - 1) more configuration\(problems.count == 2 ? "" : "s") cannot run here either: "
                + problems.dropFirst().map { "\($0.0.name) (\($0.1.setting?.key ?? "-"))" }.joined(separator: ", ")
        }
        throw InputError(source: source, location: configuration.location(of: first.setting?.key), message)
    }

    /// Why this configuration cannot run in this build, or nil.
    public func unrunnableReason(_ configuration: Configuration) -> String? {
        configuration.settings.specification.unsupportedVariant().map {
            "\(configuration.location(of: $0.setting?.key)): \($0.message)"
        }
    }

    private static func resolve(_ path: String, against directory: String) -> String {
        let full = path.hasPrefix("/") || directory.isEmpty ? path : (directory as NSString).appendingPathComponent(path)
        return URL(fileURLWithPath: full).standardizedFileURL.path
    }

    private static func checkFile(_ path: String, at key: String, reader: PlanReader) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw reader.fail(key, "no data file at \(path)")
        }
        if isDirectory.boolValue { throw reader.fail(key, "\(path) is a folder, not a data file") }
    }

    /// Names become parts of run keys and folder names: letters, digits, '.', '_' and '-'.
    private static func identifier(_ value: PlanJSON, at path: String, reader: PlanReader) throws -> String {
        let name = try reader.string(value, at: path)
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard let first = name.first, first != ".", first != "-", name.allSatisfy(allowed.contains) else {
            throw reader.fail(path, "expected a name of letters, digits, '.', '_' and '-' (not starting with '.' or '-'), found \(name.debugDescription)")
        }
        return name
    }
}
