import CompactRec
import Foundation

/// The results of an experiment folded into tables: one group per data set and sequence
/// length, one row per configuration, each figure averaged over the seeds.
///
///     let report = ExperimentReport(results: try ResultsStore.read(path: "runs/cprec/results.jsonl").results)
///     try writeAtomically(Data(report.markdown().utf8), to: "runs/cprec/report.md")
public struct ExperimentReport: Sendable {
    public struct Row: Sendable {
        public var method: String
        public var seeds: Int
        /// Each seed's NDCG@10, HR@10 and MRR@10 (keys as in ``PaperClaim/metrics``): what
        /// comparisons between rows pair by seed.
        public var metricsBySeed: [UInt64: [String: Double]]
        public var params: Int
        public var compressionRatio: Double
        /// The input embedding's and the output layer's parameters in the baseline over this
        /// row's (the output layer's with its bias); nil without a baseline.
        public var inputRatio: Double?
        public var outputRatio: Double?
        public var ndcg10: Spread
        public var hr10: Spread
        public var mrr10: Spread
        /// (NDCG@10 − the baseline's) / the baseline's, of the means over the seeds both ran;
        /// nil without a baseline or a seed in common.
        public var relativeNDCG10: Double?
        /// Training loss (and validation NDCG@10) by epoch; nil when no run recorded it.
        public var learningCurve: LearningCurve?
        /// Training and serving times, one entry per machine the row's runs came from.
        public var timings: [MachineTiming]
        public var isBaseline: Bool
    }

    public struct Group: Sendable {
        public var dataset: String
        public var length: Int
        public var items: Int
        public var testCases: Int
        /// The first uncompressed configuration (parameters equal to the uncompressed count).
        public var baseline: String?
        public var rows: [Row]

        public var title: String { "\(dataset), T = \(length)" }
    }

    /// One data set's NDCG@10 at each of its sequence lengths, a line per method: the shape of
    /// a sequence-length study. Only for data sets run at two or more lengths.
    public struct LengthStudy: Sendable {
        public struct Line: Sendable {
            public var method: String
            /// The method's row at each of the study's lengths; nil where it was not run.
            public var rows: [Row?]
        }

        public var dataset: String
        public var lengths: [Int]
        public var lines: [Line]

        public var columns: [String] { lengths.map { "T = \($0)" } }
        /// The table's rows: the method, then a cell per length.
        public var tableRows: [[String]] { lines.map { [$0.method] + $0.rows.map(Self.cell) } }
        /// Each cell's NDCG@10 over seeds, labelled `method at T = 20`.
        public var seedSpreads: [(label: String, spread: Spread)] {
            lines.flatMap { line in
                zip(columns, line.rows).compactMap { column, row in row.map { ("\(line.method) at \(column)", $0.ndcg10) } }
            }
        }

        /// A cell of the study's table: mean NDCG@10 and its change against that length's baseline.
        public static func cell(_ row: Row?) -> String {
            guard let row else { return "–" }
            let change = row.isBaseline ? "baseline" : row.relativeNDCG10.map { String(format: "%+.1f %%", 100 * $0) }
            return String(format: "%.4f", row.ndcg10.mean) + (change.map { " (\($0))" } ?? "")
        }
    }

    public var groups: [Group]
    public var lengthStudies: [LengthStudy]
    /// For each group with runs sized by `inputRatio` or `outputRatio`, its study per side.
    public var ratioStudies: [RatioStudy]
    /// The claims checked on the groups where both of their configurations ran, and those
    /// that could not be checked on any.
    public var claimChecks: [ClaimCheck]
    public var uncheckedClaims: [PaperClaim]
    /// Plans, machines and protocols the results come from, each listed once, in order of appearance.
    public var plans: [String]
    public var machines: [RunResult.Machine]
    /// How many runs each of ``machines`` made.
    public var machineRunCounts: [Int]
    /// The builds the runs were made with (nil for records that predate it) and how many runs each made.
    public var builds: [(build: BuildInfo?, runs: Int)]
    public var protocols: [String]
    /// Every configuration, in order of appearance.
    public var methods: [String]
    /// Each configuration's colour and marker in the charts, by method family.
    public var styles: ChartStyles
    public var runCount: Int
    /// Runs whose record has no per-epoch loss (written before results kept it).
    public var runsWithoutLearningCurve: Int
    /// The earliest and latest run dates.
    public var dates: (first: String, last: String)?

