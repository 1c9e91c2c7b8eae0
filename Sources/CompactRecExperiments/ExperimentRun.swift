import CompactRec
import Foundation

/// One cell of a plan's grid: a data set, a sequence length, a configuration and a seed.
public struct ExperimentRun: Sendable, Equatable {
    public var dataset: ExperimentPlan.Dataset
    public var length: Int
    public var configuration: ExperimentPlan.Configuration
    public var seed: UInt64

    /// Names the run in `results.jsonl` and its bundle folder, e.g.
    /// `ml-1m-T20-cprec-both-s1-3f9a02c1`: readable parts, then a fingerprint of everything that
    /// decides the result (data as the plan names it, length, every setting, seed), so a run
    /// whose configuration was edited is run again rather than taken as done.
    public var key: String {
        "\(dataset.name)-T\(length)-\(configuration.name)-s\(seed)-\(fingerprint)"
    }

    /// Eight hex digits of a 64-bit FNV-1a hash of the run's canonical description.
    public var fingerprint: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in canonicalDescription.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let text = String(hash >> 32, radix: 16)
        return String(repeating: "0", count: 8 - text.count) + text
    }

    /// Everything that decides the result, as sorted-key JSON; a description or the folder the
    /// data happens to sit in does not count.
    var canonicalDescription: String {
        struct Identity: Encodable {
            var data: String, test: String?, format: String, windows: Bool?, length: Int, settings: ExperimentSettings
            var seed: UInt64
        }
        // `windows` appears only when set, so the keys of runs without it stay as they were.
        let identity = Identity(
            data: dataset.path, test: dataset.testPath, format: dataset.format.rawValue, windows: dataset.windows ? true : nil,
            length: length, settings: configuration.settings, seed: seed)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and finite numbers cannot fail.
        return String(decoding: try! encoder.encode(identity), as: UTF8.self)
    }

    /// The whole run: its configuration's settings with the grid's data set, length and seed.
    public var specification: RunSpecification {
        var specification = configuration.settings.specification
        specification.data.file = dataset.resolvedPath
        specification.data.test = dataset.resolvedTestPath
        specification.data.format = dataset.format
        specification.model.maxLength = length
        specification.training.seed = seed
        specification.training.trainWindows = dataset.windows
        return specification
    }

    /// "ml-1m T=20 cprec-both seed 1", for progress lines.
    public var title: String { "\(dataset.name) T=\(length) \(configuration.name) seed \(seed)" }
}
