import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

@testable import CompactRec
@testable import CompactRecRuntime
@testable import CompactRecExperiments

/// The report's compression study: NDCG@10 by target ratio, a line per method and side.
@Suite("RatioStudy")
struct RatioStudyTests {
    /// N = 100 with padding, C = 64: N·C = 6,400 for each table. The baseline scores 0.20.
    static let results: [RunResult] = {
        func run(_ configuration: String, ndcg: Double, input: String = "full", output: String = "full-softmax",
                 hash: String? = nil, inputRatio: Double? = nil, outputRatio: Double? = nil,
                 paramsInput: Int = 6_400, paramsOutput: Int = 6_500) -> RunResult {
            var result = ExperimentTestSupport.result(
                dataset: "cmp", configuration: configuration, seed: 1, params: 1000, ndcg10: ndcg, hr10: 0.3, mrr10: 0.1,
                trainingSeconds: 10, evalUsersPerSecond: 1000, latency: 1)
            result.settings.model.inputEmbedding = VariantName(name: input)
            result.settings.model.outputLayer = VariantName(name: output)
            result.settings.model.inputTable.hash = hash.map(VariantName.init(name:))
            result.settings.model.inputTable.ratio = inputRatio
            result.settings.model.outputTable.ratio = outputRatio
            result.paramsInput = paramsInput
            result.paramsOutput = paramsOutput
            result.params = paramsInput + paramsOutput + 100
            result.paramsUncompressed = 6_400 + 6_500 + 100
            return result
        }
        return [
            run("full", ndcg: 0.20),
            run("memcom-x4", ndcg: 0.19, input: "memcom", inputRatio: 4, paramsInput: 1_600),
            run("memcom-x16", ndcg: 0.15, input: "memcom", inputRatio: 16, paramsInput: 400),
            // Rank 1 is the nearest low-rank table: 6,400 / 320 = 20x, 25 % off the target.
            run("low-rank-x16", ndcg: 0.10, input: "low-rank", inputRatio: 16, paramsInput: 320),
            run("memcom-mult-x16", ndcg: 0.14, input: "memcom", hash: "multiplicative", inputRatio: 16, paramsInput: 400),
            // 400 parameters of item matrix plus the [N] bias: 16x.
            run("out-hashing-x16", ndcg: 0.12, output: "hashing", outputRatio: 16, paramsOutput: 500),
            run("out-tree", ndcg: 0.18, output: "tree-softmax", paramsOutput: 3_000),
        ]
    }()

    @Test func eachSideGetsATableOfMethodsByRatioWithTheReachedRatioWhenOff() throws {
        let report = ExperimentReport(results: Self.results)
        #expect(report.ratioStudies.map(\.side) == [.input, .output])
        let input = report.ratioStudies[0], output = report.ratioStudies[1]
        #expect(input.ratios == [4, 16] && input.columns == ["4×", "16×"] && input.baseline?.method == "full")
        // Two memcom lines (the hash differs), so both name their first configuration.
        #expect(input.lines.map(\.method) == ["memcom (memcom-x4)", "low-rank", "memcom (memcom-mult-x16)"])
        #expect(input.lines.map { line in line.rows.indices.map { input.cell(line, $0) } } == [
            ["0.1900 (-5.0 %)", "0.1500 (-25.0 %)"],
            ["–", "0.1000 (-50.0 %; at 20.0×)"],
            ["–", "0.1400 (-30.0 %)"],
        ])
        #expect(input.lines[0].reached == [4, 16])
        // The tree is not sized by a ratio: only the hashing output is in the output study.
        #expect(output.ratios == [16] && output.lines.map(\.method) == ["hashing"])
        // The output side also gives the scoring time per user and the machine it was measured on: 10⁶ / 1000 users/s.
        #expect(output.cell(output.lines[0], 0) == "0.1200 (-40.0 %; 1000 µs/user on M1)")
    }

    @Test func theMarkdownAndThePageShowTheStudiesWithAChart() throws {
        let report = ExperimentReport(results: Self.results)
        let markdown = report.markdown()
        #expect(markdown.contains("## cmp, T = 20: the input embedding by compression ratio"))
        #expect(markdown.contains("| method | 4× | 16× |\n|---|---:|---:|\n| memcom (memcom-x4) | 0.1900 (-5.0 %) | 0.1500 (-25.0 %) |"))
        #expect(markdown.contains("| hashing | 0.1200 (-40.0 %; 1000 µs/user on M1) |"))
        let page = report.html()
        let parser = XMLParser(data: Data(page.utf8))
        #expect(parser.parse(), "not well-formed: \(String(describing: parser.parserError))")
        let chart = ReportCharts.accuracyVersusRatio(report.ratioStudies[0], styles: report.styles)
        // memcom's two ratios make the one line; the other methods ran at one ratio (a marker each).
        #expect(chart.components(separatedBy: "<polyline").count - 1 == 1)
        #expect(chart.contains("input compression ratio") && chart.contains(">16×<"))
    }
}
