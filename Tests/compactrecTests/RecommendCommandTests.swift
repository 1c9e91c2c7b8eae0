import Foundation
import CompactRecTestSupport
import Testing

/// `recommend --histories FILE` answers each line as `recommend --history LINE` does, and names
/// the file and line of a line it cannot read.
@Suite("compactrec recommend", .enabled(if: CompactRecExecutable.path != nil, "\(CompactRecExecutable.missing)"))
struct RecommendCommandTests {
    static func json(_ output: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
    }

    static func recommendations(_ answer: [String: Any]) -> [[String: Any]] {
        answer["recommendations"] as? [[String: Any]] ?? []
    }

    static func trainedModel(in directory: DataTestDirectory) throws -> String {
        let data = try directory.write("pairs.txt", (0..<240).map { "\($0 / 8) \(($0 * 7) % 11 + 1)\n" }.joined())
        let model = directory.path("model")
        let run = try CompactRecExecutable.run(
            ["train", "--data", data, "--embedding-size", "8", "--dilations", "1", "--max-len", "5", "--epochs", "1",
             "--quiet", "--output", model], logPrefix: directory.path("train"))
        #expect(run.code == 0, "\(run.error)")
        return model
    }

    @Test func aFileOfHistoriesIsAnsweredLineByLineAsSingleHistories() throws {
        let directory = try DataTestDirectory()
        let model = try Self.trainedModel(in: directory)
        let lines = ["1 8 4", "11,3", "5\t2 99", "7"]
        let file = try directory.write("histories.txt", lines.joined(separator: "\n") + "\n")
        let batch = try CompactRecExecutable.run(
            ["recommend", "--model", model, "--histories", file, "--top", "4", "--json"], logPrefix: directory.path("batch"))
        #expect(batch.code == 0, "\(batch.error)")
        let answers = try #require(try Self.json(batch.output)["answers"] as? [[String: Any]])
        #expect(answers.count == lines.count)
        for (n, line) in lines.enumerated() {
            let single = try CompactRecExecutable.run(
                ["recommend", "--model", model, "--history", line, "--top", "4", "--json"], logPrefix: directory.path("single-\(n)"))
            #expect(single.code == 0, "\(single.error)")
            let one = try Self.json(single.output)
            let items = { (answer: [String: Any]) in Self.recommendations(answer).compactMap { $0["item"] as? String } }
            let scores = { (answer: [String: Any]) in Self.recommendations(answer).compactMap { $0["score"] as? Double } }
            #expect(items(answers[n]) == items(one), "line \(n + 1)")
            #expect(items(one).count == 4)
            #expect(scores(answers[n]) == scores(one), "line \(n + 1)")
            #expect(answers[n]["unknown_items"] as? [String] == one["unknown_items"] as? [String])
        }
        #expect(answers[2]["unknown_items"] as? [String] == ["99"])
    }

    @Test func anEmptyLineIsRefusedWithItsFileAndLine() throws {
        let directory = try DataTestDirectory()
        let model = try Self.trainedModel(in: directory)
        let file = try directory.write("histories.txt", "1 2\n\n3\n")
        let run = try CompactRecExecutable.run(["recommend", "--model", model, "--histories", file],
                                               logPrefix: directory.path("empty"))
        #expect(run.code != 0)
        #expect(run.output.isEmpty)
        #expect(run.error.contains("\(file): line 2: an empty line; expected a history"), "\(run.error)")
        let both = try CompactRecExecutable.run(["recommend", "--model", model, "--histories", file, "--history", "1"],
                                                logPrefix: directory.path("both"))
        #expect(both.code != 0)
        #expect(both.error.contains("give either --history or --histories"), "\(both.error)")
    }
}
