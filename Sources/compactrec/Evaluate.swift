import ArgumentParser
import CompactRec
import Foundation

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a saved model on the test split of an interaction file (full ranking).")

    @Option(help: "Model directory written by 'compactrec train --output'.") var model: String
    @Option(help: "Interaction file; split as in training (see the README).") var data: String
    @Option(help: "A separate test file of sessions.") var test: String?
    @Option(help: "auto, pairs, user-seq, seq, atomic or movielens.") var format: DataFormat = .auto
    @Option(help: "Cases per scoring batch.") var batchSize = 256
    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        runtime.apply()
        let bundle = try ModelBundle.readNotingUncheckedFiles(from: model)
        try checkTestFileGiven(bundle)
        let dataset = try SequenceDataset.load(path: data, testPath: test, format: format, validation: false)
        Output.dataLayout(dataset)
        let mapped = mapCases(dataset.test, from: dataset.vocabulary, to: bundle.vocabulary)
        let start = DispatchTime.now().uptimeNanoseconds
        var statistics = RankingStatistics()
        var metrics = Evaluator.evaluate(bundle.model, cases: mapped.cases, batchSize: batchSize, statistics: &statistics)
        let elapsed = seconds(since: start)
        // Items of the test file missing from the training file, then those the model lacks.
        let unseenTargets = dataset.unseenTestTargets + mapped.unknownTargets
        let unseenHistoryItems = dataset.unseenTestHistoryItems + mapped.unknownHistoryItems
        metrics.addMisses(unseenTargets)
        let speed = Double(mapped.cases.count) / max(elapsed, 1e-9)
        let notes = Output.unseenTestItems(targets: unseenTargets, historyItems: unseenHistoryItems)
        let protocolLine = dataset.protocolDescription(rankingOver: bundle.vocabulary.count - 1) + "; "
            + Evaluator.protocolSummary
        if runtime.json {
            var object: [String: Any] = metrics.values
            object["test_cases"] = metrics.count
            for (k, v) in Output.unseenTestFields(targets: unseenTargets, historyItems: unseenHistoryItems) { object[k] = v }
            object["eval_users_per_s"] = speed
            if statistics.rows > 0 {
                object["early_stop_tails_skipped"] = statistics.skippedTailShare
                object["early_stop_items_skipped"] = statistics.skippedItemShare
                object["early_stop_items_skipped_by_bound"] = statistics.boundSkippedItemShare
            }
            object["protocol"] = protocolLine
            for (k, v) in Output.layoutFields(dataset) { object[k] = v }
            for (k, v) in Output.byteFields(bundle) { object[k] = v }
            Output.json(object)
        } else {
            print("protocol: \(protocolLine)")
            print("test (\(metrics.count) cases, \(String(format: "%.0f", speed)) cases/s; \(notes)):")
            print(Output.metricsTable(metrics))
            if statistics.tailsVisited + statistics.tailsSkipped > 0 {
                print(String(format: "tree softmax early stop: %.1f%% of tails and %.1f%% of item scores skipped",
                             100 * statistics.skippedTailShare, 100 * statistics.skippedItemShare))
            } else if statistics.rows > 0 {
                print(String(format: "block bounds: %.1f%% of item scores skipped (%.1f%% by a bound, the rest once k items beat the target)",
                             100 * statistics.skippedItemShare, 100 * statistics.boundSkippedItemShare))
            }
        }
    }

    /// A model trained with a separate test file is measured on those test sessions; without
    /// `--test`, `evaluate` would silently score a leave-one-out split of `--data` (for the
    /// training file, sessions the model was trained on) and report far better numbers.
    /// - Throws: ``InputError`` naming the model's test file and the command that uses it.
    private func checkTestFileGiven(_ bundle: ModelBundle) throws {
        guard test == nil, let trainedTest = bundle.configuration.data["test_path"], !trainedTest.isEmpty else { return }
        let trainedData = bundle.configuration.data["path"] ?? data
        throw InputError(
            source: model,
            "the model was trained on \(trainedData) and tested on the separate test sessions in \(trainedTest), "
                + "but no --test was given, so \(data) would be split leave-one-out and scored instead; "
                + "expected --test: compactrec evaluate --model \(model) --data \(trainedData) --test \(trainedTest)")
    }
}
