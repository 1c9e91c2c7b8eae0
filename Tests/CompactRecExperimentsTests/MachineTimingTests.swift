import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime
@testable import CompactRecExperiments

/// Times from different machines are never averaged or compared; the metrics pool them.
@Suite("MachineTiming")
struct MachineTimingTests {
    static let xeon = RunResult.Machine(cpu: "Intel(R) Xeon(R) Processor", blas: "OpenBLAS Cooperlake", threads: 1)
    static let zen4 = RunResult.Machine(cpu: "AMD EPYC", blas: "OpenBLAS Cooperlake", threads: 1)

    /// base and small ran seed 1 on the Xeon and seed 2 on Zen 4; late ran only on a third
    /// machine, where base did not run. Two epochs each.
    static let results: [RunResult] = {
        typealias S = ExperimentTestSupport
        let zen3 = RunResult.Machine(cpu: "AMD EPYC", blas: "OpenBLAS Zen", threads: 1)
        return [
            S.result(configuration: "base", seed: 1, params: 1000, ndcg10: 0.20, hr10: 0.3, mrr10: 0.1, trainingSeconds: 20,
                     evalUsersPerSecond: 1000, latency: 0.794, machine: xeon),
            S.result(configuration: "base", seed: 2, params: 1000, ndcg10: 0.22, hr10: 0.3, mrr10: 0.1, trainingSeconds: 8,
                     evalUsersPerSecond: 2500, latency: 0.324, machine: zen4),
            S.result(configuration: "small", seed: 1, params: 250, ndcg10: 0.18, hr10: 0.3, mrr10: 0.1, trainingSeconds: 6,
                     evalUsersPerSecond: 1500, latency: 0.2, machine: xeon),
            S.result(configuration: "small", seed: 2, params: 250, ndcg10: 0.16, hr10: 0.3, mrr10: 0.1, trainingSeconds: 2,
                     evalUsersPerSecond: 5000, latency: 0.1, machine: zen4),
            S.result(configuration: "late", seed: 1, params: 500, ndcg10: 0.21, hr10: 0.3, mrr10: 0.1, trainingSeconds: 4,
                     evalUsersPerSecond: 3000, latency: 0.15, machine: zen3),
        ]
    }()

    @Test func eachRowHasATimingPerMachineAndSpeedUpsOnlyAgainstTheSameMachine() {
        let report = ExperimentReport(results: Self.results)
        #expect(report.machines.count == 3 && report.machineRunCounts == [2, 2, 1])
        let rows = report.groups[0].rows
        let (base, small, late) = (rows[0], rows[1], rows[2])
        // The metrics pool both machines.
        #expect(abs(base.ndcg10.mean - 0.21) < 1e-12 && abs(small.relativeNDCG10! - (0.17 - 0.21) / 0.21) < 1e-12)
        // The times do not: pooled, base's latency would be 0.559 ms and small's speed-up 1.86×.
        #expect(base.timings.map(\.machine) == [0, 1] && base.timings.map(\.seeds) == [[1], [2]])
        #expect(base.timings.map(\.recommendLatencyP50Ms.mean) == [0.794, 0.324])
        #expect(base.timings.map(\.secondsPerEpoch.mean) == [10, 4])
        #expect(small.timings.map(\.inferenceSpeedup) == [1.5, 2.0])
        #expect(late.timings.count == 1 && late.timings[0].machine == 2 && late.timings[0].inferenceSpeedup == nil)
    }

    @Test func aMachinesSeedsAreListedInOrderWhateverTheOrderOfTheRecords() {
        let zen4Runs = Self.results.filter { $0.machine == Self.zen4 }.map { run -> RunResult in
            var run = run
            run.seed = 3 - run.seed  // seed 2 becomes 1, so seed 2's record (base's) now comes first
            run.key += "-reseeded"
            return run
        }
        let late = zen4Runs.map { run -> RunResult in
            var run = run
            run.seed = 2
            run.key += "-2"
            return run
        }
        let report = ExperimentReport(results: late + zen4Runs)
        #expect(report.groups[0].rows.map { $0.timings[0].seeds } == [[1, 2], [1, 2]])
        #expect(ExperimentReport.timingTableRows(report.groups[0]).map { $0[2] } == ["1, 2", "1, 2"])
    }

    @Test func theTimeTableListsEachMachineApart() {
        let report = ExperimentReport(results: Self.results)
        let lines = report.markdown().split(separator: "\n").map(String.init)
        let expected = [
            "- machine M1: Intel(R) Xeon(R) Processor, OpenBLAS Cooperlake, 1 thread (2 runs)",
            "- machine M2: AMD EPYC, OpenBLAS Cooperlake, 1 thread (2 runs)",
            "- machine M3: AMD EPYC, OpenBLAS Zen, 1 thread (1 run)",
            "| base | M1 | 1 | 10.00 | 1000 | 1.00× | 0.794 |",
            "| small | M1 | 1 | 3.00 | 667 | 1.50× | 0.200 |",
            "| base | M2 | 2 | 4.00 | 400 | 1.00× | 0.324 |",
            "| small | M2 | 2 | 1.00 | 200 | 2.00× | 0.100 |",
            "| late | M3 | 1 | 2.00 | 333 | – | 0.150 |",
        ]
        let positions = expected.map { lines.firstIndex(of: $0) }
        #expect(positions.allSatisfy { $0 != nil }, "\(lines)")
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
        #expect(!lines.contains { $0.contains("0.559") })
    }

    @Test func theOutputRatioStudyNamesTheMachineOfEachTime() {
        let runs = Self.results.prefix(2) + Self.results[2...3].map { run -> RunResult in
            var run = run
            run.settings.model.outputLayer = "hashing"
            run.settings.model.outputTable.ratio = 4
            return run
        }
        let study = ExperimentReport(results: Array(runs)).ratioStudies[0]
        #expect(study.side == .output)
        #expect(study.cell(study.lines[0], 0).hasSuffix("; 667 µs/user on M1, 200 µs/user on M2)"))
    }
}
