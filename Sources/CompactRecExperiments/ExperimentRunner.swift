import CompactRec
import Foundation

/// Runs a plan's grid: each run trains, evaluates on the test split with full ranking (as
/// `compactrec train` does), times single-history recommendations, and appends its
/// ``RunResult`` to `results.jsonl` in the output folder. Runs already there are skipped, so an
/// interrupted grid resumes where it stopped.
///
/// Several processes may run the same plan into the same folder at once (say one per core,
/// each with one thread): a run is claimed with a lock under `claims/` before it starts, a
/// process skips the runs another holds, and appends to `results.jsonl` take a lock too.
///
///     let summary = try ExperimentRunner(plan: plan, outputDirectory: "runs/cprec").run { event in … }
public final class ExperimentRunner {
    public enum Event {
        /// A torn last line of `results.jsonl` was cut off: before the first run, or before
        /// appending a result after an append (here or in another process) failed part-way.
        case repaired(path: String, bytes: Int)
        /// Before run `index` (1-based) of `total`; `eta` estimates the seconds left for the
        /// grid from the runs finished so far (nil before the first).
        case started(index: Int, total: Int, run: ExperimentRun, eta: Double?)
        case epoch(run: ExperimentRun, summary: EpochSummary)
        case finished(index: Int, total: Int, result: RunResult, seconds: Double)
        /// The run could not be done; the grid goes on and the run stays to be done.
        case failed(index: Int, total: Int, run: ExperimentRun, error: any Error)
        /// Another process is running it, or finished it after this one started.
        case skipped(index: Int, total: Int, run: ExperimentRun)
    }

    public struct Summary {
        /// Runs in the grid, runs found finished in `results.jsonl` before starting, and runs
        /// finished now.
        public var total: Int
        public var alreadyFinished: Int
        public var finished: [RunResult]
        public var failed: [(run: ExperimentRun, error: any Error)]
        /// Runs left to other processes running the same plan into the same folder.
        public var skipped: [ExperimentRun]
        /// Bytes of torn last lines cut off `results.jsonl`, before starting and before appends.
        public var repairedBytes: Int
        public var resultsPath: String
    }

    public let plan: ExperimentPlan
    public let outputDirectory: String
    /// Save each run's model bundle under `runs/<key>/` in the output folder.
    public var saveBundles = false

    public var resultsPath: String { (outputDirectory as NSString).appendingPathComponent("results.jsonl") }
    /// Lock files: one per run being run, and one for `results.jsonl`.
    public var claimsDirectory: String { (outputDirectory as NSString).appendingPathComponent("claims") }

    func claimPath(_ run: ExperimentRun) -> String { (claimsDirectory as NSString).appendingPathComponent(run.key + ".lock") }

    /// `body` with the results file locked against the other processes writing to it.
    private func withResultsLocked<Value>(_ body: () throws -> Value) throws -> Value {
        let lock = try RunClaim.take(path: (claimsDirectory as NSString).appendingPathComponent("results.lock"), wait: true)!
        defer { lock.release() }
        return try body()
    }

    /// Whether another process holds `run`'s claim now (for listing; it may change at once).
    public func isClaimedElsewhere(_ run: ExperimentRun) throws -> Bool {
        guard FileManager.default.fileExists(atPath: claimPath(run)) else { return false }
        guard let claim = try RunClaim.take(path: claimPath(run)) else { return true }
        claim.release()
        return false
    }

    public init(plan: ExperimentPlan, outputDirectory: String) {
        self.plan = plan
        self.outputDirectory = outputDirectory
    }

    /// The runs still to do, in grid order, with their 1-based positions in the grid.
    public func pendingRuns() throws -> [(index: Int, run: ExperimentRun)] {
        let done = try ResultsStore.read(path: resultsPath).finishedKeys
        return plan.runs.enumerated().filter { !done.contains($0.element.key) }.map { ($0.offset + 1, $0.element) }
    }

