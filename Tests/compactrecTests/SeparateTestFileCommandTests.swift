import Foundation
import CompactRecTestSupport
import Testing

/// A model trained on sessions with a separate test file: `evaluate` must score those test
/// sessions, over the model's own catalogue, and count targets never seen in training as misses.
@Suite("compactrec train and evaluate with a separate test file", .enabled(if: CompactRecExecutable.path != nil, "\(CompactRecExecutable.missing)"))
struct SeparateTestFileCommandTests {
    static func json(_ output: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
    }

    /// Training sessions over items 1…5; test sessions [1 2], [8 2 3], [3 4], [4 9]: item 8 is an
    /// unseen history item, item 9 an unseen target. With 5 items every rank is below 5, so the
    /// three rankable cases are hits at 5 and the unseen target a miss: HR@5 = 3/4 exactly.
    struct Files {
        let directory: DataTestDirectory
        let train: String, test: String, model: String

        init() throws {
            directory = try DataTestDirectory()
            train = try directory.write("train.txt", (0..<30).map { "\($0 % 5 + 1) \(($0 + 1) % 5 + 1) \(($0 + 3) % 5 + 1)\n" }.joined())
            test = try directory.write("test.txt", "1 2\n8 2 3\n3 4\n4 9\n")
            model = directory.path("model")
        }

        func trainModel() throws -> [String: Any] {
            let run = try CompactRecExecutable.run(
                ["train", "--data", train, "--test", test, "--embedding-size", "8", "--dilations", "1", "--max-len", "4",
                 "--epochs", "1", "--no-validation", "--quiet", "--json", "--output", model], logPrefix: directory.path("train"))
            #expect(run.code == 0, "\(run.error)")
            return try SeparateTestFileCommandTests.json(run.output)
        }

        func evaluate(data: String, test: String?) throws -> (code: Int32?, output: String, error: String) {
            try CompactRecExecutable.run(
                ["evaluate", "--model", model, "--data", data] + (test.map { ["--test", $0] } ?? []) + ["--json"],
                logPrefix: directory.path("evaluate"))
        }
    }

    @Test func evaluateRefusesToScoreWithoutTheModelsTestFile() throws {
        let files = try Files()
        _ = try files.trainModel()
        let run = try files.evaluate(data: files.train, test: nil)
        #expect(run.code != 0)
        #expect(run.output.isEmpty)
        #expect(run.error.contains("tested on the separate test sessions in \(files.test)"), "\(run.error)")
        #expect(run.error.contains("--data \(files.train) --test \(files.test)"), "\(run.error)")
    }

    @Test func unseenTestTargetsAreMissesInTrainAndEvaluate() throws {
        let files = try Files()
        let trained = try files.trainModel()
        #expect(trained["items"] as? Int == 5)
        #expect(trained["test_cases"] as? Int == 4)
        #expect(trained["test_targets_unseen"] as? Int == 1)
        #expect(trained["test_history_items_unseen"] as? Int == 1)
        #expect(trained["hr@5"] as? Double == 0.75)

        let all = try files.evaluate(data: files.train, test: files.test)
        #expect(all.code == 0, "\(all.error)")
        let evaluated = try Self.json(all.output)
        #expect(evaluated["test_cases"] as? Int == 4)
        #expect(evaluated["test_targets_unseen"] as? Int == 1)
        #expect(evaluated["test_history_items_unseen"] as? Int == 1)
        #expect(evaluated["hr@5"] as? Double == 0.75)
        #expect(evaluated["ndcg@10"] as? Double == trained["ndcg@10"] as? Double)

        // The three rankable cases alone (the unseen history item dropped): every mean over all
        // four cases is 3/4 of theirs.
        let seenOnly = try files.directory.write("seen.txt", "3 4\n1 2\n2 3\n")  // not counting 1, 2, 3: not user-seq
        let seen = try Self.json(try files.evaluate(data: files.train, test: seenOnly).output)
        #expect(seen["test_targets_unseen"] as? Int == 0)
        for metric in ["ndcg@10", "mrr@20"] {
            let seenValue = try #require(seen[metric] as? Double)
            let allValue = try #require(evaluated[metric] as? Double)
            #expect(abs(allValue - seenValue * 3 / 4) < 1e-12, "\(metric)")
        }
    }

    @Test func evaluatePrintsTheModelsItemCount() throws {
        let files = try Files()
        _ = try files.trainModel()
        // Two more items in the data file than the model knows: the model still ranks over its 5.
        let wider = try files.directory.write("wider.txt", try String(contentsOfFile: files.train, encoding: .utf8) + "6 7\n")
        let run = try files.evaluate(data: wider, test: files.test)
        #expect(run.code == 0, "\(run.error)")
        let protocolLine = try #require(try Self.json(run.output)["protocol"] as? String)
        #expect(protocolLine.contains("full ranking over 5 items;"), "\(protocolLine)")
    }
}