    /// Groups `results` (one run per key: a repeated key keeps its first record) and checks
    /// `claims` against them (a claim listed twice is checked once).
    public init(results: [RunResult], claims: [PaperClaim] = []) {
        var seen = Set<String>()
        let results = results.filter { seen.insert($0.key).inserted }
        func ordered<T: Hashable>(_ values: [T]) -> [T] {
            var seen = Set<T>()
            return values.filter { seen.insert($0).inserted }
        }
        runCount = results.count
        runsWithoutLearningCurve = results.count { ($0.learningCurve ?? []).isEmpty }
        plans = ordered(results.map(\.plan))
        machines = ordered(results.map(\.machine))
        machineRunCounts = machines.map { machine in results.count { $0.machine == machine } }
        builds = ordered(results.map(\.build)).map { build in (build, results.count { $0.build == build }) }
        protocols = ordered(results.map(\.evaluationProtocol))
        methods = ordered(results.map(\.configuration))
        styles = ChartStyles(results.map { ($0.configuration, $0.settings) })
        let sortedDates = results.map(\.date).sorted()
        dates = sortedDates.first.map { ($0, sortedDates.last!) }

        let datasets = ordered(results.map(\.dataset))
        groups = []
        lengthStudies = []
        ratioStudies = []
        for dataset in datasets {
            let ofDataset = results.filter { $0.dataset == dataset }
            var ofLengths: [Group] = []
            for length in Set(ofDataset.map(\.length)).sorted() {
                let runs = ofDataset.filter { $0.length == length }
                let group = Self.group(dataset: dataset, length: length, runs: runs, machines: machines)
                ofLengths.append(group)
                ratioStudies += RatioStudy.of(group, runs: runs)
            }
            groups += ofLengths
            if ofLengths.count > 1 {
                let methods = ordered(ofLengths.flatMap { $0.rows.map(\.method) })
                lengthStudies.append(LengthStudy(
                    dataset: dataset, lengths: ofLengths.map(\.length),
                    lines: methods.map { method in
                        LengthStudy.Line(method: method, rows: ofLengths.map { group in group.rows.first { $0.method == method } })
                    }))
            }
        }
        var distinctClaims: [PaperClaim] = []
        for claim in claims where !distinctClaims.contains(claim) { distinctClaims.append(claim) }
        (claimChecks, uncheckedClaims) = Self.check(distinctClaims, groups: groups)
    }

    private static func group(dataset: String, length: Int, runs: [RunResult], machines: [RunResult.Machine]) -> Group {
        var methods: [String] = []
        for run in runs where !methods.contains(run.configuration) { methods.append(run.configuration) }
        let byMethod = methods.map { method in runs.filter { $0.configuration == method } }
        let baseline = byMethod.first { $0[0].params == $0[0].paramsUncompressed }
        let baselineInput = baseline.map { Double($0[0].paramsInput) }, baselineOutput = baseline.map { Double($0[0].paramsOutput) }

        var rows = byMethod.map { seeds -> Row in
            let first = seeds[0]
            let ndcg = Spread(seeds.map { $0.metrics["ndcg@10"] ?? .nan })
            let bySeed = Dictionary(seeds.map { run in (run.seed, run.metrics.filter { PaperClaim.metrics.contains($0.key) }) }) { a, _ in a }
            return Row(
                method: first.configuration, seeds: seeds.count, metricsBySeed: bySeed, params: first.params,
                compressionRatio: first.compressionRatio,
                inputRatio: baselineInput.map { $0 / Double(first.paramsInput) },
                outputRatio: baselineOutput.map { $0 / Double(first.paramsOutput) }, ndcg10: ndcg,
                hr10: Spread(seeds.map { $0.metrics["hr@10"] ?? .nan }),
                mrr10: Spread(seeds.map { $0.metrics["mrr@10"] ?? .nan }),
                relativeNDCG10: nil, learningCurve: LearningCurve.of(seeds), timings: MachineTiming.of(seeds, baseline: baseline, machines: machines),
                isBaseline: first.configuration == baseline?[0].configuration)
        }
        if let base = rows.first(where: \.isBaseline) {
            for i in rows.indices {
                rows[i].relativeNDCG10 = rows[i].pairedMeans(of: "ndcg@10", against: base).map { ($0.value - $0.reference) / $0.reference }
            }
        }
        return Group(dataset: dataset, length: length, items: runs[0].items, testCases: runs[0].testCases,
                     baseline: baseline?[0].configuration, rows: rows)
    }

