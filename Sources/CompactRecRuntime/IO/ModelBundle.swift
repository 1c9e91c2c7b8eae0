import Foundation

/// A trained model on disk: a directory with
/// - `model.safetensors` — every distinct parameter once, under its dotted name;
/// - `config.json` — format version, model configuration, training options, data summary and
///   the SHA-256 of each file (see `BundleIntegrity`);
/// - `items.tsv` — `index  original_id  frequency`, one row per item index (0 is padding).
///
///     try ModelBundle(model: model, vocabulary: data.vocabulary, …).write(to: "runs/beauty")
///     let bundle = try ModelBundle.read(from: "runs/beauty")
public struct ModelBundle {
    public static let formatName = "compactrec-bundle"
    /// The newest bundle version this build reads and the one it writes. Version 2 nests the
    /// encoder's settings (`encoder: {kind, …}`) and records a SHA-256 of each file; version-1
    /// bundles still load, unchecked (`unverifiedReason`).
    public static let formatVersion = 2
    /// The largest weight magnitude a bundle may hold. Trained weights stay within a few units
    /// (Adam moves each by at most its learning rate per step); a value beyond this is damage,
    /// and a few such values overflow float32 in the forward pass, leaving NaN scores.
    public static let weightLimit: Float = 10_000

    public struct Configuration: Codable, Sendable {
        public var format: String
        public var version: Int
        public var model: ModelConfiguration
        public var training: TrainingOptions?
        /// Where the model was trained and how: file, format, split protocol, counts.
        public var data: [String: String]
        /// Test metrics measured right after training, if any.
        public var metrics: [String: Double]?
        /// The lower-case hexadecimal SHA-256 of each file of the bundle, by file name; nil in
        /// bundles of version 1. Filled in when the bundle is written.
        public var sha256: [String: String]?
        /// How each component is stored, and every reduced-precision tensor; nil in a bundle that
        /// is Float32 throughout (`compactrec quantize` writes it).
        public var precision: ModelPrecision?
    }

    public var model: SequentialRecommender
    public var vocabulary: Vocabulary
    public var configuration: Configuration
    /// Why the files were loaded without checking their digests (a bundle written before they
    /// were recorded), for a note to the user; nil when every file matched its recorded SHA-256,
    /// and for a bundle made in memory.
    public private(set) var unverifiedReason: String?
    /// The weights stored in reduced precision (`configuration.precision`): the quantized tables
    /// the model scores with, and the encoder's matrices as stored (the model holds them
    /// dequantized). Empty for a Float32 bundle. The writer stores these in place of the
    /// parameters of the same names.
    public var quantizedWeights: [QuantizedWeight] = []

    public init(model: SequentialRecommender, vocabulary: Vocabulary, training: TrainingOptions?,
                data: [String: String], metrics: [String: Double]? = nil) {
        precondition(vocabulary.count == model.configuration.itemCount, "vocabulary and model disagree on N")
        self.model = model
        self.vocabulary = vocabulary
        configuration = Configuration(
            format: Self.formatName, version: Self.formatVersion, model: model.configuration,
            training: training, data: data, metrics: metrics)
    }

