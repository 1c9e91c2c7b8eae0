import CompactRec
import Foundation

/// The report's charts as self-contained SVG: no scripts, no fonts or files to fetch, every
/// text escaped. A configuration keeps its colour and marker across all charts of a report
/// (``ChartStyles``), and every text and marker lies inside the picture: legends go under the
/// plot in columns and the picture grows to hold them (``ChartLegend``).
public enum ReportCharts {
    static let font = "font-family=\"Helvetica, Arial, sans-serif\""
    static let width = 760.0, margin = 12.0
    /// The plot area of the scatter and line charts; the legend starts `legendGap` under it.
    static let plotLeft = 78.0, plotRight = width - 24, plotTop = 42.0, plotBottom = 362.0, legendGap = 58.0

    /// The picture's height for a plot with `legend` under it, and the legend's top.
    static func heightWithLegend(_ legend: ChartLegend) -> (height: Double, legendTop: Double) {
        let legendTop = plotBottom + legendGap
        return (legendTop + legend.height(width: width - 2 * margin) + margin, legendTop)
    }

    /// The chart's title at the top left, cut to the picture's width.
    static func title(_ title: String, x: Double) -> String {
        text(x: x, y: 22, ChartText.fitted(title, size: 15, bold: true, maxWidth: width - x - margin), anchor: "start", size: 15, weight: "bold")
    }

    /// The vertical axis's title, rotated, centred on the plot.
    static func verticalTitle(_ title: String) -> String {
        let middle = f((plotTop + plotBottom) / 2)
        return "<text x=\"18\" y=\"\(middle)\" \(font) font-size=\"13\" text-anchor=\"middle\" "
            + "transform=\"rotate(-90 18 \(middle))\">\(escapeMarkup(title))</text>\n"
    }

    // MARK: - NDCG@10 against parameters

    /// NDCG@10 (mean, with the lowest to the highest seed as an error bar) against the parameter
    /// count on a log axis, a marker per configuration, the Pareto front (fewest parameters for
    /// the NDCG) as a step line, and a legend by method family.
    public static func accuracyVersusSize(_ group: ExperimentReport.Group, styles: ChartStyles) -> String {
        let (left, right, top, bottom) = (plotLeft, plotRight, plotTop, plotBottom)
        let rows = group.rows.filter { $0.params > 0 && $0.ndcg10.mean.isFinite }
        let front = paretoFront(rows.map { (Double($0.params), $0.ndcg10.mean) })
        let legend = ChartLegend(rows.map { ($0.method, $0.method) }, styles: styles,
                                 trailing: front.count > 1 ? [.dashedLine(label: "Pareto front")] : [])
        let (height, legendTop) = heightWithLegend(legend)
        var svg = header(width: width, height: height, label: "NDCG@10 against parameters, \(group.title)")
        svg += title("NDCG@10 against parameters (\(group.title))", x: left)
        guard !rows.isEmpty else { return svg + text(x: width / 2, y: height / 2, "no results") + "</svg>" }

        let xAxis = logTicks(low: Double(rows.map(\.params).min()!), high: Double(rows.map(\.params).max()!))
        let yAxis = linearTicks(low: rows.map(\.ndcg10.minimum).min()!, high: rows.map(\.ndcg10.maximum).max()!, nonNegative: true)
        let (xLow, xHigh) = (log10(xAxis.first!), log10(xAxis.last!))
        func x(_ params: Double) -> Double { left + (log10(params) - xLow) / (xHigh - xLow) * (right - left) }
        func y(_ value: Double) -> Double { bottom - (value - yAxis.low) / (yAxis.high - yAxis.low) * (bottom - top) }

        for tick in xAxis {
            svg += line(x(tick), top, x(tick), bottom, colour: "#e4e4e4")
            svg += text(x: x(tick), y: bottom + 18, countLabel(tick))
        }
        for tick in yAxis.ticks {
            svg += line(left, y(tick), right, y(tick), colour: "#e4e4e4")
            svg += text(x: left - 8, y: y(tick) + 4, String(format: "%.\(yAxis.decimals)f", tick), anchor: "end")
        }
        svg += line(left, bottom, right, bottom, colour: "#333333") + line(left, top, left, bottom, colour: "#333333")
        svg += text(x: (left + right) / 2, y: bottom + 42, "parameters (log scale)") + verticalTitle("NDCG@10")

        if front.count > 1 {
            var points: [String] = []
            for (a, b) in zip(front, front.dropFirst()) {
                let from = rows[a], to = rows[b]
                points += ["\(f(x(Double(from.params)))),\(f(y(from.ndcg10.mean)))", "\(f(x(Double(to.params)))),\(f(y(from.ndcg10.mean)))"]
            }
            let last = rows[front.last!]
            points.append("\(f(x(Double(last.params)))),\(f(y(last.ndcg10.mean)))")
            svg += "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"#555555\" "
                + "stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n"
        }
        for row in rows {
            let style = styles.style(of: row.method)
            let cx = x(Double(row.params)), cy = y(row.ndcg10.mean)
            svg += errorBar(row.ndcg10, x: cx, y: y, colour: style.colour)
            let tip = "\(row.method): \(ExperimentReport.grouped(row.params)) parameters, NDCG@10 \(ExperimentReport.format(row.ndcg10))"
            svg += "<g><title>\(escapeMarkup(tip))</title>\(marker(style.shape, cx, cy, style.colour))</g>\n"
        }
        return svg + legend.svg(x: margin, y: legendTop, width: width - 2 * margin) + "</svg>"
    }

