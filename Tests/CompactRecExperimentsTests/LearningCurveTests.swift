import Foundation
import CompactRecTestSupport
import Testing

@testable import CompactRec
@testable import CompactRecRuntime
@testable import CompactRecExperiments

/// Each run's loss (and validation metric) by epoch: recorded, read back from old records
/// without it, and shown by the report.
@Suite("LearningCurve")
struct LearningCurveTests {
    static func run(_ configuration: String, seed: UInt64, params: Int, losses: [Double]?, validation: [Double]? = nil) -> RunResult {
        var result = ExperimentTestSupport.result(
            configuration: configuration, seed: seed, params: params, ndcg10: 0.2, hr10: 0.3, mrr10: 0.1, trainingSeconds: 10,
            epochs: losses?.count ?? 2, evalUsersPerSecond: 1000, latency: 1)
        result.learningCurve = losses?.enumerated().map { i, loss in
            RunResult.Epoch(epoch: i + 1, loss: loss, seconds: 5, validation: validation.map { ["ndcg@10": $0[i]] })
        }
        return result
    }

    @Test func aRecordWithoutACurveStillLoadsAndOneWithACurveRoundTrips() throws {
        let old = Self.run("base", seed: 1, params: 1000, losses: nil)
        let line = try old.jsonLine()
        // An old record is this line: every other key, none for the curve.
        #expect(!line.contains("learningCurve"))
        let new = Self.run("base", seed: 2, params: 1000, losses: [7.5, 6.25], validation: [0.125, 0.25])
        #expect(try new.jsonLine().contains(#""learningCurve":[{"epoch":1,"loss":7.5,"seconds":5,"validation":{"ndcg@10":0.125}}"#))
        let directory = try DataTestDirectory()
        let path = try directory.write("results.jsonl", line + "\n" + (try new.jsonLine()) + "\n")
        let read = try ResultsStore.read(path: path).results
        #expect(read == [old, new] && read[0].learningCurve == nil && read[1].learningCurve?[1].validation == ["ndcg@10": 0.25])
    }

    /// base: seeds 1 and 2 with curves; small: one seed stopped after 2 epochs, one ran 3; old: none.
    static let results = [
        run("base", seed: 1, params: 1000, losses: [8.0, 6.0, 5.0]),
        run("base", seed: 2, params: 1000, losses: [8.0, 7.0, 6.0]),
        run("small", seed: 1, params: 250, losses: [9.0, 8.0]),
        run("small", seed: 2, params: 250, losses: [9.0, 7.0, 6.93]),
        run("old", seed: 1, params: 500, losses: nil),
    ]

    @Test func rowsAverageTheLossOfEachEpochOverTheSeedsThatReachedIt() throws {
        let report = ExperimentReport(results: Self.results)
        let rows = report.groups[0].rows
        let base = try #require(rows[0].learningCurve), small = try #require(rows[1].learningCurve)
        #expect(base.loss.map(\.mean) == [8, 6.5, 5.5] && base.loss[1].minimum == 6 && base.loss[1].maximum == 7)
        #expect(small.loss.map(\.mean) == [9, 7.5, 6.93] && small.loss.map(\.count) == [2, 2, 1] && small.validationNDCG10 == nil)
        // The last epoch against the one before: base 6.5 → 5.5, small 7.5 → 6.93.
        #expect(abs(base.lastLossChange! - (5.5 - 6.5) / 6.5) < 1e-12 && abs(small.lastLossChange! - (6.93 - 7.5) / 7.5) < 1e-12)
        #expect(rows[2].learningCurve == nil && report.runsWithoutLearningCurve == 1)

        let lines = report.markdown().split(separator: "\n").map(String.init)
        #expect(lines.contains("| method | epoch 1 | epoch 2 | epoch 3 | last change |"))
        #expect(lines.contains("| base | 8.0000 | 6.5000 | 5.5000 | -15.4 % |"))
        #expect(lines.contains("| small | 9.0000 | 7.5000 | 6.9300 | -7.6 % |"))
        #expect(ExperimentReport.learningCurveRows(report.groups[0]).map { $0[0] } == ["base", "small"])
        #expect(lines.contains("1 of 5 runs were recorded before results.jsonl kept each epoch's loss: their rows have no learning curve."))
    }

    @Test func thePageDrawsTheCurvesAndTheValidationOnlyWhereRecorded() throws {
        let report = ExperimentReport(results: Self.results)
        let chart = ReportCharts.learningCurves(report.groups[0], styles: report.styles)
        // A line each for base and small over three epochs; old has no curve and no line.
        let lines = chart.components(separatedBy: "<polyline points=\"").dropFirst().map { $0.prefix { $0 != "\"" }.split(separator: " ") }
        #expect(lines.map(\.count) == [3, 3] && chart.contains(">Training loss by epoch (toy, T = 20)<") && !chart.contains(">old<"))
        #expect(!report.html().contains("Validation NDCG@10 by epoch"))

        let validated = ExperimentReport(results: [Self.run("base", seed: 1, params: 1000, losses: [8, 7], validation: [0.1, 0.2])])
        #expect(validated.html().contains("Validation NDCG@10 by epoch (toy, T = 20)") && validated.missingLearningCurvesNote == nil)
    }
}