    // MARK: - Markdown

    static let columns = [
        "method", "params", "ratio", "input ×", "output ×", "NDCG@10", "HR@10", "MRR@10", "ΔNDCG@10", "seed spread", "seeds",
    ]

    /// The table cells of `row`, as both the Markdown and the HTML tables show them.
    public static func cells(_ row: Row) -> [String] {
        [row.method, grouped(row.params), String(format: "%.2f×", row.compressionRatio),
         row.inputRatio.map { String(format: "%.2f×", $0) } ?? "–", row.outputRatio.map { String(format: "%.2f×", $0) } ?? "–",
         format(row.ndcg10), format(row.hr10), format(row.mrr10),
         row.isBaseline ? "baseline" : row.relativeNDCG10.map { String(format: "%+.1f %%", 100 * $0) } ?? "–",
         formatSeedSpread(row.ndcg10), String(row.seeds)]
    }

    /// A short paragraph on what the numbers are.
    public var explanation: String {
        "Metrics are means over seeds ± the sample standard deviation (no ± for a single seed). "
            + "Seed spread is the highest NDCG@10 over seeds minus the lowest, as a share of the mean; under each "
            + "table, the largest. "
            + "ΔNDCG@10 is the relative change of the mean against the baseline's, both over the seeds the two share "
            + "(so a row that lacks a seed is compared on the others): the baseline is the first uncompressed "
            + "configuration (full table, full softmax, no sharing) of the same data set and length. "
            + "Ratio is the whole model's parameters over the uncompressed model's; input × and output × "
            + "are the input embedding's and the output layer's (with its bias) against the baseline's. "
            + "The metrics pool every machine (other BLAS kernels change them only by rounding); times never do: "
            + "they are given per machine. s/epoch is training time per epoch (training steps only). µs/user is "
            + "evaluation time per user (the encoder and the scores of every item, batches of 256); inference "
            + "speed-up is evaluation users/s over the baseline's on the same machine; recommend p50 is the "
            + "median of single-history top-10 requests."
    }

    /// The builds list of the report's head: `CompactRec 0.1.0, commit 2ef5a17… (12 runs)`.
    public var buildLines: [String] {
        builds.map { entry in
            let runs = "\(entry.runs) run\(entry.runs == 1 ? "" : "s")"
            guard let build = entry.build else { return "not recorded (\(runs), made before results kept it)" }
            return "CompactRec \(build.version), commit \(build.commit) (\(runs))"
        }
    }

    /// The machines list of the report's head: `M1: AMD EPYC, OpenBLAS Zen, 1 thread (170 runs)`.
    public var machineLines: [String] {
        machines.indices.map { "\(Self.machineName($0)): \(machines[$0].description) (\(machineRunCounts[$0]) run\(machineRunCounts[$0] == 1 ? "" : "s"))" }
    }