    // MARK: - Line charts: NDCG@10 against the sequence length or the compression ratio; learning curves

    /// Mean NDCG@10 at each sequence length of a study, a line and markers per method; the
    /// lengths are evenly spaced, as the studies use doubling-ish lengths (10, 20, 50, 100).
    public static func accuracyVersusLength(_ study: ExperimentReport.LengthStudy, styles: ChartStyles) -> String {
        lineChart(title: "NDCG@10 against sequence length (\(study.dataset))", xLabel: "sequence length", yLabel: "NDCG@10",
                  columns: study.lengths.map { "T = \($0)" },
                  lines: study.lines.map { ($0.method, $0.method, $0.rows.map { $0?.ndcg10 }) }, styles: styles)
    }

    /// Mean NDCG@10 at each target ratio of a compression study, a line and markers per method;
    /// the ratios are evenly spaced (4×, 16×, 40×).
    public static func accuracyVersusRatio(_ study: ExperimentReport.RatioStudy, styles: ChartStyles) -> String {
        let subject = "\(study.side.rawValue) compression ratio"
        return lineChart(title: "NDCG@10 against \(subject) (\(study.dataset))", xLabel: subject, yLabel: "NDCG@10",
                         columns: study.columns,
                         lines: study.lines.map { ($0.method, $0.configuration, $0.rows.map { $0?.ndcg10 }) }, styles: styles)
    }

    /// The training loss (or, with `validation`, the validation NDCG@10) of each row of `group`
    /// that recorded a learning curve, by epoch: whether training had levelled off.
    public static func learningCurves(_ group: ExperimentReport.Group, validation: Bool = false, styles: ChartStyles) -> String {
        let curves = group.rows.compactMap { row in
            row.learningCurve.flatMap { curve in (validation ? curve.validationNDCG10 : curve.loss).map { (row.method, $0) } }
        }
        let epochs = curves.map(\.1.count).max() ?? 0
        let measure = validation ? "validation NDCG@10" : "training loss"
        return lineChart(title: "\(measure.prefix(1).uppercased() + measure.dropFirst()) by epoch (\(group.title))", xLabel: "epoch",
                         yLabel: validation ? "NDCG@10" : "loss", columns: (0..<epochs).map { String($0 + 1) },
                         lines: curves.map { method, values in
                             (method, method, (0..<epochs).map { $0 < values.count && values[$0].count > 0 ? values[$0] : nil })
                         }, styles: styles)
    }

