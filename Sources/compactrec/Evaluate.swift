import ArgumentParser
import CompactRec

struct Evaluate: ParsableCommand {
    func run() throws {}
}
