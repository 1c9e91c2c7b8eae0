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
        let dataset = try SequenceDataset.load(path: data, testPath: test, format: format, validation: false)
        Output.dataLayout(dataset)
        let mapped = mapCases(dataset.test, from: dataset.vocabulary, to: bundle.vocabulary)
        let start = DispatchTime.now().uptimeNanoseconds
        var statistics = RankingStatistics()
        var metrics = Evaluator.evaluate(bundle.model, cases: mapped.cases, batchSize: batchSize, statistics: &statistics)
        let elapsed = seconds(since: start)
        for _ in 0..<mapped.unknownTargets { metrics.add(rank: Int.max) }  // unknown targets are misses
        let speed = Double(mapped.cases.count) / max(elapsed, 1e-9)
        let notes = "\(mapped.unknownTargets) test targets unknown to the model (counted as misses), "
            + "\(mapped.unknownHistoryItems) unknown history items dropped"
        if runtime.json {
            var object: [String: Any] = metrics.values
            object["test_cases"] = metrics.count
            object["unknown_targets"] = mapped.unknownTargets
            object["unknown_history_items"] = mapped.unknownHistoryItems
            object["eval_users_per_s"] = speed
            if statistics.rows > 0 {
                object["early_stop_tails_skipped"] = statistics.skippedTailShare
                object["early_stop_items_skipped"] = statistics.skippedItemShare
            }
            object["protocol"] = dataset.protocolDescription + "; " + Evaluator.protocolSummary
            for (k, v) in Output.layoutFields(dataset) { object[k] = v }
            for (k, v) in ParameterAccounting(model: bundle.model).dictionary { object[k] = v }
            Output.json(object)
        } else {
            print("protocol: \(dataset.protocolDescription); \(Evaluator.protocolSummary)")
            print("test (\(metrics.count) cases, \(String(format: "%.0f", speed)) cases/s; \(notes)):")
            print(Output.metricsTable(metrics))
            if statistics.rows > 0 {
                print(String(format: "tree softmax early stop: %.1f%% of tails and %.1f%% of item scores skipped",
                             100 * statistics.skippedTailShare, 100 * statistics.skippedItemShare))
            }
        }
    }
}
