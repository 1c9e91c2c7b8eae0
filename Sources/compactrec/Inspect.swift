import ArgumentParser
import CompactRec

struct Inspect: ParsableCommand {
    func run() throws {}
}
