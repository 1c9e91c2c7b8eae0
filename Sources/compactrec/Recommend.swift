import ArgumentParser
import CompactRec

struct Recommend: ParsableCommand {
    func run() throws {}
}
