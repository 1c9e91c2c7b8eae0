import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

@testable import CompactRec
@testable import CompactRecRuntime
@testable import CompactRecExperiments

/// Where each drawn element of an SVG lies: texts by their estimated width, markers, lines.
private final class ElementBounds: NSObject, XMLParserDelegate {
    struct Box { var element: String; var label: String; var minX, minY, maxX, maxY: Double }

    var viewBox: (width: Double, height: Double)?
    var boxes: [Box] = []
    private var openText: [String: String]?
    private var content = ""

    static func of(_ svg: String, sourceLocation: SourceLocation = #_sourceLocation) -> ElementBounds {
        let bounds = ElementBounds()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = bounds
        #expect(parser.parse(), "not well-formed: \(String(describing: parser.parserError))", sourceLocation: sourceLocation)
        return bounds
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes a: [String: String] = [:]) {
        func number(_ key: String) -> Double { Double(a[key] ?? "") ?? .nan }
        func box(_ xs: [Double], _ ys: [Double], pad: Double = 0) {
            boxes.append(Box(element: name, label: "", minX: xs.min()! - pad, minY: ys.min()! - pad, maxX: xs.max()! + pad, maxY: ys.max()! + pad))
        }
        func pairs(_ text: String) -> [(Double, Double)] {
            let numbers = text.split { " ,MLml".contains($0) }.compactMap { Double($0) }
            return stride(from: 0, to: numbers.count - 1, by: 2).map { (numbers[$0], numbers[$0 + 1]) }
        }
        let stroke = (Double(a["stroke-width"] ?? "") ?? 0) / 2
        switch name {
        case "svg":
            let parts = (a["viewBox"] ?? "").split(separator: " ").compactMap { Double($0) }
            if parts.count == 4 { viewBox = (parts[2], parts[3]) }
        case "text": openText = a; content = ""
        case "circle": box([number("cx") - number("r"), number("cx") + number("r")], [number("cy") - number("r"), number("cy") + number("r")], pad: stroke)
        case "rect" where a["width"] != "100%":
            box([number("x"), number("x") + number("width")], [number("y"), number("y") + number("height")])
        case "line": box([number("x1"), number("x2")], [number("y1"), number("y2")], pad: stroke)
        case "polygon", "polyline": let p = pairs(a["points"] ?? ""); box(p.map(\.0), p.map(\.1), pad: stroke)
        case "path": let p = pairs(a["d"] ?? ""); box(p.map(\.0), p.map(\.1), pad: stroke)
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { if openText != nil { content += string } }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        guard name == "text", let a = openText else { return }
        openText = nil
        let size = Double(a["font-size"] ?? "") ?? 12, x = Double(a["x"] ?? "") ?? .nan, y = Double(a["y"] ?? "") ?? .nan
        let width = ChartText.width(content, size: size, bold: a["font-weight"] == "bold")
        let start = a["text-anchor"] == "end" ? -width : a["text-anchor"] == "middle" ? -width / 2 : 0
        // Along the baseline from `start`; across it, the ascent above and the descent below.
        var box = Box(element: "text", label: content, minX: x + start, minY: y - 0.8 * size, maxX: x + start + width, maxY: y + 0.25 * size)
        if let transform = a["transform"], transform.hasPrefix("rotate(-90") {
            // Turned a quarter left about (x, y): the baseline runs up the page.
            box = Box(element: "text", label: content, minX: x - 0.8 * size, minY: y - start - width, maxX: x + 0.25 * size, maxY: y - start)
        }
        boxes.append(box)
    }

    /// The elements that reach outside the view box.
    var outside: [Box] {
        guard let (width, height) = viewBox else { return boxes }
        return boxes.filter { $0.minX < 0 || $0.minY < 0 || $0.maxX > width || $0.maxY > height || $0.minX.isNaN || $0.maxY.isNaN }
    }
}

/// The charts of a report as large as the MEmCom study's: every text and marker inside the
/// picture, and 36 configurations told apart by family, shade and marker.
@Suite("Chart layout")
struct ChartLayoutTests {
    /// Beauty runs of both MEmCom plans (36 configurations; the input side with seeds 1 and 2,
    /// on two machines), five epochs of loss each, and one configuration with a very long name.
    static let report: ExperimentReport = {
        var results: [RunResult] = []
        for name in ["memcom.json", "memcom-output.json"] {
            let plan = try! ExperimentPlan.load(path: "\(ShippedPlanTests.folder)/\(name)", checkFiles: false)
            for (i, run) in plan.runs.enumerated() where run.dataset.name == "beauty" {
                let settings = run.configuration.settings
                let ratio = settings.model.inputTable.ratio ?? settings.model.outputTable.ratio ?? (settings.model.outputLayer == "tree-softmax" ? 1.6 : 1)
                var result = ExperimentTestSupport.result(
                    dataset: "beauty", configuration: run.configuration.name, seed: run.seed, params: Int(7_135_887 / ratio),
                    uncompressed: 7_135_887, ndcg10: 0.025 - 0.0002 * Double(i % 40) + 0.0004 * Double(run.seed), hr10: 0.03, mrr10: 0.02,
                    trainingSeconds: 400 / ratio, epochs: 5, evalUsersPerSecond: 5000, latency: 0.4,
                    machine: run.seed == 1 ? ExperimentTestSupport.testMachine : RunResult.Machine(cpu: "Other CPU", blas: "OpenBLAS Zen", threads: 1))
                result.key = run.key
                result.settings = settings
                result.learningCurve = (1...5).map { RunResult.Epoch(epoch: $0, loss: 8 - 0.3 * Double($0) - 0.01 * Double(i % 40), seconds: 80, validation: nil) }
                results.append(result)
            }
        }
        var long = results.first { $0.configuration == "block-adaptive-x16" }!
        long.key = "long"
        long.configuration = "block-adaptive-input-with-a-name-far-longer-than-any-legend-column-holds-x16"
        results.append(long)
        return ExperimentReport(results: results)
    }()

