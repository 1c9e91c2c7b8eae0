import CompactRec
import Foundation

extension ExperimentReport {
    /// One data set's NDCG@10 at each target compression ratio of one side's item table (the
    /// plan's `inputRatio` or `outputRatio`), a line per method: the shape of the MEmCom study.
    ///
    /// Runs belong to one line when their settings are equal but for the ratios, so a variant
    /// (e.g. MEmCom with another hash) gets its own line. A line is named by its table's kind;
    /// when two lines share a kind, each also names its first configuration.
    public struct RatioStudy: Sendable {
        public enum Side: String, Sendable { case input, output }

        public struct Line: Sendable {
            public var method: String
            /// The configuration of the line's first run: its colour and marker in the charts.
            public var configuration: String
            /// The line's row at each of the study's ratios; nil where it was not run.
            public var rows: [Row?]
            /// The ratio the table reached, N·C over its parameters (the output's without its
            /// `[N]` bias), at each ratio; nil where it was not run.
            public var reached: [Double?]
        }

        public var dataset: String
        public var length: Int
        public var side: Side
        /// The target ratios, ascending.
        public var ratios: [Double]
        public var baseline: Row?
        public var lines: [Line]

        public var title: String {
            "\(dataset), T = \(length): the \(side == .input ? "input embedding" : "output item matrix") by compression ratio"
        }

        public var columns: [String] { ratios.map { PlanJSON.format($0) + "×" } }
        /// The table's rows: the method, then a cell per ratio.
        public var tableRows: [[String]] { lines.map { line in [line.method] + line.rows.indices.map { cell(line, $0) } } }

        /// Each cell's NDCG@10 over seeds, labelled `memcom at 16×`.
        public var seedSpreads: [(label: String, spread: Spread)] {
            lines.flatMap { line in
                zip(columns, line.rows).compactMap { column, row in row.map { ("\(line.method) at \(column)", $0.ndcg10) } }
            }
        }

        /// A reached ratio further than this (relative) from the target is shown beside the cell.
        static let reachedTolerance = 0.05

        /// Mean NDCG@10 and its change against the baseline, the ratio reached when it is off the
        /// target, and on the output side the scoring time per user on each machine (never pooled
        /// across machines): `0.0089 (-64.1 %; at 32.0×; 127 µs/user on M2)`.
        public func cell(_ line: Line, _ index: Int) -> String {
            guard let row = line.rows[index] else { return "–" }
            var notes: [String] = []
            if let change = row.relativeNDCG10 { notes.append(String(format: "%+.1f %%", 100 * change)) }
            if let reached = line.reached[index], abs(reached / ratios[index] - 1) > Self.reachedTolerance {
                notes.append(String(format: "at %.1f×", reached))
            }
            if side == .output, !row.timings.isEmpty {
                notes.append(row.timings.map { String(format: "%.0f µs/user on ", $0.microsecondsPerUser) + ExperimentReport.machineName($0.machine) }
                    .joined(separator: ", "))
            }
            return String(format: "%.4f", row.ndcg10.mean) + (notes.isEmpty ? "" : " (\(notes.joined(separator: "; ")))")
        }

        /// What the table shows, with the baseline's score.
        public var explanation: String {
            let key = side == .input ? "inputRatio" : "outputRatio"
            let base = baseline.map { "the baseline (\($0.method), NDCG@10 " + String(format: "%.4f", $0.ndcg10.mean) + ")" }
                ?? "no baseline"
            return "Mean NDCG@10 over seeds of the configurations sized by `\(key)`, and in brackets its change against "
                + "\(base). Where the table's own ratio N·C / parameters"
                + (side == .output ? " (without the output bias)" : "")
                + " is more than 5 % off the target, the ratio reached follows."
                + (side == .output ? " µs/user is the evaluation time per user (the encoder and the scores of every item) "
                    + "on the machine named after it; compare it only between cells of one machine." : "")
        }

        /// The studies of one group: one per side that has runs sized by a ratio.
        static func of(_ group: Group, runs: [RunResult]) -> [RatioStudy] {
            var studies: [RatioStudy] = []
            for side in [Side.input, .output] {
                func target(_ run: RunResult) -> Double? {
                    side == .input ? run.settings.model.inputTable.ratio : run.settings.model.outputTable.ratio
                }
                let sized = runs.filter { target($0) != nil }
                guard !sized.isEmpty else { continue }
                let ratios = Set(sized.compactMap(target)).sorted()
                // Settings are Equatable, not Hashable: a linear search over a handful of lines.
                var identities: [ExperimentSettings] = [], members: [[RunResult]] = []
                for run in sized {
                    var identity = run.settings
                    (identity.model.inputTable.ratio, identity.model.outputTable.ratio) = (nil, nil)
                    if let i = identities.firstIndex(of: identity) {
                        members[i].append(run)
                    } else {
                        identities.append(identity)
                        members.append([run])
                    }
                }
                let kinds = identities.map { side == .input ? $0.model.inputEmbedding.name : $0.model.outputLayer.name }
                let lines = members.enumerated().map { i, runs in
                    let kind = kinds[i]
                    let first = runs[0].configuration
                    let at = ratios.map { ratio in runs.first { target($0) == ratio } }
                    return Line(
                        method: kinds.filter { $0 == kind }.count > 1 ? "\(kind) (\(first))" : kind, configuration: first,
                        rows: at.map { run in run.flatMap { run in group.rows.first { $0.method == run.configuration } } },
                        reached: at.map { $0.map { tableRatio($0, side: side) } })
                }
                studies.append(RatioStudy(dataset: group.dataset, length: group.length, side: side, ratios: ratios,
                                          baseline: group.rows.first(where: \.isBaseline), lines: lines))
            }
            return studies
        }

        /// N·C over the side's table parameters (N with padding; the output's bias left out).
        static func tableRatio(_ run: RunResult, side: Side) -> Double {
            let N = run.items + 1
            let parameters = side == .input ? run.paramsInput : run.paramsOutput - N
            return Double(N * run.settings.model.embeddingSize) / Double(max(parameters, 1))
        }
    }
}
