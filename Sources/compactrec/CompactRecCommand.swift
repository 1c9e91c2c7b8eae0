import ArgumentParser

@main
struct CompactRecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "compactrec")
}
