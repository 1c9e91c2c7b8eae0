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

    /// A run's key hashes every setting, so a change in how settings are read or written would
    /// make every finished run of these plans look new and be trained again. The keys below are
    /// the ones the plans had when their results were recorded; each plan's keys, joined by line
    /// breaks, have the 64-bit FNV-1a hash pinned beside a few of them.
    @Test func theShippedPlansKeepTheirRunKeys() throws {
        func fnv1a(_ text: String) -> String {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            let digits = String(hash, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        let benchmarks = URL(fileURLWithPath: Self.folder).deletingLastPathComponent().appendingPathComponent("Benchmarks").path
        let plans: [(path: String, count: Int, hash: String, keys: [String])] = [
            ("\(Self.folder)/smoke.json", 2, "ba515e75d7b80881",
             ["beauty-3k-T20-nextitnet-s1-b7d4a5ba", "beauty-3k-T20-cprec-s1-8d0fb0a3"]),
            ("\(Self.folder)/cprec.json", 256, "46bb8f0ff308caf3",
             ["ml-1m-T10-nextitnet-s1-e725cd9b", "ml-100k-T50-ba-tree-cross-layer-s1-c03fa77b",
              "diginetica-T20-tree-output-s1-1eeb2a9a", "diginetica-T20-ba-tree-adjacent-block-s2-d5abb790"]),
            ("\(Self.folder)/memcom.json", 80, "fae034773e9a5e9e",
             ["beauty-T20-full-s1-29e67e8a", "beauty-T20-memcom-multiplicative-x16-s1-3bb114c2",
              "beauty-T20-block-adaptive-x16-s2-6282c5f8", "diginetica-T20-block-adaptive-x4-s2-269a06dd"]),
            ("\(Self.folder)/memcom-output.json", 34, "cf93036edcbc82b5",
             ["beauty-T20-out-qr-x16-s1-59227271", "beauty-T20-out-mixed-dim-x40-s1-7c1ba159", "diginetica-T20-out-tree-s1-1eeb2a9a"]),
            ("\(benchmarks)/peer-memcom.json", 3, "75b5f5fcf77edb40",
             ["beauty-T20-full-s1-180b9468", "beauty-T20-hashing-x16-s1-759c9d59"]),
        ]
        for plan in plans {
            let keys = try ExperimentPlan.load(path: plan.path, checkFiles: false).runs.map(\.key)
            #expect(keys.count == plan.count, "\(plan.path)")
            #expect(fnv1a(keys.joined(separator: "\n")) == plan.hash, "\(plan.path)")
            for key in plan.keys { #expect(keys.contains(key), "\(plan.path): \(key)") }
        }
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
