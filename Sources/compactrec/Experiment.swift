import ArgumentParser
import CompactRec
import CompactRecExperiments
import Foundation

struct Experiment: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a plan's grid of training runs (data sets × lengths × configurations × seeds), one result line each.",
        discussion: """
        Each run trains, evaluates on the test split with full ranking (as 'train' does) and times \
        single-history recommendations, then appends one JSON line to DIR/results.jsonl. Runs already \
        there are skipped, so running the same command again resumes an interrupted grid; a half-written \
        last line is dropped and that run done again. Several processes may run the same command at once \
        (e.g. one per core with --threads 1): each run is claimed with a lock under DIR/claims/ first. \
        --dataset, --length, --configuration and --seed (each repeatable) run a part of the grid; its runs \
        keep their keys, so the whole plan later skips them. See Experiments/README.md for the plan format.
        """)

    @Option(help: "The plan: a JSON file (see Experiments/README.md).") var plan: String
    @Option(help: "Folder for results.jsonl (and the bundles with --save-bundles).") var out: String
    @Option(help: "Folder the plan's data paths are relative to, instead of the plan's own dataRoot.") var dataRoot: String?
    @Option(name: .customLong("dataset"), help: "Run only this data set of the plan (repeatable).") var datasets: [String] = []
    @Option(name: .customLong("length"), help: "Run only this sequence length (repeatable).") var lengths: [Int] = []
    @Option(name: .customLong("configuration"), help: "Run only this configuration (repeatable).") var configurations: [String] = []
    @Option(name: .customLong("seed"), help: "Run only this seed (repeatable).") var seeds: [UInt64] = []
    @Flag(help: "List the runs (finished, running in another process, or to do) and run nothing.") var dryRun = false
    @Flag(help: "Save each run's model bundle under DIR/runs/<key>/.") var saveBundles = false
    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        runtime.apply()
        let whole = try ExperimentPlan.load(path: self.plan, dataRoot: dataRoot)
        let selection = PlanSelection(datasets: datasets, lengths: lengths, configurations: configurations, seeds: seeds)
        let plan = try whole.selecting(selection)
        let runner = ExperimentRunner(plan: plan, outputDirectory: out)
        runner.saveBundles = saveBundles
        if dryRun { return try list(plan, runner, partOf: selection.isEverything ? nil : whole) }

        let progress = ProgressDisplay(enabled: !runtime.quiet)
        let summary = try runner.run { event in
            switch event {
            case let .repaired(path, bytes):
                Output.standardError(ResultsStore.tornTailWarning(path: path, bytes: bytes))
            case let .started(index, total, run, eta):
                progress.line("run \(index) of \(total): \(run.title), ETA \(eta.map(ProgressDisplay.duration) ?? "unknown")")
            case let .epoch(_, e):
                var text = String(format: "  epoch %d  loss %.4f  %.1fs  %.0f seq/s", e.epoch, e.loss, e.seconds, e.sequencesPerSecond)
                if let v = e.validation { text += String(format: "  valid ndcg@10 %.4f", v["ndcg@10"] ?? 0) }
                progress.line(text)
            case let .finished(_, _, r, seconds):
                progress.line(String(format: "  done in %.1fs: ndcg@10 %.4f, hr@10 %.4f, %d params (%.2fx), %.0f eval users/s, recommend p50 %.3f ms",
                                     seconds, r.metrics["ndcg@10"] ?? 0, r.metrics["hr@10"] ?? 0, r.params,
                                     r.compressionRatio, r.evalUsersPerSecond, r.recommendLatencyP50Ms))
            case let .failed(index, total, run, error):
                Output.standardError("run \(index) of \(total) failed (\(run.title)): \(error)")
            case let .skipped(index, total, run):
                progress.line("run \(index) of \(total): \(run.title) is another process's, skipped")
            }
        }
        if runtime.json {
            Output.json([
                "plan": plan.name, "runs": summary.total, "already_finished": summary.alreadyFinished,
                "finished": summary.finished.map(\.key), "results": summary.resultsPath,
                "failed": summary.failed.map { ["key": $0.run.key, "error": "\($0.error)"] },
                "repaired_bytes": summary.repairedBytes, "skipped": summary.skipped.map(\.key),
            ])
        } else {
            print("\(plan.name): \(summary.finished.count) runs finished now, \(summary.alreadyFinished) were already done, "
                  + "\(summary.failed.count) failed, \(summary.skipped.count) left to other processes, of \(summary.total); "
                  + "results in \(summary.resultsPath)")
            print("make the report with: compactrec report \(out)")
        }
        if !summary.failed.isEmpty { throw ExitCode.failure }
    }

    /// The grid, each run marked finished, running in another process, to do, or not runnable in this
    /// build; the header counts each status.
    private func list(_ plan: ExperimentPlan, _ runner: ExperimentRunner, partOf whole: ExperimentPlan?) throws {
        let pending = Set(try runner.pendingRuns().map(\.run.key))
        let runs = plan.runs
        let statuses: [String] = try runs.map { run in
            if let reason = plan.unrunnableReason(run.configuration) { return "cannot run: \(reason)" }
            if !pending.contains(run.key) { return "finished" }
            return try runner.isClaimedElsewhere(run) ? "running" : "to do"
        }
        let entries: [[String: Any]] = runs.indices.map { i in
            ["index": i + 1, "key": runs[i].key, "dataset": runs[i].dataset.name, "length": runs[i].length,
             "configuration": runs[i].configuration.name, "seed": runs[i].seed, "status": statuses[i]]
        }
        if runtime.json {
            Output.json(["plan": plan.name, "results": runner.resultsPath, "runs": entries])
            return
        }
        let counts: [String] = ["finished", "running", "to do", "cannot run"].compactMap { status in
            let count = statuses.count { $0.hasPrefix(status) }
            return count > 0 ? "\(count) \(status)" : nil
        }
        let size = whole.map { "\(runs.count) of its \($0.runs.count) runs selected" } ?? "\(runs.count) runs"
        print("\(plan.name): \(size), \(counts.joined(separator: ", ")); results in \(runner.resultsPath)")
        for entry in entries {
            print("\(entry["index"]!)\t\(entry["key"]!)\t\(entry["status"]!)")
        }
    }
}
