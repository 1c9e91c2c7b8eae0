import ArgumentParser
import CompactRec

struct Benchmark: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Measure speed figures (placeholder until filled in).")
    func run() throws {}
}
