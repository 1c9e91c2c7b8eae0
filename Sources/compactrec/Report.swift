import ArgumentParser
import CompactRec
import CompactRecExperiments
import Foundation

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write DIR/report.md and DIR/report.html from an experiment's DIR/results.jsonl.",
        discussion: """
        Tables per data set and sequence length (mean ± standard deviation over seeds, input and output \
        ratios, change against the uncompressed configuration) with the times beside them per machine \
        (training time per epoch, evaluation time per user, inference speed-up against the baseline on the \
        same machine, recommend latency; never averaged across machines) and, in the HTML \
        page, NDCG@10 against parameters with the Pareto front, training time and recommend latency. \
        With --plan, the plan's "claims" (published results) are checked against the runs and the \
        report says which hold.
        """)

    @Argument(help: "The folder 'compactrec experiment --out' wrote.") var directory: String
    @Option(name: .customLong("plan"), help: "A plan whose claims to check against the runs (repeatable).")
    var plans: [String] = []
    @Flag(help: "Print the written paths as JSON.") var json = false

    func run() throws {
        let resultsPath = (directory as NSString).appendingPathComponent("results.jsonl")
        guard FileManager.default.fileExists(atPath: resultsPath) else {
            throw InputError(source: resultsPath, "no results file; run 'compactrec experiment --out \(directory)' first")
        }
        let store = try ResultsStore.read(path: resultsPath)
        if store.droppedPartialBytes > 0 {
            Output.standardError(ResultsStore.tornTailWarning(path: resultsPath, bytes: store.droppedPartialBytes))
        }
        guard !store.results.isEmpty else { throw InputError(source: resultsPath, "holds no finished run") }
        let claims = try plans.flatMap { try ExperimentPlan.load(path: $0, checkFiles: false).claims }
        let report = ExperimentReport(results: store.results, claims: claims)
        let markdownPath = (directory as NSString).appendingPathComponent("report.md")
        let htmlPath = (directory as NSString).appendingPathComponent("report.html")
        try writeAtomically(Data(report.markdown().utf8), to: markdownPath)
        try writeAtomically(Data(report.html().utf8), to: htmlPath)
        if json {
            Output.json([
                "markdown": markdownPath, "html": htmlPath, "runs": report.runCount, "groups": report.groups.count,
                "claims_checked": report.claimChecks.count, "claims_holding": report.claimChecks.filter(\.holds).count,
            ])
        } else {
            print("\(report.runCount) runs in \(report.groups.count) table\(report.groups.count == 1 ? "" : "s"): \(markdownPath), \(htmlPath)")
            if !claims.isEmpty {
                let holding = report.claimChecks.filter(\.holds).count
                print("claims: \(holding) of \(report.claimChecks.count) checks hold"
                    + (report.uncheckedClaims.isEmpty ? "" : "; \(report.uncheckedClaims.count) not checked (configurations not run)"))
            }
        }
    }
}
