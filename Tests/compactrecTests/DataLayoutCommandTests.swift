import Foundation
import CompactRecTestSupport
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// `compactrec train` and `evaluate` say how they read the data, on stderr and in `--json`, so a
/// file read the wrong way (timestamps taken for items) is seen at once.
@Suite("compactrec train and evaluate, the data layout", .enabled(if: CompactRecExecutable.path != nil, "\(CompactRecExecutable.missing)"))
struct DataLayoutCommandTests {
    static func json(_ output: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
    }

    @Test func trainAndEvaluatePrintTheFormatAndColumnsTheyRead() throws {
        let directory = try DataTestDirectory()
        // `user item rating timestamp` with spaces, as `tr '\t' ' '` makes of u.data: 40 users,
        // 6 ratings each over 20 items. Read as sessions it would hold 20 + 5 + 240 tokens.
        var text = ""
        for user in 0..<40 {
            for i in 0..<6 { text += "\(user) \((user + i) % 20) \(i % 5 + 1) \(881_250_000 + 7 * (6 - i))\n" }
        }
        let data = try directory.write("ratings.txt", text)
        let output = directory.path("model")
        let train = try CompactRecExecutable.run(
            ["train", "--data", data, "--embedding-size", "8", "--dilations", "1,2", "--max-len", "6", "--epochs", "1",
             "--quiet", "--json", "--output", output], logPrefix: directory.path("train"))
        #expect(train.code == 0, "\(train.error)")
        #expect(train.error == "format: pairs (user=1, item=2, timestamp=4), detected\n")
        let trained = try Self.json(train.output)
        #expect(trained["format"] as? String == "pairs (user=1, item=2, timestamp=4)")
        #expect(trained["format_detected"] as? Bool == true)
        #expect(trained["items"] as? Int == 20)

        let evaluate = try CompactRecExecutable.run(
            ["evaluate", "--model", output, "--data", data, "--format", "pairs", "--json"],
            logPrefix: directory.path("evaluate"))
        #expect(evaluate.code == 0, "\(evaluate.error)")
        #expect(evaluate.error == "format: pairs (user=1, item=2, timestamp=4)\n")
        let evaluated = try Self.json(evaluate.output)
        #expect(evaluated["format"] as? String == "pairs (user=1, item=2, timestamp=4)")
        #expect(evaluated["format_detected"] as? Bool == false)
        #expect(evaluated["test_cases"] as? Int == 40)
    }

    @Test func aTestFileGetsItsOwnFormatLine() throws {
        let directory = try DataTestDirectory()
        let train = try directory.write("train.txt", (0..<30).map { "\($0 % 9 + 1) \($0 % 7 + 1) \($0 % 5 + 1)\n" }.joined())
        let test = try directory.write("test.txt", "1 2 3\n4 5\n")
        let run = try CompactRecExecutable.run(
            ["train", "--data", train, "--test", test, "--embedding-size", "8", "--dilations", "1", "--max-len", "4",
             "--epochs", "1", "--quiet", "--json", "--no-save"], logPrefix: directory.path("run"))
        #expect(run.code == 0, "\(run.error)")
        #expect(run.error == "format: seq (items=1…), detected\ntest format: seq (items=1…), detected\n")
        let object = try Self.json(run.output)
        #expect(object["test_format"] as? String == "seq (items=1…)")
        #expect(object["test_cases"] as? Int == 2)
    }
}
