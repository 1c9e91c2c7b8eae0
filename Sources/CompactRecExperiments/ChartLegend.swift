/// A chart's legend, laid out under the plot in as many columns as fit the picture's width,
/// and as many rows as it needs: the chart grows to hold it, so no entry falls outside the
/// picture however many series there are.
///
/// Entries are grouped by method family; a family with two or more entries gets a heading.
struct ChartLegend {
    enum Entry {
        case series(label: String, style: ChartStyles.Style)
        case heading(String)
        /// The Pareto front's dashed step line.
        case dashedLine(label: String)

        var label: String {
            switch self {
            case let .series(label, _), let .heading(label), let .dashedLine(label): return label
            }
        }
    }

    static let rowHeight = 18.0, keyWidth = 22.0, columnGap = 18.0, fontSize = 12.0
    /// The widest a column may be: a longer label is cut to fit.
    static let widestColumn = 360.0

    var entries: [Entry]

    /// The legend of `series` (label and the configuration that picks its style), their
    /// families in the order of `styles`, each family's series in the order given.
    init(_ series: [(label: String, configuration: String)], styles: ChartStyles, trailing: [Entry] = []) {
        let styled = series.map { (label: $0.label, style: styles.style(of: $0.configuration)) }
        var families: [String] = []
        for entry in styled where !families.contains(entry.style.family) { families.append(entry.style.family) }
        families.sort { (styles.families.firstIndex(of: $0) ?? .max) < (styles.families.firstIndex(of: $1) ?? .max) }
        entries = families.flatMap { family -> [Entry] in
            let members = styled.filter { $0.style.family == family }
            return (members.count > 1 ? [.heading(family)] : []) + members.map { .series(label: $0.label, style: $0.style) }
        } + trailing
    }

    /// Columns and rows for `width` pixels: as many columns as the widest entry allows, filled
    /// top to bottom, with each entry's column and row. A heading never ends a column (its
    /// family would start in the next), so a column may end a row short.
    func grid(width: Double) -> (rows: Int, columnWidth: Double, cells: [(column: Int, row: Int)]) {
        guard !entries.isEmpty else { return (0, width, []) }
        let widest = entries.map { Self.keyWidth + ChartText.width($0.label, size: Self.fontSize, bold: Self.isHeading($0)) }.max()!
        let columnWidth = min(widest, Self.widestColumn, width) + Self.columnGap
        let columns = max(1, min(entries.count, Int((width + Self.columnGap) / columnWidth)))
        var rows = (entries.count + columns - 1) / columns
        while true {
            var cells: [(column: Int, row: Int)] = [], column = 0, row = 0
            for entry in entries {
                if row == rows || (Self.isHeading(entry) && row == rows - 1 && rows > 1) { (column, row) = (column + 1, 0) }
                cells.append((column, row))
                row += 1
            }
            if column < columns { return (rows, columnWidth, cells) }
            rows += 1
        }
    }

    /// The height the legend takes in `width` pixels.
    func height(width: Double) -> Double { Double(grid(width: width).rows) * Self.rowHeight }

    /// The legend's SVG with its top-left corner at (`x`, `y`).
    func svg(x: Double, y: Double, width: Double) -> String {
        let (_, columnWidth, cells) = grid(width: width)
        var svg = ""
        let labelWidth = min(columnWidth - Self.columnGap, width) - Self.keyWidth
        for (entry, cell) in zip(entries, cells) {
            let left = x + Double(cell.column) * columnWidth, middle = y + Double(cell.row) * Self.rowHeight + Self.rowHeight / 2
            let bold = Self.isHeading(entry)
            let label = ChartText.fitted(entry.label, size: Self.fontSize, bold: bold, maxWidth: bold ? labelWidth + Self.keyWidth : labelWidth)
            switch entry {
            case let .series(_, style):
                svg += ReportCharts.marker(style.shape, left + 8, middle, style.colour)
                svg += ReportCharts.text(x: left + Self.keyWidth, y: middle + 4, label, anchor: "start")
            case .heading:
                svg += ReportCharts.text(x: left, y: middle + 4, label, anchor: "start", weight: "bold")
            case .dashedLine:
                svg += "<line x1=\"\(ReportCharts.f(left))\" y1=\"\(ReportCharts.f(middle))\" x2=\"\(ReportCharts.f(left + 16))\" "
                    + "y2=\"\(ReportCharts.f(middle))\" stroke=\"#555555\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n"
                svg += ReportCharts.text(x: left + Self.keyWidth, y: middle + 4, label, anchor: "start")
            }
        }
        return svg
    }

    private static func isHeading(_ entry: Entry) -> Bool {
        if case .heading = entry { return true }
        return false
    }
}
