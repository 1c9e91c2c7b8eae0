import Foundation
import CompactRecTestSupport
import Testing

@testable import CompactRec
@testable import CompactRecRuntime
@testable import CompactRecExperiments

@Suite("compactrec experiment, the executable", .enabled(if: CompactRecExecutable.path != nil, "\(CompactRecExecutable.missing)"))
struct ExperimentCommandTests {
    private static func plan(in directory: DataTestDirectory) throws -> String {
        try directory.write("a.txt", "1 1\n1 2\n1 3\n")
        return try directory.write("plan.json", """
            {"name": "grid", "datasets": [{"name": "a", "path": "a.txt", "format": "pairs"}], "lengths": [10, 20],
             "configurations": [{"name": "base"}, {"name": "small", "inputEmbedding": "block-adaptive"}], "seeds": [1, 2]}
            """)
    }

    @Test func theSelectionOptionsListThePartOfTheGridTheyName() throws {
        let directory = try DataTestDirectory()
        let plan = try Self.plan(in: directory)
        let run = try CompactRecExecutable.run(
            ["experiment", "--plan", plan, "--out", directory.path("out"), "--dry-run", "--json",
             "--configuration", "small", "--seed", "2", "--length", "20"],
            logPrefix: directory.path("part"))
        #expect(run.code == 0, "\(run.error)")
        let listed = try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any]
        let keys = (listed?["runs"] as? [[String: Any]])?.compactMap { $0["key"] as? String }
        let expected = try ExperimentPlan.load(path: plan).runs
            .filter { $0.configuration.name == "small" && $0.seed == 2 && $0.length == 20 }.map(\.key)
        #expect(expected.count == 1 && keys == expected)

        let text = try CompactRecExecutable.run(
            ["experiment", "--plan", plan, "--out", directory.path("out"), "--dry-run", "--configuration", "small"],
            logPrefix: directory.path("text"))
        #expect(text.output.hasPrefix("grid: 4 of its 8 runs selected, 4 to do; results in "), "\(text.output)")

        let wrong = try CompactRecExecutable.run(
            ["experiment", "--plan", plan, "--out", directory.path("out"), "--dry-run", "--dataset", "b"],
            logPrefix: directory.path("wrong"))
        #expect(wrong.code != 0 && wrong.error.contains("--dataset: plan 'grid' has no data set b; it has a"), "\(wrong.error)")
    }

    @Test func theDryRunCountsEachStatusAndSeesARunAnotherProcessHolds() throws {
        let directory = try DataTestDirectory()
        let plan = try ExperimentPlan.load(path: try Self.plan(in: directory))
        let runner = ExperimentRunner(plan: plan, outputDirectory: directory.path("out"))
        try createDirectories(atPath: runner.claimsDirectory)
        // This test process stands for another worker running the third run.
        let held = try #require(try RunClaim.take(path: runner.claimPath(plan.runs[2])))
        defer { held.release(removingFile: true) }
        let run = try CompactRecExecutable.run(
            ["experiment", "--plan", directory.path("plan.json"), "--out", directory.path("out"), "--dry-run"],
            logPrefix: directory.path("dry"))
        #expect(run.code == 0, "\(run.error)")
        let lines = run.output.split(separator: "\n").map(String.init)
        #expect(lines.first == "grid: 8 runs, 1 running, 7 to do; results in \(runner.resultsPath)", "\(run.output)")
        #expect(lines.dropFirst().map { $0.split(separator: "\t").last.map(String.init) }
                == ["to do", "to do", "running", "to do", "to do", "to do", "to do", "to do"])
    }
}
