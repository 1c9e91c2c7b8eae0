import Foundation
import CompactRecTestSupport
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

@testable import CompactRec
@testable import CompactRecRuntime
@testable import CompactRecExperiments

/// Counts elements and collects text while an XML parser reads a document.
private final class MarkupCollector: NSObject, XMLParserDelegate {
    var elements: [String: Int] = [:]
    var text = ""
    var attributes: [String: [[String: String]]] = [:]

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        elements[elementName, default: 0] += 1
        attributes[elementName, default: []].append(attributeDict)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    /// Parses `markup` strictly; records an issue with the parser's error when it is not well-formed.
    static func parse(_ markup: String, sourceLocation: SourceLocation = #_sourceLocation) -> MarkupCollector {
        let collector = MarkupCollector()
        let parser = XMLParser(data: Data(markup.utf8))
        parser.delegate = collector
        let ok = parser.parse()
        #expect(ok, "not well-formed: \(String(describing: parser.parserError))", sourceLocation: sourceLocation)
        return collector
    }
}

@Suite("ExperimentReport")
struct ExperimentReportTests {
    /// Two seeds of three methods on toy at T = 20, one seed without a baseline at T = 50, and
    /// another data set; a repeated key (the last record) is ignored.
    static let results: [RunResult] = {
        typealias S = ExperimentTestSupport
        return [
            S.result(configuration: "base", seed: 1, params: 1000, ndcg10: 0.20, hr10: 0.30, mrr10: 0.15, trainingSeconds: 10, evalUsersPerSecond: 1000, latency: 2.0),
            S.result(configuration: "small", seed: 1, params: 250, ndcg10: 0.18, hr10: 0.25, mrr10: 0.10, trainingSeconds: 4, evalUsersPerSecond: 2200, latency: 0.5),
            S.result(configuration: "mid", seed: 1, params: 500, ndcg10: 0.24, hr10: 0.35, mrr10: 0.20, trainingSeconds: 6, evalUsersPerSecond: 1650, latency: 1.0),
            S.result(dataset: "other", configuration: "base", seed: 1, params: 2000, uncompressed: 2000, ndcg10: 0.05, hr10: 0.08, mrr10: 0.03,
                     trainingSeconds: 3, epochs: 1, evalUsersPerSecond: 500, latency: 3.0, date: "2026-01-03T00:00:00Z"),
            S.result(length: 50, configuration: "small", seed: 1, params: 250, ndcg10: 0.10, hr10: 0.20, mrr10: 0.05, trainingSeconds: 2, evalUsersPerSecond: 900, latency: 0.8),
            S.result(configuration: "base", seed: 2, params: 1000, ndcg10: 0.22, hr10: 0.34, mrr10: 0.15, trainingSeconds: 12, evalUsersPerSecond: 1200, latency: 2.4,
                     date: "2025-12-31T00:00:00Z"),
            S.result(configuration: "small", seed: 2, params: 250, ndcg10: 0.16, hr10: 0.27, mrr10: 0.12, trainingSeconds: 4, evalUsersPerSecond: 2200, latency: 0.7),
            S.result(configuration: "mid", seed: 2, params: 500, ndcg10: 0.22, hr10: 0.35, mrr10: 0.20, trainingSeconds: 7, evalUsersPerSecond: 1650, latency: 1.0),
            S.result(configuration: "mid", seed: 2, params: 500, ndcg10: 0.99, hr10: 0.99, mrr10: 0.99, trainingSeconds: 7, evalUsersPerSecond: 1, latency: 9),
        ]
    }()

    /// The fixture as a results file, read back as `report` would read it.
    private func report() throws -> ExperimentReport {
        let directory = try DataTestDirectory()
        let path = try directory.write("results.jsonl", try Self.results.map { try $0.jsonLine() + "\n" }.joined())
        let store = try ResultsStore.read(path: path)
        #expect(store.results == Self.results)
        return ExperimentReport(results: store.results)
    }

