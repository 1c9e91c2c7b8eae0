import Foundation
import CompactRecTestSupport
import Testing

/// `compactrec help NAME` as a script runs it: an unknown name is an error, not the general help.
@Suite("compactrec help, the executable", .enabled(if: CompactRecExecutable.path != nil, "\(CompactRecExecutable.missing)"))
struct HelpCommandTests {
    @Test func helpOnAnUnknownCommandFailsNamingItAndTheKnownOnes() throws {
        let directory = try DataTestDirectory()
        let run = try CompactRecExecutable.run(["help", "deploy"], logPrefix: directory.path("deploy"))
        #expect(run.code == 64)
        #expect(run.output.isEmpty, "\(run.output)")
        #expect(
            run.error.hasPrefix(
                "Error: unknown command 'deploy'; the commands are train, evaluate, recommend, serve, inspect, quantize, benchmark, synth, "
                    + "experiment, report and help\n"), "\(run.error)")
    }

    @Test func helpBelowACommandWithoutSubcommandsFails() throws {
        let directory = try DataTestDirectory()
        let run = try CompactRecExecutable.run(["help", "train", "extra"], logPrefix: directory.path("extra"))
        #expect(run.code == 64)
        #expect(run.error.hasPrefix("Error: unknown command 'train extra': 'train' has no subcommands\n"), "\(run.error)")
    }

    @Test(arguments: [["help"], ["help", "train"], ["help", "help"], ["help", "--help"]])
    func helpOnAKnownCommandStillSucceeds(_ arguments: [String]) throws {
        let directory = try DataTestDirectory()
        let run = try CompactRecExecutable.run(arguments, logPrefix: directory.path("help"))
        #expect(run.code == 0, "\(run.error)")
        #expect(run.output.contains("USAGE: compactrec"), "\(run.output)")
    }
}
