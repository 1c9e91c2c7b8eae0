import Foundation
import CompactRecTestSupport
import Testing

/// `--json` outputs speak one way: numbers as numbers, snake_case keys, nothing missing as "".
@Suite("--json outputs", .enabled(if: CompactRecExecutable.path != nil, "\(CompactRecExecutable.missing)"))
struct JSONOutputTests {
    /// Every key of `value`, at any depth, with its path.
    static func keys(of value: Any, at path: String = "") -> [String] {
        if let object = value as? [String: Any] {
            return object.flatMap { key, value in [path + key] + keys(of: value, at: path + key + ".") }
        }
        if let array = value as? [Any] { return array.flatMap { keys(of: $0, at: path) } }
        return []
    }

    @Test func inspectGivesCountsAsNumbersAndSnakeCaseKeys() throws {
        let directory = try DataTestDirectory()
        let model = try RecommendCommandTests.trainedModel(in: directory)
        let run = try CompactRecExecutable.run(["inspect", "--model", model, "--json"], logPrefix: directory.path("inspect"))
        #expect(run.code == 0, "\(run.error)")
        let object = try RecommendCommandTests.json(run.output)
        let data = try #require(object["data"] as? [String: Any])
        // 30 users of 8 items, cut into windows of T + 1 = 6 items: 2 each.
        #expect(data["training_sequences"] as? Int == 60, "\(data)")
        #expect(data["test_path"] is NSNull, "\(data)")
        // hr@10 and the like are metric names, not key styles; a capital letter is camelCase.
        let camel = Self.keys(of: object).filter { $0.contains(where: \.isUppercase) }
        #expect(camel.isEmpty, "\(camel)")
    }

    @Test func oneThreadIsSingular() throws {
        let directory = try DataTestDirectory()
        let data = try directory.write("pairs.txt", (0..<240).map { "\($0 / 8) \(($0 * 7) % 11 + 1)\n" }.joined())
        let run = try CompactRecExecutable.run(
            ["train", "--data", data, "--embedding-size", "8", "--dilations", "1", "--max-len", "5", "--epochs", "1",
             "--threads", "1", "--no-save"], logPrefix: directory.path("train"))
        #expect(run.code == 0, "\(run.error)")
        #expect(run.error.contains(", 1 thread\n"), "\(run.error)")
    }
}