    @Test func rowsAverageSeedsAndCompareWithTheUncompressedConfiguration() throws {
        let report = try report()
        #expect(report.groups.map(\.title) == ["toy, T = 20", "toy, T = 50", "other, T = 20"])
        #expect(report.runCount == 8 && report.methods == ["base", "small", "mid"] && report.plans == ["fixture"])
        #expect(report.dates! == ("2025-12-31T00:00:00Z", "2026-01-03T00:00:00Z"))
        #expect(report.machineLines == ["M1: Test CPU, OpenBLAS Test, 2 threads (8 runs)"])

        let toy = report.groups[0]
        #expect(toy.baseline == "base" && toy.rows.map(\.method) == ["base", "small", "mid"] && toy.rows.map(\.seeds) == [2, 2, 2])
        let (base, small, mid) = (toy.rows[0], toy.rows[1], toy.rows[2])
        #expect(abs(base.ndcg10.mean - 0.21) < 1e-12 && abs(base.ndcg10.deviation - 0.02 / 2.0.squareRoot()) < 1e-12)
        #expect(abs(base.hr10.deviation - 0.04 / 2.0.squareRoot()) < 1e-12 && base.mrr10.deviation == 0)
        #expect(abs(small.relativeNDCG10! - (0.17 - 0.21) / 0.21) < 1e-12)
        #expect(abs(mid.relativeNDCG10! - (0.23 - 0.21) / 0.21) < 1e-12)
        // One machine: one timing per row, over both seeds.
        #expect([base, small, mid].allSatisfy { $0.timings.count == 1 && $0.timings[0].machine == 0 && $0.timings[0].seeds == [1, 2] })
        let (baseTime, smallTime, midTime) = (base.timings[0], small.timings[0], mid.timings[0])
        #expect(baseTime.secondsPerEpoch.mean == 5.5 && smallTime.secondsPerEpoch.mean == 2 && midTime.secondsPerEpoch.mean == 3.25)
        #expect(baseTime.inferenceSpeedup == 1 && smallTime.inferenceSpeedup == 2 && midTime.inferenceSpeedup == 1.5)
        #expect(abs(baseTime.recommendLatencyP50Ms.mean - 2.2) < 1e-12 && smallTime.recommendLatencyP50Ms.mean == 0.6)
        #expect(base.isBaseline && !small.isBaseline && small.compressionRatio == 4 && mid.params == 500)
        // Components against the baseline's: input 500 / 125, output (1000 − 500 − 250) / (250 − 125 − 62).
        #expect(small.inputRatio == 4 && abs(small.outputRatio! - 250.0 / 63) < 1e-12 && base.outputRatio == 1)
        #expect(abs(baseTime.microsecondsPerUser - 1e6 / 1100) < 1e-9)

        let lonely = report.groups[1]
        #expect(lonely.baseline == nil && lonely.rows[0].relativeNDCG10 == nil && lonely.rows[0].timings[0].inferenceSpeedup == nil)
        #expect(lonely.rows[0].inputRatio == nil && lonely.rows[0].outputRatio == nil)
    }

