import ArgumentParser
import Foundation
import Testing

@testable import CompactRec
@testable import compactrec

/// `train`'s flags decode into the run specification: a flag is given when it is typed, and one
/// the chosen model does not use is refused, whatever its value.
@Suite("Run settings as flags")
struct SettingFlagsTests {
    /// The specification `train` decodes from `arguments` (after `--data unread.txt`).
    static func specified(_ arguments: [String]) throws -> FlagSpecification {
        try Train.parse(["--data", "unread.txt"] + arguments).flagSpecification()
    }

    /// What `train` stops with for `arguments`, as it prints it, or nil when it takes them.
    static func refusal(_ arguments: [String], command: any ParsableCommand.Type = Train.self) -> String? {
        do {
            _ = try command.parseAsRoot(["--data", "unread.txt"] + arguments)
            return nil
        } catch {
            return command.message(for: error)
        }
    }

    @Test func everySettingHasAFlagOfItsOwnThatTrainTakes() {
        let flags = RunSetting.allCases.map(\.flag)
        #expect(Set(flags).count == flags.count)
        let help = Train.helpMessage(columns: 1000)
        for flag in flags { #expect(help.contains(flag + " ") || help.contains(flag + "/"), "\(flag)") }
        #expect(help.contains("--validation/--no-validation"))
    }

    @Test func aFlagIsGivenWhenTypedEvenAtItsDefault() throws {
        let flags = try Self.specified(["--embedding-size", "64", "--epochs", "3", "--no-validation", "--output-layer", "low-rank",
                                        "--output-rank", "8"])
        #expect(flags.given == [.file, .embeddingSize, .epochs, .validation, .outputLayer, .outputRank])
        var expected = RunSpecification()
        expected.data.file = "unread.txt"
        expected.training.epochs = 3
        expected.data.validation = false
        expected.model.outputLayer = VariantName(.lowRank)
        expected.model.outputTable.rank = 8
        #expect(flags.specification == expected)
        #expect(try Self.specified([]).given == [.file])
        #expect(try Self.specified(["--validation"]).given == [.file, .validation])
    }

    /// Every knob a model with a full input table and a full softmax does not use, given at a
    /// value it would take: `--cutoffs` and `--rank-divisor` were silently ignored before.
    @Test(arguments: [
        (["--cutoffs", "auto:3"], "--cutoffs applies to a block-adaptive or mixed-dim input embedding or a tree-softmax or mixed-dim "
            + "output layer, and the input embedding is full and the output layer is full-softmax"),
        (["--rank-divisor", "4"], "--rank-divisor applies to a block-adaptive input embedding or a tree-softmax output layer, "
            + "and the input embedding is full and the output layer is full-softmax"),
        (["--input-ratio", "4"], "--input-ratio applies to a memcom, hashing, qr, low-rank, mixed-dim or block-adaptive input embedding, "
            + "and the input embedding is full"),
        (["--buckets", "8"], "--buckets applies to a memcom or hashing input embedding, and the input embedding is full"),
        (["--hash", "modulo"], "--hash applies to a memcom or hashing input embedding, and the input embedding is full"),
        (["--qr-collisions", "8"], "--qr-collisions applies to a qr input embedding, and the input embedding is full"),
        (["--qr-operation", "multiply"], "--qr-operation applies to a qr input embedding, and the input embedding is full"),
        (["--rank", "8"], "--rank applies to a low-rank input embedding, and the input embedding is full"),
        (["--mixed-alpha", "0.3"], "--mixed-alpha applies to a mixed-dim input embedding, and the input embedding is full"),
        (["--output-ratio", "4"], "--output-ratio applies to a memcom, hashing, qr, low-rank or mixed-dim output layer, "
            + "and the output layer is full-softmax"),
        (["--output-buckets", "8"], "--output-buckets applies to a memcom or hashing output layer, and the output layer is full-softmax"),
        (["--output-hash", "modulo"], "--output-hash applies to a memcom or hashing output layer, and the output layer is full-softmax"),
        (["--output-qr-collisions", "8"], "--output-qr-collisions applies to a qr output layer, and the output layer is full-softmax"),
        (["--output-qr-operation", "add"], "--output-qr-operation applies to a qr output layer, and the output layer is full-softmax"),
        (["--output-rank", "8"], "--output-rank applies to a low-rank output layer, and the output layer is full-softmax"),
        (["--output-mixed-alpha", "0.3"], "--output-mixed-alpha applies to a mixed-dim output layer, and the output layer is full-softmax"),
    ])
    func aKnobTheModelDoesNotUseIsRefused(flags: [String], message: String) {
        #expect(Self.refusal(flags) == message)
        #expect(Self.refusal(flags, command: Benchmark.self) == message)
    }

    @Test(arguments: [
        ["--input-embedding", "block-adaptive", "--cutoffs", "auto:3", "--rank-divisor", "4"],
        ["--output-layer", "tree-softmax", "--cutoffs", "shares:0.6,0.4", "--rank-divisor", "1.5"],
        ["--input-embedding", "block-adaptive", "--input-ratio", "4"],
        ["--input-embedding", "memcom", "--buckets", "8", "--hash", "modulo"],
        ["--input-embedding", "qr", "--qr-collisions", "8", "--qr-operation", "add"],
        ["--input-embedding", "mixed-dim", "--mixed-alpha", "0.3", "--cutoffs", "auto:3"],
        ["--output-layer", "hashing", "--output-ratio", "4", "--output-hash", "multiplicative"],
        ["--output-layer", "low-rank", "--output-rank", "8"],
    ])
    func aKnobTheModelUsesIsTaken(flags: [String]) {
        #expect(Self.refusal(flags) == nil)
    }

    @Test func valuesAreCheckedOnceNamingTheFlag() {
        #expect(Self.refusal(["--output-layer", "tree-softmax", "--rank-divisor", "0.5"]) == "--rank-divisor must be a number of at least 1, found 0.5")
        #expect(Self.refusal(["--epochs", "0"]) == "--epochs must be at least 1; got 0")
        #expect(Self.refusal(["--max-len", "70000"]) == "--max-len must be from 1 to 65536; got 70000")
        #expect(Self.refusal(["--learning-rate=-1"]) == "--learning-rate must be a positive number such as 0.001, found -1.0")
        #expect(Self.refusal(["--patience", "2", "--no-validation"])
                == "--patience needs a validation split to watch, and the validation split is turned off")
        #expect(Self.refusal(["--input-embedding", "memcom", "--buckets", "8", "--input-ratio", "4"])
                == "--input-ratio conflicts with --buckets: both size the memcom input embedding; give one")
    }

    @Test func theHelpStatesTheSpecificationsDefaults() {
        let help = Train.helpMessage(columns: 1000)
        for text in ["Embedding size C (the paper's d). (default: 64)", "residual block; a block's convolutions dilate r and 2r. (default: 1,4,1,4)",
                     "Convolution kernel size. (default: 3)", "Longest history read (T). (default: 50)", "(default: auto:3)",
                     "(need not be whole). (default: 4.0)", "Sequences per batch. (default: 128)", "(at most, with --patience). (default: 10)",
                     "Adam learning rate. (default: 0.003)", "(default: modulo)", "(default: multiply)", "(default: 0.3)",
                     "same model. (default: 1)", "movielens. (default: auto)", "trains on it too. (default: true)"] {
            #expect(help.contains(text), "\(text)")
        }
    }
}