    public func markdown() -> String {
        var lines = ["# Experiment report: \(plans.joined(separator: ", "))", ""]
        lines.append("\(runCount) runs" + (dates.map { ", \($0.first) to \($0.last)" } ?? "") + ".")
        lines.append("")
        for machine in machineLines { lines.append("- machine \(machine)") }
        for build in buildLines { lines.append("- build: \(build)") }
        for evaluationProtocol in protocols { lines.append("- protocol: \(evaluationProtocol)") }
        lines += ["", explanation]
        if let note = missingLearningCurvesNote { lines += ["", note] }
        if !claimChecks.isEmpty || !uncheckedClaims.isEmpty {
            lines += ["", "## The papers' claims", "", Self.claimsExplanation, ""]
            if !claimChecks.isEmpty {
                lines += Self.table(columns: Self.claimColumns, rows: claimTableRows, textOnly: true)
            }
            for claim in uncheckedClaims {
                lines.append("- " + claim.notCheckedNote)
            }
        }
        for group in groups {
            lines += ["", "## \(group.title)", ""]
            lines.append("\(Self.grouped(group.items)) items, \(Self.grouped(group.testCases)) test cases; baseline: \(group.baseline ?? "none (no uncompressed configuration)").")
            lines.append("")
            lines.append("| " + Self.columns.joined(separator: " | ") + " |")
            lines.append("|---|" + String(repeating: "---:|", count: Self.columns.count - 1))
            for row in group.rows {
                lines.append("| " + Self.cells(row).map(Self.escapeTableCell).joined(separator: " | ") + " |")
            }
            lines += ["", Self.seedSpreadSentence(group.rows.map { ($0.method, $0.ndcg10) })]
            lines += ["", Self.timingExplanation, ""]
            lines += Self.table(columns: Self.timingColumns, rows: Self.timingTableRows(group))
            let curves = Self.learningCurveRows(group)
            if !curves.isEmpty {
                lines += ["", Self.learningCurveExplanation, ""]
                lines += Self.table(columns: Self.learningCurveColumns(group), rows: curves)
            }
        }
        for study in ratioStudies {
            lines += ["", "## \(study.title)", "", study.explanation, ""]
            lines += Self.studyTable(columns: study.columns, rows: study.tableRows)
            lines += ["", Self.seedSpreadSentence(study.seedSpreads)]
        }
        for study in lengthStudies {
            lines += ["", "## \(study.dataset): NDCG@10 by sequence length", "", Self.lengthStudyExplanation, ""]
            lines += Self.studyTable(columns: study.columns, rows: study.tableRows)
            lines += ["", Self.seedSpreadSentence(study.seedSpreads)]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A study's Markdown table: a method column, then one column per setting.
    static func studyTable(columns: [String], rows: [[String]]) -> [String] {
        table(columns: ["method"] + columns, rows: rows)
    }

    /// A Markdown table: the first column left-aligned, the others right-aligned (numbers) or,
    /// with `textOnly`, left-aligned too.
    static func table(columns: [String], rows: [[String]], textOnly: Bool = false) -> [String] {
        ["| " + columns.joined(separator: " | ") + " |", "|---|" + String(repeating: textOnly ? "---|" : "---:|", count: columns.count - 1)]
            + rows.map { "| " + $0.map(escapeTableCell).joined(separator: " | ") + " |" }
    }

    static let lengthStudyExplanation =
        "Mean NDCG@10 over seeds at each sequence length T, and in brackets its change against the "
        + "baseline at the same T."

    static func format(_ spread: Spread) -> String {
        spread.count < 2 ? String(format: "%.4f", spread.mean) : String(format: "%.4f ± %.4f", spread.mean, spread.deviation)
    }

    /// `7135887` → `7,135,887`.
    static func grouped(_ number: Int) -> String {
        let digits = Array(String(number.magnitude))
        var text = number < 0 ? "-" : ""
        for (position, digit) in digits.enumerated() {
            if position > 0 && (digits.count - position) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return text
    }

    private static func escapeTableCell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
