import Foundation
import CompactRecTestSupport
import Testing

@testable import CompactRec
@testable import CompactRecRuntime
@testable import CompactRecExperiments

/// The build recorded with every run: CompactRec's version and the source tree's git commit.
@Suite("BuildInfo")
struct BuildInfoTests {
    /// Runs git in `directory` with a fixed author; nil when it fails (or git is missing).
    @discardableResult
    static func git(_ arguments: [String], in directory: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", directory, "-c", "user.name=Test", "-c", "user.email=test@example.com"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    static let gitRuns = git(["--version"], in: "/") != nil

    @Test func aFolderThatIsNotAGitCheckoutHasAnUnknownCommit() throws {
        let directory = try DataTestDirectory()
        try directory.write("Package.swift", "// not a checkout\n")
        #expect(BuildInfo.commit(ofSourceTree: directory.url.path) == "unknown")
        #expect(BuildInfo.commit(ofSourceTree: directory.url.appendingPathComponent("missing").path) == "unknown")
    }

    @Test(.enabled(if: gitRuns)) func aCheckoutGivesItsHeadAndSaysWhenItsSourcesDifferFromIt() throws {
        let directory = try DataTestDirectory(), root = directory.url.path
        try FileManager.default.createDirectory(atPath: directory.path("Sources"), withIntermediateDirectories: true)
        try directory.write("Sources/a.swift", "let a = 1\n")
        try directory.write("notes.txt", "results\n")
        #expect(Self.git(["init", "-q"], in: root) != nil && Self.git(["add", "."], in: root) != nil)
        #expect(Self.git(["commit", "-q", "-m", "first"], in: root) != nil)
        let head = try #require(Self.git(["rev-parse", "HEAD"], in: root))
        #expect(head.count == 40 && BuildInfo.commit(ofSourceTree: root) == head)
        // A change outside the sources (results, docs) leaves the build as committed.
        try directory.write("notes.txt", "more results\n")
        #expect(BuildInfo.commit(ofSourceTree: root) == head)
        try directory.write("Sources/a.swift", "let a = 2\n")
        #expect(BuildInfo.commit(ofSourceTree: root) == head + "-modified")
    }

    @Test(.enabled(if: gitRuns)) func thisBuildIsTheVersionAndTheCommitOfItsSourceTree() throws {
        // The tests are built from this package's tree, so its HEAD is the build's commit.
        let head = try #require(Self.git(["rev-parse", "HEAD"], in: BuildInfo.sourceTree))
        #expect(BuildInfo.current.version == BuildInfo.compactRecVersion && BuildInfo.current.commit.hasPrefix(head))
        #expect(FileManager.default.fileExists(atPath: BuildInfo.sourceTree + "/Sources/CompactRecExperiments/BuildInfo.swift"))
    }

    @Test func theReportListsEachBuildWithItsRunsAndThoseWithoutOne() throws {
        func run(_ seed: UInt64, _ build: BuildInfo?) -> RunResult {
            var result = ExperimentTestSupport.result(configuration: "base", seed: seed, params: 10, uncompressed: 10, ndcg10: 0.1,
                                                      hr10: 0.2, mrr10: 0.05, trainingSeconds: 1, evalUsersPerSecond: 5, latency: 1)
            result.build = build
            return result
        }
        let build = BuildInfo(version: "0.1.0", commit: "0123456789abcdef0123456789abcdef01234567")
        let results = [run(1, nil), run(2, build), run(3, build)]
        // Records without the field read back without it; the new field is written as `build`.
        #expect(!(try results[0].jsonLine()).contains("build"))
        #expect(try results[1].jsonLine().contains(#""build":{"commit":"0123456789abcdef0123456789abcdef01234567","version":"0.1.0"}"#))
        let lines = ExperimentReport(results: results).markdown().split(separator: "\n").map(String.init)
        #expect(lines.contains("- build: not recorded (1 run, made before results kept it)"))
        #expect(lines.contains("- build: CompactRec 0.1.0, commit 0123456789abcdef0123456789abcdef01234567 (2 runs)"))
    }
}