    /// Evenly spaced columns (one per setting), the value up, a line and markers per entry of
    /// `lines`: (label, the configuration that picks its colour and marker, its value in each
    /// column, nil where it has none), with the seeds' lowest to highest as an error bar.
    static func lineChart(
        title chartTitle: String, xLabel: String, yLabel: String, columns: [String],
        lines chartLines: [(label: String, style: String, values: [ExperimentReport.Spread?])], styles: ChartStyles
    ) -> String {
        let (left, right, top, bottom) = (plotLeft, plotRight, plotTop, plotBottom)
        let legend = ChartLegend(chartLines.map { ($0.label, $0.style) }, styles: styles)
        let (height, legendTop) = heightWithLegend(legend)
        var svg = header(width: width, height: height, label: chartTitle)
        svg += title(chartTitle, x: left)
        let spreads = chartLines.flatMap { $0.values.compactMap { $0 } }.filter(\.mean.isFinite)
        guard !spreads.isEmpty else { return svg + text(x: width / 2, y: height / 2, "no results") + "</svg>" }

        let yAxis = linearTicks(low: spreads.map(\.minimum).min()!, high: spreads.map(\.maximum).max()!, nonNegative: true)
        let step = (right - left) / Double(max(columns.count - 1, 1))
        func x(_ index: Int) -> Double { columns.count == 1 ? (left + right) / 2 : left + Double(index) * step }
        func y(_ value: Double) -> Double { bottom - (value - yAxis.low) / (yAxis.high - yAxis.low) * (bottom - top) }
        for (i, column) in columns.enumerated() {
            svg += line(x(i), top, x(i), bottom, colour: "#e4e4e4") + text(x: x(i), y: bottom + 18, column)
        }
        for tick in yAxis.ticks {
            svg += line(left, y(tick), right, y(tick), colour: "#e4e4e4")
            svg += text(x: left - 8, y: y(tick) + 4, String(format: "%.\(yAxis.decimals)f", tick), anchor: "end")
        }
        svg += line(left, bottom, right, bottom, colour: "#333333") + line(left, top, left, bottom, colour: "#333333")
        svg += text(x: (left + right) / 2, y: bottom + 42, xLabel) + verticalTitle(yLabel)

        for chartLine in chartLines {
            let style = styles.style(of: chartLine.style)
            let points = chartLine.values.enumerated().compactMap { i, value in
                value.flatMap { $0.mean.isFinite ? (i, $0) : nil }
            }
            if points.count > 1 {
                svg += "<polyline points=\"" + points.map { "\(f(x($0.0))),\(f(y($0.1.mean)))" }.joined(separator: " ")
                    + "\" fill=\"none\" stroke=\"\(style.colour)\" stroke-width=\"1.5\"/>\n"
            }
            for (i, value) in points {
                svg += errorBar(value, x: x(i), y: y, colour: style.colour)
                let tip = "\(chartLine.label), \(columns[i]): \(yLabel) \(ExperimentReport.format(value))"
                svg += "<g><title>\(escapeMarkup(tip))</title>\(marker(style.shape, x(i), y(value.mean), style.colour))</g>\n"
            }
        }
        return svg + legend.svg(x: margin, y: legendTop, width: width - 2 * margin) + "</svg>"
    }

    /// Indices of the points on the Pareto front — none has fewer parameters and at least as
    /// high a score, or as few parameters and a higher one — ordered by parameters.
    public static func paretoFront(_ points: [(params: Double, score: Double)]) -> [Int] {
        let order = points.indices.sorted {
            points[$0].params != points[$1].params ? points[$0].params < points[$1].params : points[$0].score > points[$1].score
        }
        var front: [Int] = [], best = -Double.infinity
        for i in order where points[i].score > best {
            front.append(i)
            best = points[i].score
        }
        return front
    }

    // MARK: - Bars

    /// A block of bars under a heading: the report gives each machine its own, as times from
    /// different machines must not be read against each other.
    public struct BarSection: Sendable {
        public var heading: String?
        public var values: [(method: String, value: ExperimentReport.Spread)]

        public init(heading: String?, values: [(method: String, value: ExperimentReport.Spread)]) {
            self.heading = heading
            self.values = values
        }
    }

