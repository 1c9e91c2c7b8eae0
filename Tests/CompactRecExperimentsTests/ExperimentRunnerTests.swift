import Foundation
import CompactRecTestSupport
import Testing

@testable import CompactRec
@testable import CompactRecRuntime
@testable import CompactRecExperiments

@Suite("ExperimentRunner")
struct ExperimentRunnerTests {
    private func lines(_ path: String) throws -> [String] {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    @Test func theTinyPlanRunsRecordsResumesAndRedoesAHalfWrittenRun() throws {
        let directory = try DataTestDirectory()
        try ExperimentTestSupport.writeUserSequences(in: directory)
        let planPath = try directory.write("plan.json", ExperimentTestSupport.tinyPlan())
        let plan = try ExperimentPlan.load(path: planPath)
        let output = directory.path("out")
        let runner = ExperimentRunner(plan: plan, outputDirectory: output)
        runner.saveBundles = true

        var started: [Int] = [], finished: [String] = [], epochs = 0
        let summary = try runner.run { event in
            switch event {
            case let .started(index, total, _, eta):
                #expect(total == 2 && (index == 1) == (eta == nil))
                started.append(index)
            case .epoch: epochs += 1
            case let .finished(_, _, result, seconds):
                #expect(seconds > 0)
                finished.append(result.key)
            case let .failed(_, _, _, error): Issue.record("run failed: \(error)")
            case .repaired: Issue.record("nothing to repair in a new folder")
            case .skipped: Issue.record("no other process runs this plan")
            }
        }
        #expect(started == [1, 2] && epochs == 2 && finished == plan.runs.map(\.key))
        #expect(summary.total == 2 && summary.alreadyFinished == 0 && summary.failed.isEmpty && summary.repairedBytes == 0)

        let written = try lines(runner.resultsPath)
        #expect(written.count == 3 && written[2].isEmpty)  // two records, each ending in a newline
        let results = try ResultsStore.read(path: runner.resultsPath).results
        #expect(results == summary.finished)

        // 39 items + padding; C = 8, k = 3, two blocks: the uncompressed formula of METHODS §6.
        let full = results[0], cprec = results[1]
        let N = 40, C = 8, middle = 2 * (2 * (3 * C * C + C) + 2 * 2 * C)
        #expect(full.items == 39 && full.testCases == 80 && full.length == 8 && full.seed == 1)
        #expect(full.paramsInput == N * C && full.paramsMiddle == middle && full.paramsOutput == C * N + N)
        #expect(full.params == 320 + 864 + 360 && full.params == full.paramsUncompressed)
        #expect(full.compressionRatio == 1 && full.bytes == 4 * 1544)
        // Cross-layer sharing keeps one convolution set: k·C·C + C, plus four LayerNorms of 2C.
        #expect(cprec.paramsMiddle == (3 * C * C + C) + 2 * 2 * 2 * C && cprec.paramsUncompressed == 1544)
        #expect(cprec.compressionRatio == 1544 / Double(cprec.params) && cprec.params < 1544)
        #expect(cprec.settings.model.sharing == "cross-layer" && cprec.settings.model.cutoffs == "10,25" && cprec.settings.model.embeddingSize == 8)
        for result in results {
            #expect(result.epochs == 1 && result.epochSeconds.count == 1 && result.bestEpoch == 1 && result.finalLoss.isFinite)
            // The learning curve: the one epoch's loss and time as the record's own, no validation held out.
            let curve = try #require(result.learningCurve)
            #expect(curve.map(\.epoch) == [1] && curve[0].loss == result.finalLoss && curve[0].seconds == result.epochSeconds[0])
            #expect(curve[0].validation == nil)
            #expect(result.build == BuildInfo.current && result.build?.version == BuildInfo.compactRecVersion)
            #expect(result.recommendRequests == 10 && result.recommendLatencyP50Ms > 0 && result.evalUsersPerSecond > 0)
            let hr = [5, 10, 20].map { result.metrics["hr@\($0)"]! }
            #expect(hr[0] <= hr[1] && hr[1] <= hr[2] && hr[2] <= 1 && result.metrics.count == 9)
            #expect(result.machine.threads == Parallel.threads && result.plan == "tiny" && result.dataPath == "users.txt")
            let bundle = try ModelBundle.read(from: "\(output)/runs/\(result.key)")
            #expect(bundle.configuration.model.maxLength == 8 && bundle.configuration.metrics == result.metrics)
        }

        // Again: everything is done.
        var again = 0
        let resumed = try runner.run { if case .started = $0 { again += 1 } }
        #expect(again == 0 && resumed.alreadyFinished == 2 && resumed.finished.isEmpty)
        #expect(try runner.pendingRuns().isEmpty)

        // Killed while writing the second line: half of it is on disk, without its newline.
        let firstLine = written[0]
        let bytes = try Data(contentsOf: URL(fileURLWithPath: runner.resultsPath))
        let cut = firstLine.utf8.count + 1 + written[1].utf8.count / 2
        try bytes.prefix(cut).write(to: URL(fileURLWithPath: runner.resultsPath))
        let partial = try ResultsStore.read(path: runner.resultsPath)
        #expect(partial.results.map(\.key) == [full.key] && partial.droppedPartialBytes == cut - firstLine.utf8.count - 1)
        #expect(try runner.pendingRuns().map(\.index) == [2])

        var redone: [Int] = [], repairs: [Int] = []
        let repaired = try runner.run { event in
            switch event {
            case let .started(index, _, _, _): redone.append(index)
            case let .repaired(path, bytes):
                #expect(path == runner.resultsPath && redone.isEmpty)
                repairs.append(bytes)
            default: break
            }
        }
        #expect(redone == [2] && repaired.alreadyFinished == 1 && repaired.repairedBytes == partial.droppedPartialBytes)
        #expect(repairs == [partial.droppedPartialBytes])
        let after = try lines(runner.resultsPath)
        #expect(after.count == 3 && after[0] == firstLine && after[2].isEmpty)
        let final = try ResultsStore.read(path: runner.resultsPath)
        #expect(final.droppedPartialBytes == 0 && final.results.map(\.key) == [full.key, cprec.key])
        // Same seed, data and threads: the run done again measures the same model.
        #expect(final.results[1].metrics == cprec.metrics && final.results[1].params == cprec.params)
    }

    @Test func aTornLineLeftBetweenTwoRunsIsCutOffBeforeTheNextResultIsAppended() throws {
        let directory = try DataTestDirectory()
        try ExperimentTestSupport.writeUserSequences(in: directory, users: 30)
        let plan = try ExperimentPlan.load(path: try directory.write("plan.json", ExperimentTestSupport.tinyPlan()))
        let runner = ExperimentRunner(plan: plan, outputDirectory: directory.path("out"))
        var repairs: [Int] = []
        let summary = try runner.run { event in
            switch event {
            case .finished(index: 1, _, _, _):
                // As an append that failed part-way, here or in another process, leaves it.
                let handle = try! FileHandle(forWritingTo: URL(fileURLWithPath: runner.resultsPath))
                try! handle.seekToEnd()
                try! handle.write(contentsOf: Data("{\"key\": \"torn".utf8))
                try! handle.close()
            case let .repaired(_, bytes): repairs.append(bytes)
            default: break
            }
        }
        #expect(repairs == [13] && summary.repairedBytes == 13 && summary.failed.isEmpty)
        let store = try ResultsStore.read(path: runner.resultsPath)
        #expect(store.results.map(\.key) == plan.runs.map(\.key) && store.droppedPartialBytes == 0)
    }

    @Test func aRunThatCannotBeBuiltFailsAloneAndIsNotRecorded() throws {
        let directory = try DataTestDirectory()
        try ExperimentTestSupport.writeUserSequences(in: directory, users: 30)
        let planPath = try directory.write("plan.json", ExperimentTestSupport.tinyPlan(extraConfigurations: [
            #"{"name": "bad", "outputLayer": "tree-softmax", "cutoffs": "500"}"#,
        ]))
        let plan = try ExperimentPlan.load(path: planPath)
        let runner = ExperimentRunner(plan: plan, outputDirectory: directory.path("out"))
        let summary = try runner.run()
        #expect(summary.finished.map(\.configuration) == ["full", "cprec"] && summary.failed.count == 1)
        let error = try #require(summary.failed.first?.error as? InputError)
        #expect(error.source == planPath && error.location == "configurations[2].cutoffs (bad)")
        #expect(try ResultsStore.read(path: runner.resultsPath).results.count == 2)
        #expect(try runner.pendingRuns().map(\.run.configuration.name) == ["bad"])
    }

    @Test func aDataSetWithWindowsTrainsOnItsHistoriesCutIntoWindows() throws {
        let directory = try DataTestDirectory()
        try ExperimentTestSupport.writeUserSequences(in: directory, users: 30)
        let windowed = ExperimentTestSupport.tinyPlan()
            .replacingOccurrences(of: #""format": "user-seq"}"#, with: #""format": "user-seq", "windows": true}"#)
            .replacingOccurrences(of: #""lengths": [8]"#, with: #""lengths": [3]"#)
        let plan = try ExperimentPlan.load(path: try directory.write("plan.json", windowed))
        let summary = try ExperimentRunner(plan: plan, outputDirectory: directory.path("out")).run()
        // Histories of 5–10 items lose their last to the test case; 4–9 training items at T = 3.
        let data = try SequenceDataset.load(path: directory.path("users.txt"), format: .userSeq, validation: false)
        let expected = data.train.reduce(0) { $0 + Batching.trainingWindows($1, length: 3).count }
        #expect(expected > data.train.count)
        #expect(summary.finished.count == 2 && summary.finished.allSatisfy { $0.trainingSequences == expected })
        #expect(summary.finished.allSatisfy { $0.evaluationProtocol.contains("windows of 4 items") })
    }

    @Test func aClaimIsExclusiveUntilReleasedOrItsHolderIsGone() throws {
        let directory = try DataTestDirectory()
        let path = directory.path("run.lock")
        let first = try #require(try RunClaim.take(path: path))
        #expect(try RunClaim.take(path: path) == nil)
        first.release(removingFile: true)
        #expect(!FileManager.default.fileExists(atPath: path))
        // A holder that goes away without removing its file (as a killed process would) leaves it free.
        do { _ = try #require(try RunClaim.take(path: path)) }
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(try RunClaim.take(path: path) != nil)
    }

    @Test func aRunClaimedByAnotherProcessIsSkippedAndDoneByALaterCall() throws {
        let directory = try DataTestDirectory()
        try ExperimentTestSupport.writeUserSequences(in: directory, users: 30)
        let plan = try ExperimentPlan.load(path: try directory.write("plan.json", ExperimentTestSupport.tinyPlan()))
        let runner = ExperimentRunner(plan: plan, outputDirectory: directory.path("out"))
        try createDirectories(atPath: runner.claimsDirectory)
        let held = plan.runs[0]
        // Another process is running the first run: it holds its claim.
        let other = try #require(try RunClaim.take(path: runner.claimPath(held)))
        #expect(try runner.isClaimedElsewhere(held) && !(try runner.isClaimedElsewhere(plan.runs[1])))
        var skipped: [Int] = []
        let first = try runner.run { if case let .skipped(index, _, _) = $0 { skipped.append(index) } }
        #expect(skipped == [1] && first.skipped.map(\.key) == [held.key] && first.finished.map(\.key) == [plan.runs[1].key])
        other.release(removingFile: true)
        let second = try runner.run()
        #expect(second.skipped.isEmpty && second.finished.map(\.key) == [held.key] && second.alreadyFinished == 1)
        #expect(try ResultsStore.read(path: runner.resultsPath).results.map(\.key).sorted() == plan.runs.map(\.key).sorted())
        // No claim files are left behind by finished runs.
        #expect(try FileManager.default.contentsOfDirectory(atPath: runner.claimsDirectory).filter { $0 != "results.lock" }.isEmpty)

        // Another process finishes the second run while this one does the first: the results are
        // read again once a claim is taken, so the second is not done twice.
        let fresh = ExperimentRunner(plan: plan, outputDirectory: directory.path("fresh"))
        var store = try ResultsStore.read(path: fresh.resultsPath)
        let raced = try fresh.run { event in
            if case let .finished(_, _, result, _) = event, result.key == held.key {
                var record = result
                record.key = plan.runs[1].key
                _ = try? store.append(record)
            }
        }
        #expect(raced.finished.map(\.key) == [held.key] && raced.skipped.map(\.key) == [plan.runs[1].key])
        #expect(try ResultsStore.read(path: fresh.resultsPath).results.count == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: fresh.claimsDirectory) == ["results.lock"])
    }

    @Test func aBrokenLineBeforeTheLastIsAnErrorNamingTheLine() throws {
        let directory = try DataTestDirectory()
        let record = try ExperimentTestSupport.result(configuration: "a", seed: 1, params: 10, ndcg10: 0.1, hr10: 0.2, mrr10: 0.05,
                                                      trainingSeconds: 1, evalUsersPerSecond: 10, latency: 1).jsonLine()
        let path = try directory.write("results.jsonl", record + "\n{\"key\": 1}\n" + record + "\n")
        ExperimentTestSupport.expectInputError(source: path, location: "line 2", containing: "not a run record") {
            _ = try ResultsStore.read(path: path)
        }
        let missing = try ResultsStore.read(path: directory.path("none.jsonl"))
        #expect(missing.results.isEmpty && missing.droppedPartialBytes == 0)
    }

    @Test func theMedianOfSortedLatencies() {
        #expect(RecommendLatency.median([1, 2, 9]) == 2)
        #expect(RecommendLatency.median([1, 2, 4, 9]) == 3)
        #expect(RecommendLatency.median([]).isNaN)
    }
}
