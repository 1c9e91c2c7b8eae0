import ArgumentParser
import CompactRec
import Foundation

struct Recommend: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recommend the next items for a history of original item ids.")

    @Option(help: "Model directory written by 'compactrec train --output'.") var model: String
    @Option(help: "Item ids, oldest first, separated by spaces or commas, e.g. \"12 7 31\".") var history: String?
    @Option(help: ArgumentHelp(
        "A file of histories, one per line (item ids as for --history; .gz read as gzip), each answered on its own.",
        discussion: "Text output is one block per line; --json prints {\"answers\": [...]}, one per line, in order."))
    var histories: String?
    @Option(help: "How many items to recommend.") var top = 10
    @Flag(help: "Do not recommend items already in the history.") var excludeHistory = false
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top must be at least 1") }
        guard (history == nil) != (histories == nil) else {
            throw ValidationError("give either --history or --histories (a file with one history per line)")
        }
    }

    /// A history's item ids: separated by spaces, commas or tabs.
    static func tokens(_ text: Substring) -> [String] {
        text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }).map(String.init)
    }

    /// Each line of `path` as a history; an empty line is an error (line number and what was expected).
    static func readHistories(_ path: String) throws -> [[String]] {
        var lines: [[String]] = []
        try TextLineReader.forEachLine(of: path) { bytes, number in
            let tokens = Self.tokens(Substring(decoding: bytes, as: UTF8.self))
            guard !tokens.isEmpty else {
                throw InputError(file: path, line: number, "an empty line; expected a history: item ids separated by spaces or commas")
            }
            lines.append(tokens)
        }
        guard !lines.isEmpty else { throw InputError(source: path, "no history; expected one history (item ids) per line") }
        return lines
    }

    func run() throws {
        runtime.apply()
        let recommender = Recommender(bundle: try ModelBundle.readNotingUncheckedFiles(from: model), threadsPerCall: Parallel.threads)
        let queries = try histories.map(Self.readHistories) ?? [Self.tokens(Substring(history ?? ""))]
        let answers = queries.map { recommender.recommend(history: $0, count: top, excludingHistory: excludeHistory) }
        func known(_ tokens: [String]) -> [String] { tokens.filter { recommender.bundle.vocabulary.index(of: $0) != nil } }
        func json(_ answer: Recommender.Answer, _ tokens: [String]) -> [String: Any] {
            ["recommendations": answer.items.map { ["item": $0.id, "score": Double($0.score)] as [String: Any] },
             "unknown_items": answer.unknown, "history_used": known(tokens)]
        }
        if runtime.json {
            Output.json(histories == nil ? json(answers[0], queries[0]) : ["answers": zip(answers, queries).map(json)])
            return
        }
        for (n, (answer, tokens)) in zip(answers, queries).enumerated() {
            let place = histories == nil ? "" : "\(histories!): line \(n + 1): "
            if histories != nil { print("\(n == 0 ? "" : "\n")history \(n + 1)") }
            if !answer.unknown.isEmpty {
                Output.standardError(place + "not in the model's catalogue, ignored: \(answer.unknown.joined(separator: " "))")
            }
            if known(tokens).isEmpty { Output.standardError(place + "no known item in the history: recommending for an empty history") }
            print("rank\titem\tscore")
            for (i, item) in answer.items.enumerated() { print("\(i + 1)\t\(item.id)\t\(String(format: "%.4f", item.score))") }
        }
    }
}