    /// One horizontal bar per method with its mean and, over several seeds, a whisker of ±
    /// the standard deviation; the value is written at the bar's end. Each section's bars follow
    /// its heading; all share one axis.
    public static func bars(title chartTitle: String, sections: [BarSection], styles: ChartStyles, format: String) -> String {
        let top = 42.0, rowHeight = 24.0, valueRoom = 90.0
        let entries = sections.flatMap(\.values)
        // Labels right-aligned before the bars, as wide as the widest (up to 280 px, cut beyond).
        let labelWidth = min(entries.map { ChartText.width($0.method, size: 12) }.max() ?? 60, 280)
        let left = max(margin + labelWidth + 8, 90), right = width - valueRoom
        let headings = sections.filter { $0.heading != nil }.count
        let bottom = top + rowHeight * Double(max(entries.count + headings, 1)) + 6, height = bottom + 44
        var svg = header(width: width, height: height, label: chartTitle)
        svg += title(chartTitle, x: margin)
        let shown = entries.filter { $0.value.mean.isFinite }
        guard !shown.isEmpty else { return svg + text(x: width / 2, y: height / 2, "no results") + "</svg>" }

        let axis = linearTicks(low: 0, high: shown.map { $0.value.mean + $0.value.deviation }.max()!, nonNegative: true)
        func x(_ value: Double) -> Double { left + (value - axis.low) / (axis.high - axis.low) * (right - left) }
        for tick in axis.ticks {
            svg += line(x(tick), top, x(tick), bottom, colour: "#e4e4e4")
            svg += text(x: x(tick), y: bottom + 18, String(format: "%.\(axis.decimals)f", tick))
        }
        var slot = 0
        for section in sections {
            if let heading = section.heading {
                let fitted = ChartText.fitted(heading, size: 12, bold: true, maxWidth: width - 2 * margin)
                svg += text(x: margin, y: top + rowHeight * Double(slot) + 16, fitted, anchor: "start", weight: "bold")
                slot += 1
            }
            for entry in section.values {
                let y = top + rowHeight * Double(slot) + 4
                slot += 1
                svg += text(x: left - 8, y: y + 12, ChartText.fitted(entry.method, size: 12, maxWidth: labelWidth), anchor: "end")
                guard entry.value.mean.isFinite else { continue }
                let colour = styles.style(of: entry.method).colour
                svg += "<rect x=\"\(f(left))\" y=\"\(f(y))\" width=\"\(f(max(x(entry.value.mean) - left, 0.5)))\" height=\"16\" "
                    + "fill=\"\(colour)\"><title>\(escapeMarkup(entry.method + ": " + String(format: format, entry.value.mean)))</title></rect>\n"
                var end = x(entry.value.mean)
                if entry.value.deviation > 0 {
                    let low = x(max(entry.value.mean - entry.value.deviation, 0)), high = x(entry.value.mean + entry.value.deviation)
                    svg += line(low, y + 8, high, y + 8, colour: "#222222") + line(high, y + 3, high, y + 13, colour: "#222222")
                    end = high
                }
                svg += text(x: end + 6, y: y + 12, String(format: format, entry.value.mean), anchor: "start")
            }
        }
        svg += line(left, bottom, right, bottom, colour: "#333333") + line(left, top, left, bottom, colour: "#333333")
        return svg + "</svg>"
    }

    // MARK: - Axes

    /// Ticks of the 1-2-5 series for a log axis covering `low…high` with a margin; the first
    /// and last ticks are the axis's ends.
    public static func logTicks(low: Double, high: Double) -> [Double] {
        precondition(low > 0 && high >= low)
        let series: (Int) -> [Double] = { e in [1, 2, 5].map { $0 * pow(10, Double(e)) } }
        let from = Int(floor(log10(low / 1.2))) - 1, to = Int(ceil(log10(high * 1.2))) + 1
        let all = (from...to).flatMap(series)
        let start = all.last { $0 <= low / 1.2 * (1 + 1e-9) }!, end = all.first { $0 >= high * 1.2 * (1 - 1e-9) }!
        return all.filter { $0 >= start && $0 <= end }
    }

