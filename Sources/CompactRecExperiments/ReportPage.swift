import CompactRec

extension ExperimentReport {
    /// The report as one self-contained page: inline CSS and SVG, no scripts, nothing fetched.
    /// It is also well-formed XML (every element closed, only XML's own entities), so it can be
    /// checked with an XML parser.
    public func html() -> String {
        let title = "Experiment report: " + plans.joined(separator: ", ")
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8"/>
            <title>\(escapeMarkup(title))</title>
            <style>
            body { font-family: Helvetica, Arial, sans-serif; color: #222222; margin: 2em auto; max-width: 62em; padding: 0 1em; line-height: 1.45; }
            h1 { font-size: 1.6em; }
            h2 { font-size: 1.25em; margin-top: 2.2em; border-bottom: 1px solid #dddddd; padding-bottom: 0.2em; }
            table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }
            th, td { border-bottom: 1px solid #e4e4e4; padding: 0.3em 0.7em; text-align: right; white-space: nowrap; }
            th:first-child, td:first-child { text-align: left; }
            th { background: #f4f4f4; }
            tr.baseline td { font-weight: bold; }
            table.text th, table.text td { text-align: left; white-space: normal; }
            figure { margin: 1.2em 0; }
            figcaption { font-size: 0.9em; color: #555555; }
            svg { max-width: 100%; height: auto; }
            .meta { color: #555555; font-size: 0.92em; }
            </style>
            </head>
            <body>
            <h1>\(escapeMarkup(title))</h1>

            """
        var meta = "\(runCount) runs" + (dates.map { ", \($0.first) to \($0.last)" } ?? "") + "."
        meta = "<p class=\"meta\">\(escapeMarkup(meta))</p>\n<ul class=\"meta\">\n"
        for machine in machineLines { meta += "<li>machine \(escapeMarkup(machine))</li>\n" }
        for build in buildLines { meta += "<li>build: \(escapeMarkup(build))</li>\n" }
        for evaluationProtocol in protocols { meta += "<li>protocol: \(escapeMarkup(evaluationProtocol))</li>\n" }
        page += meta + "</ul>\n<p>\(escapeMarkup(explanation))</p>\n"
        if let note = missingLearningCurvesNote { page += "<p class=\"meta\">\(escapeMarkup(note))</p>\n" }
        if !claimChecks.isEmpty || !uncheckedClaims.isEmpty {
            page += "<section>\n<h2>\(escapeMarkup("The papers' claims"))</h2>\n<p class=\"meta\">\(escapeMarkup(Self.claimsExplanation))</p>\n"
            if !claimChecks.isEmpty { page += table(columns: Self.claimColumns, rows: claimTableRows, className: "text") }
            if !uncheckedClaims.isEmpty {
                page += "<ul>\n" + uncheckedClaims.map {
                    "<li>\(escapeMarkup($0.notCheckedNote))</li>\n"
                }.joined() + "</ul>\n"
            }
            page += "</section>\n"
        }

        for group in groups {
            page += "<section>\n<h2>\(escapeMarkup(group.title))</h2>\n"
            page += "<p class=\"meta\">\(escapeMarkup("\(Self.grouped(group.items)) items, \(Self.grouped(group.testCases)) test cases; baseline: \(group.baseline ?? "none (no uncompressed configuration)")."))</p>\n"
            page += "<table>\n<thead><tr>" + Self.columns.map { "<th>\(escapeMarkup($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
            for row in group.rows {
                page += (row.isBaseline ? "<tr class=\"baseline\">" : "<tr>")
                    + Self.cells(row).map { "<td>\(escapeMarkup($0))</td>" }.joined() + "</tr>\n"
            }
            page += "</tbody>\n</table>\n"
            page += "<p>\(escapeMarkup(Self.seedSpreadSentence(group.rows.map { ($0.method, $0.ndcg10) })))</p>\n"
            page += figure(ReportCharts.accuracyVersusSize(group, styles: styles),
                           caption: "Mean NDCG@10 over seeds (bars: the lowest to the highest seed) against parameters; the dashed steps join the configurations no other beats with fewer parameters.")
            page += "<p class=\"meta\">\(escapeMarkup(Self.timingExplanation))</p>\n"
            page += table(columns: Self.timingColumns, rows: Self.timingTableRows(group))
            page += figure(ReportCharts.bars(title: "Training time per epoch (s), \(group.title)",
                                             sections: timingSections(group, \.secondsPerEpoch), styles: styles, format: "%.2f s"),
                           caption: "Seconds of training steps per epoch, mean over the seeds run on each machine; a block of bars per machine.")
            page += figure(ReportCharts.bars(title: "Recommend latency p50 (ms), \(group.title)",
                                             sections: timingSections(group, \.recommendLatencyP50Ms), styles: styles, format: "%.3f ms"),
                           caption: "Median time of a single-history top-10 recommendation, mean over the seeds run on each machine; a block of bars per machine.")
            let curves = Self.learningCurveRows(group)
            if !curves.isEmpty {
                page += "<p class=\"meta\">\(escapeMarkup(Self.learningCurveExplanation))</p>\n"
                page += table(columns: Self.learningCurveColumns(group), rows: curves)
                page += figure(ReportCharts.learningCurves(group, styles: styles),
                               caption: "Mean training loss over seeds after each epoch; the bars span the lowest to the highest seed.")
                if group.rows.contains(where: { $0.learningCurve?.validationNDCG10 != nil }) {
                    page += figure(ReportCharts.learningCurves(group, validation: true, styles: styles),
                                   caption: "Mean validation NDCG@10 over seeds after each epoch.")
                }
            }
            page += "</section>\n"
        }
        for study in ratioStudies {
            page += "<section>\n<h2>\(escapeMarkup(study.title))</h2>\n"
            page += "<p class=\"meta\">\(escapeMarkup(study.explanation))</p>\n"
            page += studyTable(columns: study.columns, rows: study.tableRows)
            page += "<p>\(escapeMarkup(Self.seedSpreadSentence(study.seedSpreads)))</p>\n"
            page += figure(ReportCharts.accuracyVersusRatio(study, styles: styles),
                           caption: "Mean NDCG@10 over seeds at each target ratio, a line per method; the bars span the lowest to the highest seed.")
            page += "</section>\n"
        }
        for study in lengthStudies {
            page += "<section>\n<h2>\(escapeMarkup("\(study.dataset): NDCG@10 by sequence length"))</h2>\n"
            page += "<p class=\"meta\">\(escapeMarkup(Self.lengthStudyExplanation))</p>\n"
            page += studyTable(columns: study.columns, rows: study.tableRows)
            page += "<p>\(escapeMarkup(Self.seedSpreadSentence(study.seedSpreads)))</p>\n"
            page += figure(ReportCharts.accuracyVersusLength(study, styles: styles),
                           caption: "Mean NDCG@10 over seeds at each sequence length, a line per configuration; the bars span the lowest to the highest seed.")
            page += "</section>\n"
        }
        return page + "</body>\n</html>\n"
    }

    /// One bar chart section per machine of `group`: the time at `figure` of each row run there.
    private func timingSections(_ group: Group, _ figure: KeyPath<MachineTiming, Spread>) -> [ReportCharts.BarSection] {
        Set(group.rows.flatMap { $0.timings.map(\.machine) }).sorted().map { machine in
            ReportCharts.BarSection(
                heading: "\(Self.machineName(machine)): \(machines[machine].description)",
                values: group.rows.compactMap { row in row.timings.first { $0.machine == machine }.map { (row.method, $0[keyPath: figure]) } })
        }
    }

    /// A study's table: a method column, then one column per setting.
    private func studyTable(columns: [String], rows: [[String]]) -> String {
        table(columns: ["method"] + columns, rows: rows)
    }

    private func table(columns: [String], rows: [[String]], className: String? = nil) -> String {
        (className.map { "<table class=\"\($0)\">" } ?? "<table>") + "\n<thead><tr>" + columns.map { "<th>\(escapeMarkup($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
            + rows.map { "<tr>" + $0.map { "<td>\(escapeMarkup($0))</td>" }.joined() + "</tr>\n" }.joined()
            + "</tbody>\n</table>\n"
    }

    private func figure(_ svg: String, caption: String) -> String {
        "<figure>\n\(svg)\n<figcaption>\(escapeMarkup(caption))</figcaption>\n</figure>\n"
    }
}
