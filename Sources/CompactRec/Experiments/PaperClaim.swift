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
        /// The means over seeds of the claim's metric, and the seeds behind each.
        public var value: Double
        public var reference: Double
        public var seeds: (value: Int, reference: Int)

        public var change: Double { (value - reference) / reference }
        public var holds: Bool { change >= claim.minimumChange }

        /// `memcom-x16 0.0183 against full 0.0248: -26.2 % (needs at least -4.0 %)`
        public var measured: String {
            "\(claim.configuration) " + String(format: "%.4f", value) + " against \(claim.against) "
                + String(format: "%.4f: %+.1f %% (needs at least %+.1f %%)", reference, 100 * change, 100 * claim.minimumChange)
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
        "Each claim compares the mean over seeds of one configuration's metric with another's on the same "
        + "data set and sequence length; it holds when the relative change is at least the claim's bound."

    /// Every claim on every group where both of its configurations ran, and the claims that
    /// could not be checked anywhere.
    static func check(_ claims: [PaperClaim], groups: [Group]) -> (checks: [ClaimCheck], unchecked: [PaperClaim]) {
        var checks: [ClaimCheck] = [], unchecked: [PaperClaim] = []
        for claim in claims {
            let found = groups.compactMap { group -> ClaimCheck? in
                guard let row = group.rows.first(where: { $0.method == claim.configuration }),
                      let reference = group.rows.first(where: { $0.method == claim.against }),
                      let value = row.mean(of: claim.metric), let base = reference.mean(of: claim.metric) else { return nil }
                return ClaimCheck(claim: claim, dataset: group.dataset, length: group.length, value: value, reference: base,
                                  seeds: (row.seeds, reference.seeds))
            }
            if found.isEmpty { unchecked.append(claim) }
            checks += found
        }
        return (checks, unchecked)
    }
}

extension ExperimentReport.Row {
    /// The mean over seeds of one of ``PaperClaim/metrics``; nil for another name.
    public func mean(of metric: String) -> Double? {
        switch metric {
        case "ndcg@10": return ndcg10.mean
        case "hr@10": return hr10.mean
        case "mrr@10": return mrr10.mean
        default: return nil
        }
    }
}
