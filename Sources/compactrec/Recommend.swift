import ArgumentParser
import CompactRec
import Foundation

struct Recommend: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recommend the next items for a history of original item ids.")

    @Option(help: "Model directory written by 'compactrec train --output'.") var model: String
    @Option(help: "Item ids, oldest first, separated by spaces or commas, e.g. \"12 7 31\".") var history: String
    @Option(help: "How many items to recommend.") var top = 10
    @Flag(help: "Do not recommend items already in the history.") var excludeHistory = false
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top must be at least 1") }
    }

    func run() throws {
        runtime.apply()
        let recommender = Recommender(bundle: try ModelBundle.readNotingUncheckedFiles(from: model), threadsPerCall: Parallel.threads)
        let tokens = history.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }).map(String.init)
        let answer = recommender.recommend(history: tokens, count: top, excludingHistory: excludeHistory)
        let unknown = answer.unknown, known = tokens.filter { recommender.bundle.vocabulary.index(of: $0) != nil }
        if runtime.json {
            Output.json([
                "recommendations": answer.items.map { ["item": $0.id, "score": Double($0.score)] as [String: Any] },
                "unknown_items": unknown, "history_used": known,
            ])
            return
        }
        if !unknown.isEmpty {
            Output.standardError("not in the model's catalogue, ignored: \(unknown.joined(separator: " "))")
        }
        if known.isEmpty { Output.standardError("no known item in the history: recommending for an empty history") }
        print("rank\titem\tscore")
        for (i, item) in answer.items.enumerated() { print("\(i + 1)\t\(item.id)\t\(String(format: "%.4f", item.score))") }
    }
}
