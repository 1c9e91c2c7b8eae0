import ArgumentParser
import CompactRec

@main
struct CompactRecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compactrec",
        abstract: "Train, compress, evaluate and serve sequential recommenders.",
        subcommands: [Train.self, Evaluate.self, Recommend.self, Serve.self, Inspect.self, Quantize.self, Benchmark.self, Synth.self,
                      Experiment.self, Report.self])

    static func main() {
        Startup.configureBLAS()
        if let error = HelpTopicCheck.error(for: Array(CommandLine.arguments.dropFirst()), root: Self.self) {
            Self.exit(withError: error)
        }
        Self.main(nil)
    }
}
