import CompactRec

extension ExperimentReport {
    /// A row's time figures on one machine. The same model trains and serves at different
    /// speeds on another CPU, BLAS kernel or thread count, so times are averaged only over the
    /// runs of one machine and compared only with the baseline's runs on that machine; the
    /// metrics, which do not depend on the machine's speed, pool every machine.
    public struct MachineTiming: Sendable {
        /// The machine's position in ``ExperimentReport/machines``; ``machineName(_:)`` names it.
        public var machine: Int
        /// The seeds run on this machine.
        public var seeds: [UInt64]
        public var secondsPerEpoch: Spread
        public var evalUsersPerSecond: Spread
        /// Evaluation time per user in microseconds (full ranking, batches of 256): 10⁶ / the
        /// mean users/s.
        public var microsecondsPerUser: Double { 1e6 / evalUsersPerSecond.mean }
        /// Evaluation users/s over the baseline's on the same machine; nil when the baseline did
        /// not run there (or there is no baseline).
        public var inferenceSpeedup: Double?
        public var recommendLatencyP50Ms: Spread

        /// The timings of `runs` (one configuration's), one per machine they ran on, in the
        /// order of `machines`; speed-ups against `baseline`'s runs on the same machine.
        static func of(_ runs: [RunResult], baseline: [RunResult]?, machines: [RunResult.Machine]) -> [MachineTiming] {
            machines.enumerated().compactMap { index, machine in
                let here = runs.filter { $0.machine == machine }
                guard !here.isEmpty else { return nil }
                let speed = Spread(here.map(\.evalUsersPerSecond))
                let baselineHere = baseline?.filter { $0.machine == machine } ?? []
                return MachineTiming(
                    machine: index, seeds: here.map(\.seed).sorted(), secondsPerEpoch: Spread(here.map(\.secondsPerEpoch)),
                    evalUsersPerSecond: speed,
                    inferenceSpeedup: baselineHere.isEmpty ? nil : speed.mean / Spread(baselineHere.map(\.evalUsersPerSecond)).mean,
                    recommendLatencyP50Ms: Spread(here.map(\.recommendLatencyP50Ms)))
            }
        }
    }

    /// `M1`, `M2`, …: the short name the tables give the machine at `index` of ``machines``.
    public static func machineName(_ index: Int) -> String { "M\(index + 1)" }

    static let timingColumns = ["method", "machine", "seeds", "s/epoch", "µs/user", "inference speed-up", "recommend p50 (ms)"]

    static let timingExplanation =
        "Times by machine (named in the list at the top): a row per configuration and machine, averaged over "
        + "that machine's runs only, and the speed-up against the baseline's runs on the same machine (– where "
        + "the baseline did not run there). Compare times only between rows of one machine."

    /// The time table's rows of `group`: by machine, then in the group's order of methods.
    static func timingTableRows(_ group: Group) -> [[String]] {
        let machines = Set(group.rows.flatMap { $0.timings.map(\.machine) }).sorted()
        return machines.flatMap { machine in
            group.rows.compactMap { row in
                row.timings.first { $0.machine == machine }.map { timing in
                    [row.method, machineName(machine), timing.seeds.map(String.init).joined(separator: ", "),
                     String(format: "%.2f", timing.secondsPerEpoch.mean), String(format: "%.0f", timing.microsecondsPerUser),
                     timing.inferenceSpeedup.map { String(format: "%.2f×", $0) } ?? "–",
                     String(format: "%.3f", timing.recommendLatencyP50Ms.mean)]
                }
            }
        }
    }
}