    @Test func theMarkdownTablesHoldTheExpectedRows() throws {
        let markdown = try report().markdown()
        let lines = markdown.split(separator: "\n").map(String.init)
        let header = "| method | params | ratio | input × | output × | NDCG@10 | HR@10 | MRR@10 | ΔNDCG@10 | seed spread | seeds |"
        let timeHeader = "| method | machine | seeds | s/epoch | µs/user | inference speed-up | recommend p50 (ms) |"
        #expect(lines.filter { $0 == header }.count == 3 && lines.filter { $0 == timeHeader }.count == 3)
        let expected = [
            "- machine M1: Test CPU, OpenBLAS Test, 2 threads (8 runs)",
            "## toy, T = 20",
            "| base | 1,000 | 1.00× | 1.00× | 1.00× | 0.2100 ± 0.0141 | 0.3200 ± 0.0283 | 0.1500 ± 0.0000 | baseline | 9.5 % | 2 |",
            "| small | 250 | 4.00× | 4.00× | 3.97× | 0.1700 ± 0.0141 | 0.2600 ± 0.0141 | 0.1100 ± 0.0141 | -19.0 % | 11.8 % | 2 |",
            "| mid | 500 | 2.00× | 2.00× | 2.00× | 0.2300 ± 0.0141 | 0.3500 ± 0.0000 | 0.2000 ± 0.0000 | +9.5 % | 8.7 % | 2 |",
            // small's seeds, 0.16 and 0.18, lie 0.02 / 0.17 apart: the most of the three.
            "The seeds disagree by up to 11.8 % of the mean NDCG@10 (small: 0.1600 to 0.1800): read differences between entries of this table against it.",
            "| base | M1 | 1, 2 | 5.50 | 909 | 1.00× | 2.200 |",
            "| small | M1 | 1, 2 | 2.00 | 455 | 2.00× | 0.600 |",
            "| mid | M1 | 1, 2 | 3.25 | 606 | 1.50× | 1.000 |",
            "## toy, T = 50",
            "99 items, 100 test cases; baseline: none (no uncompressed configuration).",
            "| small | 250 | 4.00× | – | – | 0.1000 | 0.2000 | 0.0500 | – | – | 1 |",
            "Every entry of this table has a single seed: its seed spread is unknown.",
            "| small | M1 | 1 | 1.00 | 1111 | – | 0.800 |",
            "## other, T = 20",
            "| base | 2,000 | 1.00× | 1.00× | 1.00× | 0.0500 | 0.0800 | 0.0300 | baseline | – | 1 |",
            "| base | M1 | 1 | 3.00 | 2000 | 1.00× | 3.000 |",
        ]
        // In this order, each once.
        let positions = expected.map { line in lines.firstIndex(of: line) }
        #expect(positions.allSatisfy { $0 != nil }, "\(markdown)")
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
        #expect(lines[0] == "# Experiment report: fixture" && lines.contains("- protocol: fixture protocol"))
        // toy ran at two lengths, other at one: one length study, after every group's table.
        let study = [
            "## toy: NDCG@10 by sequence length",
            "| method | T = 20 | T = 50 |",
            "| base | 0.2100 (baseline) | – |",
            "| small | 0.1700 (-19.0 %) | 0.1000 |",
            "| mid | 0.2300 (+9.5 %) | – |",
            "The seeds disagree by up to 11.8 % of the mean NDCG@10 (small at T = 20: 0.1600 to 0.1800): read differences between entries of this table against it.",
        ]
        let studyPositions = study.map { line in lines.firstIndex(of: line) }
        #expect(studyPositions.allSatisfy { $0 != nil } && studyPositions.compactMap { $0 } == studyPositions.compactMap { $0 }.sorted())
        #expect(studyPositions[0]! > positions.compactMap { $0 }.max()! && !markdown.contains("## other: NDCG@10 by"))
    }

