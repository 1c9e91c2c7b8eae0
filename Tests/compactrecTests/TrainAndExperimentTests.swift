import Foundation
import CompactRecTestSupport
import Testing

@testable import CompactRec
@testable import CompactRecExperiments

/// `train` decodes flags and `experiment` a plan's keys into the same run specification, and
/// both run it through one pipeline (``TrainingRun``): the same settings train the same model.
@Suite("train and experiment, the executable", .enabled(if: CompactRecExecutable.path != nil, "\(CompactRecExecutable.missing)"))
struct TrainAndExperimentTests {
    @Test func theSameSettingsTrainTheSameModelEitherWay() throws {
        let directory = try DataTestDirectory()
        let data = try TrainCommandTests.writeData(in: directory)
        let train = try CompactRecExecutable.run(
            ["train", "--data", data, "--format", "pairs", "--embedding-size", "8", "--dilations", "1,2", "--max-len", "10",
             "--batch-size", "16", "--epochs", "2", "--learning-rate", "0.01", "--seed", "5", "--no-validation",
             "--input-embedding", "block-adaptive", "--output-layer", "tree-softmax", "--cutoffs", "10,25", "--rank-divisor", "2",
             "--threads", "2", "--quiet", "--json", "--no-save", "--no-train-windows"],
            logPrefix: directory.path("train"))
        #expect(train.code == 0, "\(train.error)")
        let trained = try #require(JSONSerialization.jsonObject(with: Data(train.output.utf8)) as? [String: Any], "\(train.output)")

        try directory.write("plan.json", """
            {"name": "same", "datasets": [{"name": "runs", "path": "runs.txt", "format": "pairs"}], "lengths": [10],
             "defaults": {"embeddingSize": 8, "dilations": [1, 2], "batchSize": 16, "epochs": 2, "learningRate": 0.01, "validation": false},
             "configurations": [{"name": "cprec", "inputEmbedding": "block-adaptive", "outputLayer": "tree-softmax",
                                 "cutoffs": "10,25", "rankDivisor": 2}],
             "seeds": [5], "recommendRequests": 1}
            """)
        let experiment = try CompactRecExecutable.run(
            ["experiment", "--plan", directory.path("plan.json"), "--out", directory.path("out"), "--threads", "2", "--quiet"],
            logPrefix: directory.path("experiment"))
        #expect(experiment.code == 0, "\(experiment.error)")
        let record = try #require(try ResultsStore.read(path: directory.path("out/results.jsonl")).results.first)

        // Rank divisor 2 over the clusters 10 and 25 of 40 items: 8-, 4- and 2-wide blocks, a smaller model than divisor 4's.
        #expect(Double(record.params) == trained["params"] as? Double && Double(record.paramsInput) == trained["params_input"] as? Double)
        #expect(Float(record.finalLoss) == (trained["final_loss"] as? Double).map(Float.init) && record.epochs == 2)
        // --json prints a metric to 16 digits, results.jsonl to its shortest exact form: the last digit may differ.
        for cutoff in [5, 10, 20] {
            for metric in ["hr", "ndcg", "mrr"] {
                let key = "\(metric)@\(cutoff)"
                let recorded = try #require(record.metrics[key]), printed = try #require(trained[key] as? Double)
                #expect(abs(recorded - printed) <= 1e-15 * max(recorded, 1e-3), "\(key): \(recorded) and \(printed)")
            }
        }
    }
}
