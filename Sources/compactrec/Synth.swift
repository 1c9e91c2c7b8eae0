import ArgumentParser
import CompactRec
import Foundation

struct Synth: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a seeded synthetic interaction file (seq format) over a Zipf catalogue of any size.",
        discussion: """
            Popularity is Zipf (rank r drawn ∝ 1/r^s, ids shuffled); each next item follows one of \
            the previous item's fixed successors with probability --follow, else is a fresh draw. \
            Train or benchmark on it with --format seq.
            """)

    @Option(help: "Items in the catalogue.") var items: Int
    @Option(help: "Users (lines).") var users: Int
    @Option(help: "Mean history length (at least 3).") var meanLength: Double = 10
    @Option(name: .customLong("zipf"), help: "Zipf exponent s of item popularity (0: uniform).") var zipfExponent: Double = 1
    @Option(help: "Probability that the next item is one of the previous item's successors.") var follow: Double = 0.5
    @Option(help: "Successors per item.") var successors: Int = 8
    @Option(help: "Random seed: the same settings and seed give the same file.") var seed: UInt64 = 1
    @Option(help: "The file to write (plain text; an existing file is replaced).") var output: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        guard !output.hasSuffix(".gz") else {
            throw InputError(source: "--output", "synth writes plain text; name a file without .gz (and gzip it afterwards if you like)")
        }
        var catalogue = SyntheticCatalogue(items: items, users: users)
        catalogue.meanLength = meanLength
        catalogue.zipfExponent = zipfExponent
        catalogue.follow = follow
        catalogue.successors = successors
        catalogue.seed = seed
        let (text, summary) = try catalogue.generate()
        try writeAtomically(text, to: output)
        if json {
            Output.json(["output": output, "users": summary.users, "interactions": summary.interactions,
                         "items": items, "distinct_items": summary.distinctItems, "top_fifth_share": summary.topFifthShare,
                         "bytes": text.count, "seed": Int(seed)])
            return
        }
        print("wrote \(output): \(summary.users) users, \(summary.interactions) interactions, "
              + "\(summary.distinctItems) of \(items) items occur; the top 20 % of items hold "
              + String(format: "%.1f %%", 100 * summary.topFifthShare) + " of interactions")
    }
}
