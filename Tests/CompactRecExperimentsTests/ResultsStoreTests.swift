import Foundation
import CompactRecTestSupport
import Testing

@testable import CompactRec
@testable import CompactRecRuntime
@testable import CompactRecExperiments

/// `results.jsonl` after an append that stopped part-way (a full disk): the torn last line is
/// skipped by reading and cut off before the next append, so the file stays readable.
@Suite struct ResultsStoreTests {
    static func record(_ configuration: String) -> RunResult {
        ExperimentTestSupport.result(
            configuration: configuration, seed: 1, params: 10, ndcg10: 0.1, hr10: 0.2, mrr10: 0.05, trainingSeconds: 1,
            evalUsersPerSecond: 10, latency: 1)
    }

    static func appendByHand(_ bytes: [UInt8], to path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(bytes))
        try handle.close()
    }

    static func contents(_ path: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
    }

    @Test(arguments: [
        37,  // part of a record, as a failed append leaves it
        10_000,  // longer than the block the tail is searched in
    ])
    func aTornLastLineIsSkippedByReadingAndCutBeforeTheNextAppend(tornBytes: Int) throws {
        let directory = try DataTestDirectory()
        let path = directory.path("results.jsonl")
        let first = Self.record("a"), lost = Self.record("b"), next = Self.record("c")
        var store = try ResultsStore.openForAppending(path: path)
        #expect(try store.append(first) == 0)
        let torn = Array(repeating: Array(try lost.jsonLine().utf8), count: 20).joined().prefix(tornBytes)
        try Self.appendByHand(Array(torn), to: path)

        let read = try ResultsStore.read(path: path)
        #expect(read.results.map(\.key) == [first.key])
        #expect(read.droppedPartialBytes == tornBytes)

        #expect(try store.append(next) == tornBytes)
        #expect(try Self.contents(path) == (try first.jsonLine()) + "\n" + (try next.jsonLine()) + "\n")
        let after = try ResultsStore.read(path: path)
        #expect(after.results.map(\.key) == [first.key, next.key])
        #expect(after.droppedPartialBytes == 0)
    }

    @Test func aFileHoldingOnlyATornLineIsCutToNothingBeforeTheAppend() throws {
        let directory = try DataTestDirectory()
        let path = try directory.write("results.jsonl", "{\"key\": \"toy-T20-a")
        var store = try ResultsStore.read(path: path)
        #expect(store.results.isEmpty && store.droppedPartialBytes == 18)
        #expect(try store.append(Self.record("c")) == 18)
        #expect(try Self.contents(path) == (try Self.record("c").jsonLine()) + "\n")
    }

    @Test func aTornLineThatAnotherLineWasWrittenAfterIsAnErrorNamingItsLine() throws {
        // What the store wrote before it cut torn lines off: the next record joined the torn one.
        let directory = try DataTestDirectory()
        let line = try Self.record("a").jsonLine()
        let path = try directory.write("results.jsonl", line + "\n" + line.prefix(30) + line + "\n")
        ExperimentTestSupport.expectInputError(source: path, location: "line 2", containing: "not a run record") {
            _ = try ResultsStore.read(path: path)
        }
    }

    @Test func theWarningNamesTheFileAndTheBytes() {
        #expect(
            ResultsStore.tornTailWarning(path: "out/results.jsonl", bytes: 37)
                == "out/results.jsonl: dropped a torn last line (37 bytes without a newline, left by a write that "
                + "stopped part-way); the run it held is not finished")
    }
}
