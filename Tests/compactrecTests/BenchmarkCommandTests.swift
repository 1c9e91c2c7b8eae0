import Foundation
import CompactRecTestSupport
import Testing

/// `compactrec benchmark`'s counts are checked before anything is measured.
@Suite("compactrec benchmark, the executable", .enabled(if: CompactRecExecutable.path != nil, "\(CompactRecExecutable.missing)"))
struct BenchmarkCommandTests {
    @Test(arguments: [
        (["--requests", "0"], "--requests must be at least 1; got 0"),
        (["--steps", "0", "--json"], "--steps must be at least 1; got 0"),
        (["--steps=-5"], "--steps must be at least 1; got -5"),
        (["--warmup=-1"], "--warmup must be at least 0; got -1"),
        (["--eval-users", "0"], "--eval-users must be at least 1; got 0"),
        (["--batch-size", "0"], "--batch-size must be at least 1; got 0"),
    ])
    func aCountOutOfRangeIsAValidationError(flags: [String], message: String) throws {
        let directory = try DataTestDirectory()
        let data = try directory.write("pairs.txt", "u1 a\nu1 b\nu1 c\nu2 b\nu2 c\nu2 a\n")
        let run = try CompactRecExecutable.run(
            ["benchmark", "--data", data, "--embedding-size", "8", "--dilations", "1", "--max-len", "4"] + flags,
            logPrefix: directory.path("benchmark"))
        #expect(run.code == 64, "\(run.error)")
        #expect(run.output.isEmpty, "\(run.output)")
        #expect(run.error.hasPrefix("Error: \(message)\n"), "\(run.error)")
    }

    @Test func theSmallestCountsMeasure() throws {
        let directory = try DataTestDirectory()
        let data = try directory.write("pairs.txt", "u1 a\nu1 b\nu1 c\nu2 b\nu2 c\nu2 a\n")
        let run = try CompactRecExecutable.run(
            ["benchmark", "--data", data, "--embedding-size", "8", "--dilations", "1", "--max-len", "4", "--batch-size",
             "1", "--steps", "1", "--warmup", "0", "--eval-users", "1", "--requests", "1", "--json"],
            logPrefix: directory.path("benchmark"))
        #expect(run.code == 0, "\(run.error)")
        #expect(run.output.contains("\"items\":3"), "\(run.output)")
        #expect(run.output.contains("\"latency_ms_p50\":"), "\(run.output)")
    }
}
