import CompactRec

/// A part of a plan's grid, chosen by names: some data sets, lengths, configurations or seeds.
///
///     let part = try plan.selecting(PlanSelection(datasets: ["diginetica"], seeds: [2]))
///
/// The runs kept have the same keys as in the whole plan, so a part shares `results.jsonl` with
/// the whole: running a part first and the whole later skips what the part finished.
/// An empty list keeps everything along that axis.
public struct PlanSelection: Sendable, Equatable {
    public var datasets: [String]
    public var lengths: [Int]
    public var configurations: [String]
    public var seeds: [UInt64]

    public init(datasets: [String] = [], lengths: [Int] = [], configurations: [String] = [], seeds: [UInt64] = []) {
        self.datasets = datasets
        self.lengths = lengths
        self.configurations = configurations
        self.seeds = seeds
    }

    public var isEverything: Bool { datasets.isEmpty && lengths.isEmpty && configurations.isEmpty && seeds.isEmpty }
}

extension ExperimentPlan {
    /// The plan with only the selected part of its grid, in the plan's order.
    ///
    /// - Throws: ``InputError`` (source: the option, e.g. `--dataset`) for a name, length or
    ///   seed the plan (or, for lengths, its selected data sets) does not have, listing what it has.
    ///   Every axis keeps at least one value, so the part is never empty.
    public func selecting(_ selection: PlanSelection) throws -> ExperimentPlan {
        var part = self
        if !selection.datasets.isEmpty {
            try Self.checkListed(selection.datasets, among: datasets.map(\.name), option: "--dataset", what: "data set", holder: "plan '\(name)'")
            part.datasets = datasets.filter { selection.datasets.contains($0.name) }
        }
        if !selection.lengths.isEmpty {
            let planLengths = part.datasets.flatMap(\.lengths).reduce(into: [Int]()) { if !$0.contains($1) { $0.append($1) } }
            try Self.checkListed(selection.lengths, among: planLengths, option: "--length", what: "length",
                                 holder: selection.datasets.isEmpty ? "plan '\(name)'"
                                     : "plan '\(name)' with data set\(part.datasets.count == 1 ? "" : "s") "
                                     + part.datasets.map(\.name).joined(separator: ", "))
            part.datasets = part.datasets.compactMap { dataset in
                var kept = dataset
                kept.lengths = dataset.lengths.filter(selection.lengths.contains)
                return kept.lengths.isEmpty ? nil : kept
            }
        }
        if !selection.configurations.isEmpty {
            try Self.checkListed(selection.configurations, among: configurations.map(\.name),
                                 option: "--configuration", what: "configuration", holder: "plan '\(name)'")
            part.configurations = configurations.filter { selection.configurations.contains($0.name) }
        }
        if !selection.seeds.isEmpty {
            try Self.checkListed(selection.seeds, among: seeds, option: "--seed", what: "seed", holder: "plan '\(name)'")
            part.seeds = seeds.filter(selection.seeds.contains)
        }
        return part
    }

    private static func checkListed<Value: Equatable & CustomStringConvertible>(
        _ wanted: [Value], among present: [Value], option: String, what: String, holder: String
    ) throws {
        guard let missing = wanted.first(where: { !present.contains($0) }) else { return }
        throw InputError(source: option, "\(holder) has no \(what) \(missing); it has "
            + present.map(\.description).joined(separator: ", "))
    }
}