    /// A linear axis over `low…high` padded by 8 %, with ticks at a 1-2-5 step; it does not
    /// go below zero when `nonNegative` and the data do not.
    public static func linearTicks(low: Double, high: Double, nonNegative: Bool = false) -> (low: Double, high: Double, ticks: [Double], decimals: Int) {
        var (a, b) = (low, high)
        if b - a <= 0 {
            let pad = max(abs(a) * 0.1, 1e-3)
            (a, b) = (a - pad, b + pad)
        } else {
            let pad = (b - a) * 0.08
            (a, b) = (a - pad, b + pad)
        }
        if nonNegative && low >= 0 { a = max(a, 0) }
        let raw = (b - a) / 6, magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw * (1 - 1e-9) }!
        let first = floor(a / step + 1e-9), last = ceil(b / step - 1e-9)
        let ticks = (0...Int(last - first)).map { (first + Double($0)) * step }
        return (first * step, last * step, ticks, max(0, Int(-floor(log10(step) + 1e-9))))
    }

    /// `200000` → `200k`, `1500000` → `1.5M`.
    public static func countLabel(_ value: Double) -> String {
        func trimmed(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(format: "%g", v) }
        if value >= 1e9 { return trimmed(value / 1e9) + "G" }
        if value >= 1e6 { return trimmed(value / 1e6) + "M" }
        if value >= 1e3 { return trimmed(value / 1e3) + "k" }
        return trimmed(value)
    }

    // MARK: - SVG pieces

    /// A vertical bar with caps from the lowest to the highest seed of `spread` at `x`; nothing
    /// for a single seed or seeds that agree.
    static func errorBar(_ spread: ExperimentReport.Spread, x: Double, y: (Double) -> Double, colour: String) -> String {
        guard spread.count > 1, spread.maximum > spread.minimum else { return "" }
        let low = y(spread.minimum), high = y(spread.maximum)
        return line(x, low, x, high, colour: colour) + line(x - 4, low, x + 4, low, colour: colour) + line(x - 4, high, x + 4, high, colour: colour)
    }

    static func header(width: Double, height: Double, label: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" "
            + "viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\" aria-label=\"\(escapeMarkup(label))\">\n"
            + "<title>\(escapeMarkup(label))</title>\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
    }

    static func text(x: Double, y: Double, _ content: String, anchor: String = "middle", size: Int = 12, weight: String = "normal") -> String {
        "<text x=\"\(f(x))\" y=\"\(f(y))\" \(font) font-size=\"\(size)\" font-weight=\"\(weight)\" "
            + "text-anchor=\"\(anchor)\" fill=\"#222222\">\(escapeMarkup(content))</text>\n"
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, colour: String) -> String {
        "<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(colour)\" stroke-width=\"1\"/>\n"
    }

    static func marker(_ shape: String, _ x: Double, _ y: Double, _ colour: String) -> String {
        let edge = "fill=\"\(colour)\" stroke=\"#ffffff\" stroke-width=\"1\""
        func polygon(_ points: [(Double, Double)]) -> String {
            "<polygon points=\"\(points.map { "\(f(x + $0.0)),\(f(y + $0.1))" }.joined(separator: " "))\" \(edge)/>"
        }
        switch shape {
        case "square": return "<rect x=\"\(f(x - 5))\" y=\"\(f(y - 5))\" width=\"10\" height=\"10\" \(edge)/>"
        case "triangle": return polygon([(0, -7), (6.5, 4.5), (-6.5, 4.5)])
        case "diamond": return polygon([(0, -7), (7, 0), (0, 7), (-7, 0)])
        case "triangle-down": return polygon([(0, 7), (6.5, -4.5), (-6.5, -4.5)])
        case "cross":
            return "<path d=\"M\(f(x - 5)) \(f(y - 5))L\(f(x + 5)) \(f(y + 5))M\(f(x - 5)) \(f(y + 5))L\(f(x + 5)) \(f(y - 5))\" "
                + "stroke=\"\(colour)\" stroke-width=\"2.5\" fill=\"none\"/>"
        case "plus":
            return "<path d=\"M\(f(x - 6)) \(f(y))L\(f(x + 6)) \(f(y))M\(f(x)) \(f(y - 6))L\(f(x)) \(f(y + 6))\" "
                + "stroke=\"\(colour)\" stroke-width=\"2.5\" fill=\"none\"/>"
        case "ring":
            return "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"4.5\" fill=\"#ffffff\" stroke=\"\(colour)\" stroke-width=\"2.5\"/>"
        default: return "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"5.5\" \(edge)/>"
        }
    }

    /// Coordinates with one decimal.
    static func f(_ value: Double) -> String { String(format: "%.1f", value) }
}

/// `text` safe inside XML or HTML text and attribute values: `& < > " '` become references.
public func escapeMarkup(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for character in text {
        switch character {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default:
            // Control characters other than tab and line breaks are not allowed in XML at all.
            if let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1,
               scalar.value < 0x20 && scalar != "\t" && scalar != "\n" && scalar != "\r" {
                out += "\u{FFFD}"
            } else {
                out.append(character)
            }
        }
    }
    return out
}
