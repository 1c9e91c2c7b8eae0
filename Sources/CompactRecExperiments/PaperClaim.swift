import CompactRec
import Foundation

/// A published result that a plan's runs can be checked against: one configuration's mean
/// metric, relative to another's on the same data set and sequence length, must change by at
/// least `minimumChange`. A plan lists its claims under `"claims"`:
///
///     "claims": [{"claim": "MEmCom at 16x loses at most 4 % NDCG@10 (Pansare et al., MLSys 2022)",
///                 "configuration": "memcom-x16", "against": "full", "minimumChange": -0.04}]
///
/// `minimumChange` −0.04 reads "within 4 %"; 0 reads "at least as good". `metric` is
/// `ndcg@10` (the default), `hr@10` or `mrr@10`, the metrics the report's tables carry.
/// `compactrec report DIR --plan PLAN` checks the plan's claims against DIR's runs.
public struct PaperClaim: Sendable, Equatable {
    public var text: String
    public var configuration: String
    public var against: String
    public var metric: String
    /// The least relative change `(configuration − against) / against` of the mean metric for
    /// the claim to hold.
    public var minimumChange: Double

    public init(text: String, configuration: String, against: String, metric: String = "ndcg@10", minimumChange: Double) {
        self.text = text
        self.configuration = configuration
        self.against = against
        self.metric = metric
        self.minimumChange = minimumChange
    }

    /// The report's line for a claim that no group could check.
    public var notCheckedNote: String {
        "Not checked (no data set has runs of both \(configuration) and \(against) with a seed in common): \(text)"
    }

    static let keys = ["claim", "configuration", "against", "metric", "minimumChange"]
    public static let metrics = ["ndcg@10", "hr@10", "mrr@10"]

    /// Reads `claims[i]`; both configurations must be among the plan's.
    static func parse(_ value: PlanJSON, at path: String, configurations: [String], reader: PlanReader) throws -> PaperClaim {
        let fields = try reader.object(value, at: path)
        try reader.checkKeys(fields, allowed: keys, at: path)
        let text = try reader.string(try reader.required(fields, "claim", at: path), at: "\(path).claim")
        if text.trimmingCharacters(in: .whitespaces).isEmpty { throw reader.fail("\(path).claim", "expected the claim's words, found an empty string") }
        func configuration(_ key: String) throws -> String {
            let name = try reader.string(try reader.required(fields, key, at: path), at: "\(path).\(key)")
            guard configurations.contains(name) else {
                throw reader.fail("\(path).\(key)", "no configuration named '\(name)' in this plan; expected one of "
                    + configurations.joined(separator: ", "))
            }
            return name
        }
        let compared = try configuration("configuration"), against = try configuration("against")
        if compared == against { throw reader.fail("\(path).against", "compares '\(compared)' with itself") }
        let metric = try fields["metric"].map { try reader.string($0, at: "\(path).metric") } ?? "ndcg@10"
        guard metrics.contains(metric) else {
            throw reader.fail("\(path).metric", "unknown metric '\(metric)'; expected one of \(metrics.joined(separator: ", "))")
        }
        let minimumChange = try reader.number(try reader.required(fields, "minimumChange", at: path), at: "\(path).minimumChange")
        guard minimumChange > -1, minimumChange.isFinite else {
            throw reader.fail("\(path).minimumChange", "expected a relative change above -1 (-0.04 for 'within 4 %'), found \(PlanJSON.format(minimumChange))")
        }
        return PaperClaim(text: text, configuration: compared, against: against, metric: metric, minimumChange: minimumChange)
    }
}

extension ExperimentReport {
    /// A claim checked on one data set and sequence length where both of its configurations ran.
    public struct ClaimCheck: Sendable {
        public var claim: PaperClaim
        public var dataset: String
        public var length: Int
        /// The means of the claim's metric over the seeds both configurations ran, and those seeds.
        public var value: Double
        public var reference: Double
        public var seeds: [UInt64]

        public var change: Double { (value - reference) / reference }
        public var holds: Bool { change >= claim.minimumChange }

        /// `memcom-x16 0.0183 against full 0.0248: -26.2 % (needs at least -4.0 %; seeds 1, 2)`
        public var measured: String {
            "\(claim.configuration) " + String(format: "%.4f", value) + " against \(claim.against) "
                + String(format: "%.4f: %+.1f %% (needs at least %+.1f %%; ", reference, 100 * change, 100 * claim.minimumChange)
                + (seeds.count == 1 ? "seed " : "seeds ") + seeds.map(String.init).joined(separator: ", ") + ")"
        }
        public var verdict: String { holds ? "holds" : "does not hold" }
    }

    /// The claims table's rows: one per check, the claim's words (and on how many of its
    /// checks it holds) only in its first row.
    public var claimTableRows: [[String]] {
        claimChecks.indices.map { i in
            let check = claimChecks[i]
            var text = ""
            if i == 0 || claimChecks[i - 1].claim != check.claim {
                let all = claimChecks.filter { $0.claim == check.claim }
                text = check.claim.text + " (holds on \(all.filter(\.holds).count) of \(all.count))"
            }
            return [text, "\(check.dataset), T = \(check.length)", check.measured, check.verdict]
        }
    }

    static let claimColumns = ["claim", "data set", "measured", "verdict"]
    static let claimsExplanation =
        "Each claim compares one configuration's metric with another's on the same data set and sequence length, "
        + "each the mean over the seeds both ran; it holds when the relative change is at least the claim's bound."

    /// Every claim on every group where both of its configurations ran with a seed in common,
    /// and the claims that could not be checked anywhere.
    static func check(_ claims: [PaperClaim], groups: [Group]) -> (checks: [ClaimCheck], unchecked: [PaperClaim]) {
        var checks: [ClaimCheck] = [], unchecked: [PaperClaim] = []
        for claim in claims {
            let found = groups.compactMap { group -> ClaimCheck? in
                guard let row = group.rows.first(where: { $0.method == claim.configuration }),
                      let reference = group.rows.first(where: { $0.method == claim.against }),
                      let paired = row.pairedMeans(of: claim.metric, against: reference) else { return nil }
                return ClaimCheck(claim: claim, dataset: group.dataset, length: group.length, value: paired.value,
                                  reference: paired.reference, seeds: paired.seeds)
            }
            if found.isEmpty { unchecked.append(claim) }
            checks += found
        }
        return (checks, unchecked)
    }
}

extension ExperimentReport.Row {
    /// The means of one of ``PaperClaim/metrics`` over the seeds this row and `other` both ran,
    /// and those seeds in order; nil when they share none or for another metric.
    public func pairedMeans(of metric: String, against other: Self) -> (value: Double, reference: Double, seeds: [UInt64])? {
        let seeds = metricsBySeed.keys.filter { other.metricsBySeed[$0] != nil }.sorted()
        guard !seeds.isEmpty else { return nil }
        func mean(_ row: Self) -> Double? {
            let values = seeds.compactMap { row.metricsBySeed[$0]?[metric] }
            return values.count == seeds.count ? values.reduce(0, +) / Double(values.count) : nil
        }
        guard let value = mean(self), let reference = mean(other) else { return nil }
        return (value, reference, seeds)
    }
}
