import Foundation
import CompactRecTestSupport
import Testing

@testable import CompactRec
@testable import CompactRecRuntime
@testable import CompactRecExperiments

/// The plans under Experiments/ parse, and the smoke plan runs end to end on tiny data.
@Suite("Shipped plans")
struct ShippedPlanTests {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Experiments").path

    @Test func theCpRecAndMemcomPlansParseToTheirGrids() throws {
        // Data files are not required here: the shared data sets sit outside the repository.
        let cprec = try ExperimentPlan.load(path: "\(Self.folder)/cprec.json", checkFiles: false)
        #expect(cprec.datasets.map(\.lengths) == [[10, 20], [10, 20, 50, 100], [20], [20]] && cprec.seeds == [1, 2])
        // MovieLens windows are at most 20 items: longer T only pads. The length study is ML-100K's.
        #expect(cprec.datasets.map(\.windows) == [true, true, false, false] && cprec.datasets.map(\.epochs) == [nil, 10, nil, nil])
        #expect(cprec.configurations.count == 16 && cprec.runs.count == (2 + 4 + 1 + 1) * 16 * 2)
        #expect(cprec.configurations.map(\.settings.model.sharing).filter { $0 != "none" }.count == 12)
        #expect(cprec.configurations.allSatisfy { cprec.unrunnableReason($0) == nil })
        #expect(cprec.datasets[0].resolvedPath.hasSuffix("/shared/data/ml-1m_grec_seq20/ratings_seq20_order.txt.gz"))

        let memcom = try ExperimentPlan.load(path: "\(Self.folder)/memcom.json", checkFiles: false)
        #expect(memcom.configurations.count == 20 && memcom.runs.count == 2 * 20 * 2)
        #expect(Set(memcom.configurations.compactMap(\.settings.model.inputTable.ratio)) == [4, 16, 40])
        #expect(memcom.configurations.allSatisfy { memcom.unrunnableReason($0) == nil })
        #expect(memcom.datasets.map(\.name) == ["beauty", "diginetica"])
        #expect(memcom.runs.allSatisfy { $0.configuration.settings.training.epochs == 5 })
        // The paper's claims: 4 % at 4x, 16x and 40x, and ahead of the hashing trick at 16x.
        #expect(memcom.claims.map { "\($0.configuration)/\($0.against)/\($0.minimumChange)" }
            == ["memcom-x16/full/-0.04", "memcom-x16/hashing-x16/0.0", "memcom-x4/full/-0.04", "memcom-x40/full/-0.04"])
        #expect(cprec.claims.map(\.configuration) == ["ba-tree", "ba-tree-cross-layer"] && cprec.claims.allSatisfy { $0.against == "nextitnet" })

        let output = try ExperimentPlan.load(path: "\(Self.folder)/memcom-output.json", checkFiles: false)
        #expect(output.configurations.count == 17 && output.runs.count == 2 * 17 && output.seeds == [1])
        #expect(Set(output.configurations.compactMap(\.settings.model.outputTable.ratio)) == [4, 16, 40])
        let fullInputs = output.configurations.filter { $0.settings.model.inputEmbedding == "full" }
        #expect(fullInputs.count == output.configurations.count)
        #expect(output.configurations.allSatisfy { output.unrunnableReason($0) == nil })
        #expect(output.runs.allSatisfy { $0.configuration.settings.training.epochs == 5 })
        // The uncompressed baseline is the same run in both plans, so it is trained once.
        #expect(output.runs.first?.key == memcom.runs.first?.key)
    }

    @Test func thePeerCrossCheckPlanTrainsTheMemcomPlansModelsForTwoEpochs() throws {
        let benchmarks = URL(fileURLWithPath: Self.folder).deletingLastPathComponent().appendingPathComponent("Benchmarks").path
        let check = try ExperimentPlan.load(path: "\(benchmarks)/peer-memcom.json", checkFiles: false)
        let memcom = try ExperimentPlan.load(path: "\(Self.folder)/memcom.json", checkFiles: false)
        #expect(check.runs.map(\.configuration.name) == ["full", "memcom-x16", "hashing-x16"])
        #expect(check.runs.allSatisfy { $0.configuration.settings.training.epochs == 2 && $0.seed == 1 && $0.dataset.name == "beauty" })
        for run in check.runs {
            // The same model as the memcom plan's configuration of that name, only trained for fewer epochs.
            var settings = try #require(memcom.configurations.first { $0.name == run.configuration.name }).settings
            settings.training.epochs = 2
            #expect(settings == run.configuration.settings)
            // At the memcom plan's five epochs (Benchmarks/peer-memcom-check.sh 5) it is that plan's seed-1 run.
            var atFive = run
            atFive.configuration.settings.training.epochs = 5
            #expect(memcom.runs.contains { $0.key == atFive.key })
        }
        #expect(check.datasets.first?.resolvedPath.hasSuffix("/shared/data/amazon-beauty_bert4rec/beauty.txt.gz") == true)
    }

    @Test func theSmokePlanRunsOnATinySyntheticCopyOfItsData() throws {
        let plan = try ExperimentPlan.load(path: "\(Self.folder)/smoke.json")
        #expect(plan.runs.count == 2 && plan.configurations.allSatisfy { $0.settings.training.epochs == 1 })

        let directory = try DataTestDirectory()
        try FileManager.default.createDirectory(atPath: directory.path("Samples"), withIntermediateDirectories: true)
        var pairs = ""
        for user in 1...60 {
            for step in 0..<(4 + user % 5) { pairs += "\(user) \((user + step) % 30 + 1)\n" }
        }
        try directory.write("Samples/beauty-3k.txt.gz", pairs)
        let tiny = try ExperimentPlan.load(path: "\(Self.folder)/smoke.json", dataRoot: directory.url.path)
        #expect(tiny.runs.map(\.key) == plan.runs.map(\.key))

        let runner = ExperimentRunner(plan: tiny, outputDirectory: directory.path("out"))
        let summary = try runner.run()
        #expect(summary.finished.count == 2 && summary.failed.isEmpty)
        let report = ExperimentReport(results: summary.finished)
        #expect(report.groups.count == 1 && report.groups[0].baseline == "nextitnet")
        #expect(report.groups[0].rows.map(\.method) == ["nextitnet", "cprec"] && report.groups[0].rows[1].compressionRatio > 1)
    }
}