    public func run(onEvent: (Event) -> Void = { _ in }) throws -> Summary {
        try plan.checkRunnable()
        try createDirectories(atPath: claimsDirectory)
        var store = try withResultsLocked { try ResultsStore.openForAppending(path: resultsPath) }
        let done = store.finishedKeys
        let runs = plan.runs
        let pending = runs.enumerated().filter { !done.contains($0.element.key) }
        var summary = Summary(
            total: runs.count, alreadyFinished: runs.count - pending.count, finished: [], failed: [], skipped: [],
            repairedBytes: store.droppedPartialBytes, resultsPath: resultsPath)

        if store.droppedPartialBytes > 0 { onEvent(.repaired(path: resultsPath, bytes: store.droppedPartialBytes)) }

        var data: (key: String, value: SequenceDataset)?
        var spent = 0.0, timed = 0
        for (position, (offset, run)) in pending.enumerated() {
            // The claim, then a fresh look at the results: another process may have finished
            // the run since this one read them.
            let claim = try RunClaim.take(path: claimPath(run))
            if let claim, try ResultsStore.read(path: resultsPath).finishedKeys.contains(run.key) {
                claim.release(removingFile: true)
            }
            guard let claim, !claim.isReleased else {
                summary.skipped.append(run)
                onEvent(.skipped(index: offset + 1, total: runs.count, run: run))
                continue
            }
            defer { claim.release(removingFile: true) }
            let left = pending.count - position - summary.skipped.count
            let eta = timed == 0 ? nil : spent / Double(timed) * Double(left)
            onEvent(.started(index: offset + 1, total: runs.count, run: run, eta: eta))
            let start = DispatchTime.now().uptimeNanoseconds
            do {
                let trainingRun = try self.trainingRun(run)
                // Runs of one data set are consecutive; keep only its current split in memory.
                let dataKey = "\(run.dataset.name)|\(run.specification.data.validation)"
                if data?.key != dataKey {
                    data = nil
                    data = (dataKey, try trainingRun.readFiles())
                }
                let result = try perform(run, trainingRun, data: trainingRun.trainingData(data!.value)) {
                    onEvent(.epoch(run: run, summary: $0))
                }
                let cut = try withResultsLocked { try store.append(result) }
                if cut > 0 {
                    summary.repairedBytes += cut
                    onEvent(.repaired(path: resultsPath, bytes: cut))
                }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                spent += seconds
                timed += 1
                summary.finished.append(result)
                onEvent(.finished(index: offset + 1, total: runs.count, result: result, seconds: seconds))
            } catch {
                summary.failed.append((run, error))
                onEvent(.failed(index: offset + 1, total: runs.count, run: run, error: error))
            }
        }
        return summary
    }

    /// The run's training, its settings checked; a problem is named at its place in the plan.
    func trainingRun(_ run: ExperimentRun) throws -> TrainingRun {
        do {
            return try TrainingRun(run.specification, given: run.configuration.given, names: .planKeys)
        } catch let error as RunSpecificationError {
            throw InputError(source: plan.source, location: run.configuration.location(of: error.setting?.key), error.message)
        }
    }

    /// Trains, evaluates and times one run on `data` (as `trainingRun` trains on it).
    func perform(_ run: ExperimentRun, _ trainingRun: TrainingRun, data: SequenceDataset,
                 onEpoch: (EpochSummary) -> Void) throws -> RunResult {
        let outcome: TrainingRun.Outcome
        do {
            outcome = try trainingRun.perform(data: data) { event in
                if case let .epoch(summary) = event { onEpoch(summary) }
            }
        } catch let error as RunSpecificationError {
            throw InputError(source: plan.source, location: run.configuration.location(of: error.setting?.key), error.message)
        }
        let model = outcome.model, training = outcome.training, metrics = outcome.metrics
        let accounting = ParameterAccounting(model: model)
        let latencies = RecommendLatency.measure(model, histories: data.test.map(\.history), requests: plan.recommendRequests)
        if saveBundles {
            let folder = ((outputDirectory as NSString).appendingPathComponent("runs") as NSString).appendingPathComponent(run.key)
            try ModelBundle(model: model, vocabulary: data.vocabulary, training: trainingRun.specification.trainingOptions,
                            data: trainingRun.dataSummary(data), metrics: metrics.values).write(to: folder)
        }

        return RunResult(
            key: run.key, plan: plan.name, dataset: run.dataset.name, dataPath: run.dataset.path,
            testPath: run.dataset.testPath, format: data.format.rawValue, length: run.length,
            configuration: run.configuration.name, settings: run.configuration.settings, seed: run.seed,
            items: data.vocabulary.count - 1, trainingSequences: data.train.count, testCases: metrics.count,
            paramsInput: accounting.input, paramsMiddle: accounting.middle, paramsOutput: accounting.output,
            params: accounting.total, paramsUncompressed: accounting.uncompressedTotal,
            compressionRatio: accounting.compressionRatio, bytes: accounting.bytes,
            metrics: metrics.values, evaluationProtocol: data.protocolDescription + "; " + Evaluator.protocolSummary,
            epochs: training.epochs.count, bestEpoch: training.bestEpoch,
            finalLoss: Double(training.epochs.last?.loss ?? .nan), learningCurve: training.epochs.map(RunResult.Epoch.init),
            trainingSeconds: training.trainingSeconds,
            epochSeconds: training.epochs.map(\.seconds), sequencesPerSecond: training.sequencesPerSecond,
            evalUsersPerSecond: Double(data.test.count) / max(outcome.evaluationSeconds, 1e-9),
            recommendLatencyP50Ms: RecommendLatency.median(latencies), recommendRequests: latencies.count,
            machine: .current, build: .current, date: ISO8601DateFormatter().string(from: Date()))
    }
}

/// Times single-history top-10 recommendations, as a served model answers them.
public enum RecommendLatency {
    /// Milliseconds per request for `requests` requests over `histories` in turn, after
    /// `warmup` untimed ones; sorted ascending.
    public static func measure(_ model: SequentialRecommender, histories: [[Int32]], requests: Int, warmup: Int = 5) -> [Double] {
        guard !histories.isEmpty, requests > 0 else { return [] }
        var latencies: [Double] = []
        latencies.reserveCapacity(requests)
        for i in 0..<(warmup + requests) {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = model.recommend(history: histories[i % histories.count], count: 10)
            if i >= warmup { latencies.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6) }
        }
        return latencies.sorted()
    }

    /// The median of sorted values (the mean of the middle two for an even count); NaN for none.
    public static func median(_ sorted: [Double]) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
