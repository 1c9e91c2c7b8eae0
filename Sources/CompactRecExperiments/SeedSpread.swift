import CompactRec
import Foundation

extension ExperimentReport {
    /// A mean over seeds and how far the seeds lie apart: the sample standard deviation (0 for
    /// a single seed) and the lowest and highest value.
    public struct Spread: Sendable, Equatable {
        public var mean: Double
        public var deviation: Double
        public var minimum: Double
        public var maximum: Double
        public var count: Int

        public init(_ values: [Double]) {
            count = values.count
            mean = values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
            let m = mean
            deviation = values.count < 2 ? 0 : (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot()
            minimum = values.min() ?? .nan
            maximum = values.max() ?? .nan
        }

        /// (highest − lowest) / mean: how much the seeds disagree, as a share of the figure a
        /// table prints, so a difference between rows can be read against it. Nil for fewer
        /// than two seeds.
        public var relativeRange: Double? { count < 2 ? nil : (maximum - minimum) / mean }
    }

    /// Where in a table the seeds disagree most: a row (or cell) and its NDCG@10 over seeds.
    public struct LargestSeedSpread: Sendable {
        public var label: String
        public var spread: Spread

        /// The entry whose NDCG@10 seeds lie furthest apart relative to their mean; nil when
        /// no entry has two seeds.
        static func of(_ entries: [(label: String, spread: Spread)]) -> LargestSeedSpread? {
            entries.filter { $0.spread.relativeRange?.isFinite == true }
                .max { $0.spread.relativeRange! < $1.spread.relativeRange! }
                .map { LargestSeedSpread(label: $0.label, spread: $0.spread) }
        }

        /// `The seeds disagree by up to 21.3 % of the mean NDCG@10 (nextitnet: 0.0455 to 0.0564).`
        public var sentence: String {
            String(format: "The seeds disagree by up to %.1f %% of the mean NDCG@10 (", 100 * spread.relativeRange!) + label
                + String(format: ": %.4f to %.4f): read differences between entries of this table against it.", spread.minimum, spread.maximum)
        }
    }

    /// The sentence under a table on its seeds: the largest spread, or that there is none.
    static func seedSpreadSentence(_ entries: [(label: String, spread: Spread)]) -> String {
        LargestSeedSpread.of(entries)?.sentence ?? "Every entry of this table has a single seed: its seed spread is unknown."
    }

    /// A row's seed spread as its table prints it: `21.3 %`, or `–` for a single seed.
    static func formatSeedSpread(_ spread: Spread) -> String {
        spread.relativeRange.map { String(format: "%.1f %%", 100 * $0) } ?? "–"
    }
}