    @Test func everyTextAndMarkerOfEveryChartLiesInsideThePicture() throws {
        let page = Self.report.html()
        let charts = page.components(separatedBy: "<svg ").dropFirst().map { "<svg " + $0.components(separatedBy: "</svg>")[0] + "</svg>" }
        // Per group: the scatter, two time charts and the loss curves; then the input and output ratio charts.
        #expect(charts.count == 4 + 2)
        for chart in charts {
            let bounds = ElementBounds.of(chart)
            #expect(bounds.viewBox != nil && bounds.boxes.count > 20)
            #expect(bounds.outside.isEmpty, "\(bounds.outside.prefix(5))")
        }
    }

    @Test func theScatterLegendNamesEveryConfigurationOnceByFamily() throws {
        let group = Self.report.groups[0]
        #expect(group.rows.count == 37)
        let svg = ReportCharts.accuracyVersusSize(group, styles: Self.report.styles)
        let texts = ElementBounds.of(svg).boxes.filter { $0.element == "text" }.map(\.label)
        for row in group.rows where row.method.count < 40 { #expect(texts.filter { $0 == row.method }.count == 1, "\(row.method)") }
        // The long name is cut to its column, with an ellipsis.
        #expect(texts.contains { $0.hasPrefix("block-adaptive-input-with-a-name") && $0.hasSuffix("…") })
        // A heading for each family of two or more, and the front; none for the uncompressed
        // and the tree softmax, with one member each.
        for heading in ["memcom", "hashing", "qr", "low-rank", "mixed-dim", "block-adaptive", "Pareto front"] {
            #expect(texts.contains(heading), "\(heading)")
        }
        #expect(!texts.contains("tree-softmax") && !texts.contains("uncompressed"))
        // The picture grew to hold the legend: taller than the 420 px of the plot and its axis.
        #expect(try #require(ElementBounds.of(svg).viewBox).height > 520)
    }

    @Test func eachFamilyHasOneHueAndEachConfigurationItsOwnShadeAndMarker() throws {
        let styles = Self.report.styles
        #expect(styles.families == ["uncompressed", "memcom", "hashing", "qr", "low-rank", "mixed-dim", "block-adaptive", "tree-softmax"])
        let all = Self.report.methods.map { styles.style(of: $0) }
        #expect(Set(all.map { "\($0.colour) \($0.shape)" }).count == all.count)
        // MEmCom's seven (four input tables, three output matrices): blue from 30 % darker to 45 % lighter.
        let memcom = try #require(styles.members["memcom"])
        #expect(memcom == ["memcom-x16", "memcom-multiplicative-x16", "memcom-x40", "memcom-x4", "out-memcom-x16", "out-memcom-x40", "out-memcom-x4"])
        #expect(styles.style(of: "memcom-x16").colour == "#00507D" && styles.style(of: "out-memcom-x4").colour == "#73B1D5")
        #expect(memcom.map { styles.style(of: $0).shape } == Array(ChartStyles.shapes.prefix(7)))
        #expect(styles.style(of: "full").colour == "#000000" && styles.style(of: "out-tree").colour == ChartStyles.hues[6])

        var both = ExperimentSettings()
        (both.model.inputEmbedding, both.model.outputLayer, both.model.sharing) = ("block-adaptive", "tree-softmax", "cross-layer")
        var shared = ExperimentSettings()
        shared.model.sharing = "cross-layer"
        #expect(ChartStyles.family(of: both) == "block-adaptive + tree-softmax" && ChartStyles.family(of: shared) == "uncompressed")
    }

    @Test func aFamilyHeadingNeverEndsALegendColumn() {
        func settings(_ input: String) -> ExperimentSettings {
            var settings = ExperimentSettings()
            settings.model.inputEmbedding = VariantName(name: input)
            return settings
        }
        let names = ["solo", "m1", "m2", "m3", "h1", "h2"]
        let styles = ChartStyles(names.map { ($0, settings($0 == "solo" ? "full" : $0.hasPrefix("m") ? "memcom" : "hashing")) })
        let legend = ChartLegend(names.map { ($0, $0) }, styles: styles)
        #expect(legend.entries.map(\.label) == ["solo", "memcom", "m1", "m2", "m3", "hashing", "h1", "h2"])
        // Three columns of three rows: the hashing heading would end the second; it starts the third.
        let columnWidth = legend.grid(width: 1000).columnWidth
        let grid = legend.grid(width: 3 * columnWidth - ChartLegend.columnGap + 1)
        #expect(grid.rows == 3 && grid.cells.map(\.column) == [0, 0, 0, 1, 1, 2, 2, 2] && grid.cells[5].row == 0)
        // One column: nothing to move.
        #expect(legend.grid(width: columnWidth - ChartLegend.columnGap).cells.map(\.row) == Array(0..<8))
    }

    @Test func textWidthsAreEstimatedWideAndCutWithAnEllipsis() {
        // "memcom-x16": three m (0.84 em), six of 0.56 em and a hyphen (0.34 em), 6.22 em; 12 % more.
        #expect(abs(ChartText.width("memcom-x16", size: 12) - 6.22 * 12 * 1.12) < 1e-9)
        #expect(ChartText.width("M", size: 10, bold: true) > ChartText.width("M", size: 10))
        let cut = ChartText.fitted("a-configuration-name", size: 12, maxWidth: 60)
        #expect(cut.hasSuffix("…") && ChartText.width(cut, size: 12) <= 60 && ChartText.fitted("short", size: 12, maxWidth: 60) == "short")
    }
}