    @Test func theHTMLPageIsWellFormedAndSelfContained() throws {
        let html = try report().html()
        let page = MarkupCollector.parse(html)
        // Three groups' tables and time tables (a header and 5 rows each in all) and toy's length
        // study (a header and 3 methods).
        #expect(page.elements["svg"] == 10 && page.elements["table"] == 7 && page.elements["tr"] == 2 * (3 + 5) + 1 + 3)
        #expect(page.text.contains("toy: NDCG@10 by sequence length") && page.text.contains("0.1700 (-19.0 %)"))
        #expect(page.elements["script"] == nil && page.elements["link"] == nil && page.elements["img"] == nil)
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").count - 1 == 10)  // only the SVG namespace
        #expect(page.text.contains("-19.0 %") && page.text.contains("0.2100 ± 0.0141") && page.text.contains("Pareto front"))
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">") && html.contains("<style>"))
    }

    @Test func claimsAreCheckedWhereBothConfigurationsRanAndTheRestAreListed() throws {
        let results = Self.results
        let claims = [
            PaperClaim(text: "mid is at least as good as base", configuration: "mid", against: "base", minimumChange: 0),
            PaperClaim(text: "small keeps 90 %", configuration: "small", against: "base", minimumChange: -0.1),
            PaperClaim(text: "mid's HR@10 gains 10 %", configuration: "mid", against: "base", metric: "hr@10", minimumChange: 0.1),
            PaperClaim(text: "ghost beats base", configuration: "ghost", against: "base", minimumChange: 0),
            PaperClaim(text: "mid is at least as good as base", configuration: "mid", against: "base", minimumChange: 0),
        ]
        let report = ExperimentReport(results: results, claims: claims)
        // Only toy at T = 20 has base beside mid and small (T = 50 has no base; other has base alone).
        let checks = report.claimChecks
        #expect(checks.map(\.claim.text) == ["mid is at least as good as base", "small keeps 90 %", "mid's HR@10 gains 10 %"])
        #expect(checks.allSatisfy { $0.dataset == "toy" && $0.length == 20 && $0.seeds == [1, 2] })
        // NDCG@10 means: base 0.21, small 0.17, mid 0.23; HR@10: base 0.32, mid 0.35.
        #expect(abs(checks[0].change - 0.02 / 0.21) < 1e-12 && checks[0].holds)
        #expect(abs(checks[1].change + 0.04 / 0.21) < 1e-12 && !checks[1].holds)
        #expect(abs(checks[2].value - 0.35) < 1e-12 && abs(checks[2].change - 0.03 / 0.32) < 1e-12 && !checks[2].holds)
        #expect(report.uncheckedClaims.map(\.configuration) == ["ghost"])

        let markdown = report.markdown()
        #expect(markdown.contains("| small keeps 90 % (holds on 0 of 1) | toy, T = 20 | small 0.1700 against base 0.2100: -19.0 % (needs at least -10.0 %; seeds 1, 2) | does not hold |"))
        #expect(markdown.contains("| mid is at least as good as base (holds on 1 of 1) | toy, T = 20 | mid 0.2300 against base 0.2100: +9.5 % (needs at least +0.0 %; seeds 1, 2) | holds |"))
        #expect(markdown.contains("- Not checked (no data set has runs of both ghost and base with a seed in common): ghost beats base"))
        #expect(markdown.range(of: "## The papers' claims")!.lowerBound < markdown.range(of: "## toy, T = 20")!.lowerBound)

        let page = MarkupCollector.parse(report.html())
        #expect(page.text.contains("The papers' claims") && page.text.contains("mid 0.2300 against base 0.2100: +9.5 %"))
        // The group tables and the length study's as before, plus the claims' (a header and 3 checks).
        #expect(page.elements["table"] == 8 && page.elements["tr"] == 2 * (3 + 5) + 1 + 3 + 1 + 3 && page.elements["li"]! >= 1)
        #expect(!ExperimentReport(results: results).markdown().contains("claims"))
    }

    @Test func aRowThatLacksASeedIsComparedOnTheSeedsItShares() throws {
        typealias S = ExperimentTestSupport
        // base ran seeds 1 and 2 (NDCG@10 0.20, 0.30), late only seed 2 (0.27), early only seed 3.
        let results = [
            S.result(configuration: "base", seed: 1, params: 1000, ndcg10: 0.20, hr10: 0.30, mrr10: 0.15, trainingSeconds: 10, evalUsersPerSecond: 1000, latency: 2),
            S.result(configuration: "base", seed: 2, params: 1000, ndcg10: 0.30, hr10: 0.40, mrr10: 0.25, trainingSeconds: 10, evalUsersPerSecond: 1000, latency: 2),
            S.result(configuration: "late", seed: 2, params: 250, ndcg10: 0.27, hr10: 0.36, mrr10: 0.20, trainingSeconds: 4, evalUsersPerSecond: 2000, latency: 1),
            S.result(configuration: "early", seed: 3, params: 250, ndcg10: 0.25, hr10: 0.36, mrr10: 0.20, trainingSeconds: 4, evalUsersPerSecond: 2000, latency: 1),
        ]
        let claims = [PaperClaim(text: "late keeps 95 %", configuration: "late", against: "base", minimumChange: -0.05),
                      PaperClaim(text: "early keeps 95 %", configuration: "early", against: "base", minimumChange: -0.05)]
        let report = ExperimentReport(results: results, claims: claims)
        let rows = report.groups[0].rows
        // Against base's seed 2 alone, 0.27 is −10 %; against base's mean 0.25 it would be +8 %.
        #expect(abs(rows[1].relativeNDCG10! - (0.27 - 0.30) / 0.30) < 1e-12 && rows[2].relativeNDCG10 == nil)
        #expect(rows[0].relativeNDCG10 == 0 && abs(rows[0].ndcg10.mean - 0.25) < 1e-12)
        let check = try #require(report.claimChecks.first)
        #expect(report.claimChecks.count == 1 && check.seeds == [2] && abs(check.reference - 0.30) < 1e-12 && !check.holds)
        #expect(check.measured == "late 0.2700 against base 0.3000: -10.0 % (needs at least -5.0 %; seed 2)")
        #expect(report.uncheckedClaims.map(\.configuration) == ["early"])
    }

    @Test func theScatterPlotHasALogAxisMarkersPerMethodAndTheParetoSteps() throws {
        let report = try report()
        let svg = ReportCharts.accuracyVersusSize(report.groups[0], styles: report.styles)
        let chart = MarkupCollector.parse(svg)
        #expect(chart.attributes["svg"]?.first?["xmlns"] == "http://www.w3.org/2000/svg")
        // Ticks 200, 500, 1k, 2k span x 78…736; NDCG ticks 0.14…0.26 span y 362…42. Pareto
        // front: small (250, 0.17) then mid (500, 0.23); base (1000, 0.21) is beaten by mid.
        #expect(chart.attributes["polyline"]?.map { $0["points"] } == ["141.8,282.0 339.8,282.0 339.8,122.0"])
        for label in ["200", "500", "1k", "2k", "0.14", "0.26", "parameters (log scale)", "NDCG@10", "base", "small", "mid"] {
            #expect(chart.text.contains(label), "\(label)")
        }
        // base: circle, small: square, mid: triangle; each in the plot and in the legend.
        #expect(chart.elements["circle"] == 2 && chart.elements["polygon"] == 2)
        #expect(chart.attributes["rect"]?.filter { $0["width"] == "10" }.count == 2)
        #expect(ReportCharts.paretoFront([(1000, 0.21), (250, 0.17), (500, 0.23), (500, 0.20), (2000, 0.23)]) == [1, 2])
    }

    @Test func theLengthChartHasALinePerMethodRunAtSeveralLengths() throws {
        let report = try report()
        let svg = ReportCharts.accuracyVersusLength(report.lengthStudies[0], styles: report.styles)
        let chart = MarkupCollector.parse(svg)
        // small ran at T = 20 and 50 (a line); base and mid at T = 20 only (a marker each).
        // Titles: the chart's own and one per marker (small twice, base and mid once).
        #expect(chart.elements["polyline"] == 1 && chart.elements["title"] == 1 + 4)
        #expect(chart.text.contains("T = 20") && chart.text.contains("T = 50") && chart.text.contains("sequence length"))
        // The line climbs from T = 50 (0.10) to T = 20 (0.17) leftwards: its first point is higher on the page.
        let points = try #require(chart.attributes["polyline"]?.first?["points"]).split(separator: " ")
            .map { $0.split(separator: ",").map { Double($0)! } }
        #expect(points.count == 2 && points[0][0] < points[1][0] && points[0][1] < points[1][1])
    }

    @Test func theSeedSpreadIsTheRangeOverTheMean() {
        let spread = ExperimentReport.Spread([0.0455, 0.0564])
        #expect(spread.minimum == 0.0455 && spread.maximum == 0.0564 && abs(spread.relativeRange! - 0.0109 / 0.05095) < 1e-12)
        #expect(ExperimentReport.formatSeedSpread(spread) == "21.4 %" && ExperimentReport.formatSeedSpread(.init([0.05])) == "–")
        #expect(ExperimentReport.Spread([0.05]).relativeRange == nil && abs(ExperimentReport.Spread([0.1, 0.3, 0.2]).relativeRange! - 1) < 1e-12)
        // The largest of several, not the last or the one with the largest absolute range.
        let largest = ExperimentReport.LargestSeedSpread.of([("a", .init([0.10, 0.11])), ("b", .init([0.010, 0.013])),
                                                             ("c", .init([0.50, 0.52])), ("d", .init([0.2]))])
        #expect(largest?.label == "b" && ExperimentReport.LargestSeedSpread.of([("d", .init([0.2]))]) == nil)
    }

    @Test func lineChartsDrawTheSeedsRangeAsErrorBars() throws {
        let report = try report()
        let chart = MarkupCollector.parse(ReportCharts.accuracyVersusLength(report.lengthStudies[0], styles: report.styles))
        // The NDCG axis runs 0.05…0.30 over y 362…42; at T = 20 (x = 78) mid's seeds, 0.22 and
        // 0.24, span y 144.4 to 118.8, with 8 px caps at both ends.
        let lines = chart.attributes["line"] ?? []
        #expect(lines.contains { $0["x1"] == "78.0" && $0["x2"] == "78.0" && $0["y1"] == "144.4" && $0["y2"] == "118.8" })
        #expect(lines.contains { $0["x1"] == "74.0" && $0["x2"] == "82.0" && $0["y1"] == "118.8" && $0["y2"] == "118.8" })
        // One bar for each of base, small and mid at T = 20 (besides the grid line and the axis,
        // from y = 42); none for small's single seed at T = 50.
        #expect(lines.filter { $0["x1"] == "78.0" && $0["x2"] == "78.0" && $0["y1"] != "42.0" }.count == 3)
        #expect(!lines.contains { $0["x1"] == "546.0" })
    }

    @Test func barChartsAreWellFormedWithAValuePerMethod() throws {
        let report = try report()
        let rows = report.groups[0].rows
        let sections = [ReportCharts.BarSection(heading: "M1: a machine", values: rows.map { ($0.method, $0.timings[0].secondsPerEpoch) }),
                        ReportCharts.BarSection(heading: "M2: another", values: [("base", ExperimentReport.Spread([40]))])]
        let svg = ReportCharts.bars(title: "Training time per epoch (s)", sections: sections, styles: report.styles, format: "%.2f s")
        let chart = MarkupCollector.parse(svg)
        #expect(chart.attributes["rect"]!.filter { $0["height"] == "16" }.count == 4)
        for label in ["5.50 s", "2.00 s", "3.25 s", "40.00 s", "M1: a machine", "M2: another", "Training time per epoch (s)"] {
            #expect(chart.text.contains(label), "\(label)")
        }
        // The second machine's bar follows both headings and the first machine's three bars: slot 5 of 24 px from y = 42.
        #expect(chart.attributes["rect"]!.last?["y"] == "166.0")
    }

    @Test func axesAndLabels() {
        #expect(ReportCharts.logTicks(low: 250, high: 1000) == [200, 500, 1000, 2000])
        #expect(ReportCharts.logTicks(low: 951_305, high: 7_135_887) == [500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000])
        let linear = ReportCharts.linearTicks(low: 0, high: 10, nonNegative: true)
        #expect(linear.low == 0 && linear.high == 12 && linear.ticks == [0, 2, 4, 6, 8, 10, 12] && linear.decimals == 0)
        let flat = ReportCharts.linearTicks(low: 0.5, high: 0.5)
        #expect(flat.low <= 0.45 && flat.high >= 0.55 && flat.ticks.count >= 2)
        #expect(ReportCharts.countLabel(200_000) == "200k" && ReportCharts.countLabel(1_500_000) == "1.5M" && ReportCharts.countLabel(950) == "950")
        #expect(ExperimentReport.grouped(7_135_887) == "7,135,887" && ExperimentReport.grouped(12) == "12")
    }

    @Test func textIsEscapedEverywhere() throws {
        #expect(escapeMarkup(#"a<b & "c" 'd'>"#) == "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;")
        #expect(escapeMarkup("bell\u{07}") == "bell\u{FFFD}")
        let odd = ExperimentTestSupport.result(dataset: #"d<&>"x""#, configuration: "m'</td>", seed: 1, params: 10, uncompressed: 10,
                                               ndcg10: 0.1, hr10: 0.2, mrr10: 0.05, trainingSeconds: 1, evalUsersPerSecond: 5, latency: 1)
        let report = ExperimentReport(results: [odd])
        let page = MarkupCollector.parse(report.html())
        #expect(page.text.contains(#"d<&>"x", T = 20"#) && page.text.contains("m'</td>"))
        #expect(page.elements["td"] == ExperimentReport.columns.count + ExperimentReport.timingColumns.count)
    }
}
