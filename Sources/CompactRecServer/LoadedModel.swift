import CompactRecRuntime
import Foundation

/// A bundle read, checked and ready to answer, with the identity the API reports.
///
/// Shared by every request that started while it was the current model; a reload makes a new
/// one and leaves this one to the requests still holding it.
public final class LoadedModel: Sendable {
    /// Answers histories of original ids, from any number of threads at once.
    public let recommender: Recommender
    /// The bundle id: the first 16 hexadecimal digits of the SHA-256 of `config.json` (which
    /// records the SHA-256 of every other file of the bundle); for a version-1 bundle, which
    /// records none, of `config.json`, `items.tsv` and `model.safetensors` together.
    public let id: String
    /// The directory it was read from.
    public let directory: String
    /// Items a request may ask for: the catalogue, padding excluded.
    public let catalogueSize: Int
    /// Why the bundle's files could not be checked against digests, if they could not.
    public let unverifiedReason: String?
    /// The body of `GET /v1/model`.
    let summaryJSON: [UInt8]

    /// Reads the bundle in `directory` (`ModelBundle.read` checks each file against its recorded
    /// SHA-256, the configuration and every tensor), then asks it for one answer and checks that
    /// every score is a finite log-probability.
    /// - Throws: `InputError` naming the file and what is wrong, or `ModelCheckError`.
    public static func load(from directory: String, threadsPerCall: Int = 1) throws -> LoadedModel {
        let bundle = try ModelBundle.read(from: directory)
        let id = try bundleId(directory: directory, verified: bundle.unverifiedReason == nil)
        let model = LoadedModel(bundle: bundle, id: id, directory: directory, threadsPerCall: threadsPerCall)
        let trial = model.recommender.recommend(history: [], count: min(10, model.catalogueSize))
        guard trial.items.count == min(10, model.catalogueSize),
              trial.items.allSatisfy({ $0.score.isFinite && $0.score <= 0 })
        else {
            throw ModelCheckError(message: "\(directory): the model's answer for an empty history is not \(min(10, model.catalogueSize)) items "
                                      + "with finite log-probabilities (scores: \(trial.items.map(\.score)))")
        }
        return model
    }

    /// The last request holding a replaced model has ended: give its memory back (`FreedMemory`).
    deinit { FreedMemory.returnToSystem() }

    /// A model already in memory (no files): its id is the one given.
    public init(bundle: ModelBundle, id: String, directory: String, threadsPerCall: Int = 1) {
        recommender = Recommender(bundle: bundle, threadsPerCall: threadsPerCall)
        self.id = id
        self.directory = directory
        catalogueSize = bundle.vocabulary.count - 1
        unverifiedReason = bundle.unverifiedReason
        summaryJSON = Self.summary(bundle: bundle, id: id, directory: directory)
    }

    private static func bundleId(directory: String, verified: Bool) throws -> String {
        let files = verified ? ["config.json"] : ["config.json", "items.tsv", "model.safetensors"]
        var hash = SHA256()
        for name in files {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ModelCheckError(message: "\(path): cannot read it again to compute the bundle id")
            }
            data.withUnsafeBytes { hash.update($0) }
        }
        return hash.finalize().prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// Configuration, items, parameters and bytes per component, precision and bundle id.
    private static func summary(bundle: ModelBundle, id: String, directory: String) -> [UInt8] {
        // A reduced-precision bundle's quantized tables are not parameters: count them from the configuration.
        let accounting = bundle.configuration.precision == nil
            ? ParameterAccounting(model: bundle.model) : ParameterAccounting(configuration: bundle.configuration.model)
        let bytes = ByteAccounting(bundle: bundle)
        var object: [String: Any] = [
            "model": id,
            "directory": directory,
            "format_version": bundle.configuration.version,
            "verified": bundle.unverifiedReason == nil,
            "items": bundle.vocabulary.count - 1,
            "max_history_read": bundle.configuration.model.maxLength,
            "precision": bundle.configuration.precision?.summary ?? "float32",
            "parameters": ["input": accounting.input, "middle": accounting.middle, "output": accounting.output,
                           "total": accounting.total],
            "bytes": ["input": bytes.input, "middle": bytes.middle, "output": bytes.output, "total": bytes.total,
                      "uncompressed_float32": bytes.uncompressedFloat32],
            "bytes_ratio": bytes.ratio,
            "compression_ratio": accounting.compressionRatio,
            "score": "log-probability of the item as the next one (<= 0; exp(score) is its probability)",
            "data": bundle.configuration.data,
            "metrics": bundle.configuration.metrics ?? [:],
        ]
        if let reason = bundle.unverifiedReason { object["note"] = reason }
        if let data = try? JSONEncoder().encode(bundle.configuration.model),
           let configuration = try? JSONSerialization.jsonObject(with: data)
        {
            object["configuration"] = configuration
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Array(data)
    }
}

/// A bundle that read without error but does not answer as a model must.
public struct ModelCheckError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