    public static func read(from directory: String) throws -> ModelBundle {
        let configPath = path(directory, "config.json")
        guard let configData = FileManager.default.contents(atPath: configPath) else {
            throw InputError(source: configPath, "cannot read: is \(directory) a model directory written by 'compactrec train'?")
        }
        // Format and version first: a newer bundle may be laid out differently throughout, and
        // deserves "upgrade CompactRec" rather than a complaint about some field.
        struct Header: Decodable { var format: String; var version: Int }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: configData)
        } catch {
            throw InputError(source: configPath, "not a CompactRec configuration: \(error)")
        }
        guard header.format == formatName else {
            throw InputError(source: configPath, "expected format '\(formatName)', found '\(header.format)'")
        }
        guard header.version <= formatVersion else {
            throw InputError(source: configPath,
                             "bundle version \(header.version) is newer than this CompactRec reads (\(formatVersion)); upgrade CompactRec")
        }
        guard header.version >= 1 else {
            throw InputError(source: configPath, "expected a bundle version from 1 to \(formatVersion), found \(header.version)")
        }
        // The digests are checked before anything else in the files is read, so that damage is
        // reported as damage. A record is checked whatever the version says: a damaged version
        // number must not turn the check off.
        struct DigestRecord: Decodable { var sha256: [String: String]? }
        let recorded: [String: String]?
        do {
            recorded = try JSONDecoder().decode(DigestRecord.self, from: configData).sha256
        } catch {
            throw InputError(source: configPath, "not a CompactRec configuration: \(error)")
        }
        var unverifiedReason: String?
        if let recorded {
            try BundleIntegrity.verify(directory: directory, configBytes: Array(configData), recorded: recorded)
        } else if header.version >= BundleIntegrity.firstVersionWithDigests {
            throw InputError(source: configPath, location: "sha256",
                             "missing; every bundle of version \(BundleIntegrity.firstVersionWithDigests) or later records the SHA-256 of its files")
        } else {
            unverifiedReason = "\(directory) is a version-\(header.version) bundle, written before bundles recorded the SHA-256 of their files: "
                + "damage to its files cannot be detected until it is written again (ModelBundle.write, or train again)"
        }
        let configuration: Configuration
        do {
            configuration = try JSONDecoder().decode(Configuration.self, from: configData)
        } catch {
            throw InputError(source: configPath, "not a CompactRec configuration: \(error)")
        }
        do {
            try configuration.model.validate()
        } catch let error as InputError {
            throw InputError(source: configPath, location: "model", error.message)
        }
        let vocabulary = try readItems(path(directory, "items.tsv"))
        guard vocabulary.count == configuration.model.itemCount else {
            throw InputError(source: path(directory, "items.tsv"),
                             "has \(vocabulary.count) items but config.json says itemCount \(configuration.model.itemCount)")
        }
        // Reduced-precision tensors (F16, U8) and JPQ item codes (U8) are read only where the
        // configuration says they are there.
        let codesStored = configuration.model.inputEmbedding == .jpq || configuration.model.outputLayer == .jpq
        let accepted: Set<SafeTensorsDType> = configuration.precision != nil ? [.float32, .float16, .uint8, .int8]
            : codesStored ? [.float32, .uint8] : [.float32]
        let weights = try SafeTensorsFileReader.open(path: path(directory, "model.safetensors"), accepted: accepted)
        defer { weights.close() }
        // Checked from the header before the model is built, so that a config.json that lies
        // about the model's size cannot make it allocate far more than the tensor file holds;
        // small differences are left to the checks per tensor below, whose errors name the tensor.
        let expectedCount = ParameterAccounting(configuration: configuration.model).total
        // A byte of codes counts as two values (int4).
        let storedCount = weights.elementCounts.reduce(0) { $0 + ($1.key == .float32 ? $1.value : 2 * $1.value * $1.key.size) }
        guard expectedCount <= 2 * storedCount + (1 << 20) else {
            throw InputError(source: weights.path,
                             "holds \(storedCount) parameters, far fewer than the \(expectedCount) of the model config.json describes")
        }
        // Every weight comes from the file (`copyValues` requires each one), so the model is
        // built without its random initialisation.
        let (model, quantizedWeights) = try Tensor.$skipsRandomFill.withValue(true) {
            () throws -> (SequentialRecommender, [QuantizedWeight]) in
            if let precision = configuration.precision {
                return try readQuantizedModel(configuration.model, precision: precision, file: try weights.read(), configPath: configPath)
            }
            let model = SequentialRecommender(configuration: configuration.model, seed: 0)
            // The Float32 weights are read straight into the model's parameters: no second copy.
            let parameters = Dictionary(model.uniqueWeights().map { ($0.name, $0.weight.value) }, uniquingKeysWith: { a, _ in a })
            let file = try model.loadItemCodes(from: try weights.read(into: parameters))
            try file.copyValues(into: model.uniqueWeights(), unexpected: "not a parameter of the model that config.json describes",
                                limit: weightLimit)
            return (model, [])
        }
        var bundle = ModelBundle(model: model, vocabulary: vocabulary, training: configuration.training,
                                 data: configuration.data, metrics: configuration.metrics)
        bundle.configuration = configuration
        bundle.quantizedWeights = quantizedWeights
        bundle.unverifiedReason = unverifiedReason
        return bundle
    }

    static func readItems(_ file: String) throws -> Vocabulary {
        var ids: [String] = [], frequencies: [Int] = []
        var sawHeader = false
        try TextLineReader.forEachLine(of: file) { bytes, line in
            let text = String(decoding: bytes, as: UTF8.self)
            if !sawHeader {
                guard text == "index\toriginal_id\tfrequency" else {
                    throw InputError(file: file, line: line, "expected the header 'index<TAB>original_id<TAB>frequency'")
                }
                sawHeader = true
                return
            }
            let fields = text.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 3, let index = Int(fields[0]), let frequency = Int(fields[2]), frequency >= 0 else {
                throw InputError(file: file, line: line, "expected 'index<TAB>original_id<TAB>frequency' with whole numbers")
            }
            guard index == ids.count else {
                throw InputError(file: file, line: line, "expected index \(ids.count), found \(index)")
            }
            ids.append(String(fields[1]))
            frequencies.append(frequency)
        }
        guard sawHeader else {
            throw InputError(source: file, "is empty; expected the header 'index<TAB>original_id<TAB>frequency' and one line per item")
        }
        do {
            return try Vocabulary(originalIds: ids, frequencies: frequencies)
        } catch let error as InputError {
            throw InputError(source: file, location: error.location, error.message)
        }
    }

    package static func path(_ directory: String, _ name: String) -> String {
        (directory as NSString).appendingPathComponent(name)
    }
}
