import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// What `train` checks of `--output`, `--checkpoint-dir` and the ids before training.
@Suite("Bundle destination checks")
struct BundleDestinationTests {
    static func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    static func refusal(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> InputError? {
        do {
            try body()
            Issue.record("accepted; expected an InputError", sourceLocation: sourceLocation)
        } catch let error as InputError {
            return error
        } catch {
            Issue.record("threw \(error); expected an InputError", sourceLocation: sourceLocation)
        }
        return nil
    }

    @Test func aNewAnEmptyOrABundleDirectoryWithItsCheckpointsIsAccepted() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            try BundleDestination.checkBundleDirectory(directory + "/new/deeper/run")
            #expect(FileManager.default.fileExists(atPath: directory + "/new/deeper"), "the parent is created, as the writer would")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory + "/new/deeper").isEmpty, "the probe is gone")
            try FileManager.default.createDirectory(atPath: directory + "/empty", withIntermediateDirectories: false)
            try BundleDestination.checkBundleDirectory(directory + "/empty")

            let bundle = try ModelBundleTests.writeBundle(in: directory)
            try Self.write("epoch-2-step-0\n", to: bundle + "/checkpoint/latest")
            try Self.write("{}", to: bundle + "/checkpoint/epoch-2-step-0/state.json")
            try Self.write("", to: bundle + "/checkpoint/.latest.9a.tmp")
            try Self.write("", to: bundle + "/.config.json.1f.tmp")  // the old file-by-file writer's leftover
            try FileManager.default.createDirectory(atPath: bundle + "/other-checkpoints", withIntermediateDirectories: false)
            try BundleDestination.checkBundleDirectory(bundle)
        }
    }

    /// The user's report: `--output` into a folder holding other things overwrote its
    /// config.json and deleted `checkpoint/epoch-N-step-M/` folders after training.
    @Test func aDirectoryHoldingOtherThingsIsRefusedNamingThem() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let project = directory + "/project"
            try Self.write("{\"name\": \"my app\"}", to: project + "/config.json")
            let foreignConfig = try #require(Self.refusal { try BundleDestination.checkBundleDirectory(project) })
            #expect(foreignConfig.source == project + "/config.json")
            #expect(foreignConfig.message == "is not the configuration of a CompactRec model bundle (format 'compactrec-bundle'), "
                        + "so --output will not replace it: choose another --output", "\(foreignConfig)")

            try Self.write("notes", to: project + "/notes.txt")
            try Self.write("weights", to: project + "/checkpoint/epoch-1-step-2/model.pt")
            try Self.write("x", to: project + "/src/main.py")
            try Self.write("x", to: project + "/zeta")
            let foreign = try #require(Self.refusal { try BundleDestination.checkBundleDirectory(project) })
            #expect(foreign.source == project)
            #expect(foreign.message == "holds checkpoint/, notes.txt, src/ and 1 more, which are not part of a CompactRec model bundle; "
                        + "--output must be a new or empty directory or a bundle CompactRec wrote, which it replaces: choose another --output",
                    "\(foreign)")

            let weightsOnly = directory + "/weights-only"
            try Self.write("", to: weightsOnly + "/model.safetensors")
            let noConfig = try #require(Self.refusal { try BundleDestination.checkBundleDirectory(weightsOnly) })
            #expect(noConfig.message.hasPrefix("holds model.safetensors but no config.json"), "\(noConfig)")

            try Self.write("x", to: directory + "/a-file")
            let file = try #require(Self.refusal { try BundleDestination.checkBundleDirectory(directory + "/a-file") })
            #expect(file.message.hasPrefix("exists and is not a directory"), "\(file)")
            // Nothing was touched.
            #expect(try String(contentsOfFile: project + "/checkpoint/epoch-1-step-2/model.pt", encoding: .utf8) == "weights")
            #expect(try String(contentsOfFile: project + "/config.json", encoding: .utf8) == "{\"name\": \"my app\"}")
        }
    }

    @Test func anUnwritablePlaceIsRefusedBeforeTraining() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            try Self.write("x", to: directory + "/a-file")
            let error = try #require(Self.refusal { try BundleDestination.checkBundleDirectory(directory + "/a-file/run") })
            #expect(error.source == directory + "/a-file", "\(error)")
            #expect(error.message.contains("it exists and is not a directory"), "\(error)")
        }
    }

    /// A file system without room for the bundle (or the checkpoints as well) is refused with
    /// the sizes; here a model of 2^56 parameters, more than any disk holds: 4 · 2^56 bytes of
    /// weights, twice that plus 12 · 2^56 for two checkpoints, 2.25 EiB in all.
    @Test func aFileSystemWithoutRoomIsRefusedWithTheSizes() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let vocabulary = ModelBundleTests.vocabulary
            try BundleDestination.checkRoom(output: directory + "/run", checkpointDirectory: directory, parameters: 1000, tensors: 10,
                                            vocabulary: vocabulary)
            let error = try #require(Self.refusal {
                try BundleDestination.checkRoom(output: directory + "/run", checkpointDirectory: directory, parameters: 1 << 56,
                                                tensors: 10, vocabulary: vocabulary)
            })
            #expect(error.source == directory, "\(error)")
            #expect(error.message.hasPrefix("the model bundle and two checkpoints need about 2.3 EiB, but its file system has "), "\(error)")
        }
    }

    @Test func theBundleSizeEstimateCoversWhatTheWriterWrites() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let model = ModelBundleTests.trainedModel()
            let bundle = try ModelBundleTests.writeBundle(in: directory, model: model)
            let written = try ["config.json", "items.tsv", "model.safetensors"].reduce(0) { total, name in
                total + ((try FileManager.default.attributesOfItem(atPath: bundle + "/" + name)[.size] as? Int) ?? 0)
            }
            let estimate = BundleDestination.bundleBytes(parameters: model.parameterCount, tensors: model.uniqueWeights().count,
                                                         vocabulary: ModelBundleTests.vocabulary)
            #expect(estimate >= written && estimate < written + (80 << 10), "estimate \(estimate), written \(written)")
        }
    }

    /// items.tsv has one item a line, tab-separated: the data reader accepts these ids, so
    /// `train` refuses them before the first step, naming the data file.
    @Test(arguments: [("a\u{2028}b", "a<U+2028>b", "a line break (U+2028)"), ("a\u{2029}", "a<U+2029>", "a line break (U+2029)"),
                      ("\u{85}x\u{2028}", "<U+0085>x<U+2028>", "a line break (U+0085)"), ("tab\tbed", "tab<U+0009>bed", "a tab"),
                      ("cr\r", "cr<U+000D>", "a line break (U+000D)")])
    func idsItemsTSVCannotHoldAreRefusedNamingTheDataFile(id: String, shown: String, what: String) throws {
        let vocabulary = try Vocabulary(originalIds: ["<pad>", "fine", id], frequencies: [0, 2, 1])
        let error = try #require(Self.refusal { try ModelBundle.checkItemIds(vocabulary, source: "data.txt") })
        #expect(error.source == "data.txt")
        #expect(error.message == "item id '\(shown)' contains \(what), which a model bundle's items.tsv "
                    + "(one item a line, tab-separated) cannot hold; expected ids without tabs or line breaks", "\(error)")
        try ModelBundle.checkItemIds(ModelBundleTests.vocabulary, source: "data.txt")
    }

    @Test func aCheckpointDirectoryHoldingOtherThingsIsRefusedAndAnEmptyOneIsCreated() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            try BundleDestination.checkCheckpointDirectory(directory + "/run/checkpoint")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory + "/run/checkpoint").isEmpty)

            try Self.write("weights", to: directory + "/mine/epoch-1-step-2/model.pt")
            try Self.write("", to: directory + "/mine/latest")
            let error = try #require(Self.refusal { try BundleDestination.checkCheckpointDirectory(directory + "/mine") })
            #expect(error.source == directory + "/mine")
            #expect(error.message.hasPrefix("holds epoch-1-step-2/, which are not CompactRec checkpoints"), "\(error)")
        }
    }

    /// A folder named like a checkpoint that holds other files is never removed by the
    /// checkpoint writer; CompactRec's own leftovers are.
    @Test func staleCheckpointsAreRemovedOnlyWhenTheyHoldCheckpointFilesAlone() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            try Self.write("weights", to: directory + "/epoch-1-step-2/model.pt")
            try Self.write("{}", to: directory + "/epoch-1-step-2/state.json")
            try Self.write("{}", to: directory + "/epoch-7-step-7/state.json")
            try Self.write("", to: directory + "/epoch-7-step-7/.best.safetensors.2b.tmp")
            _ = try CheckpointSupport.interruptedAndResumed(CheckpointSupport.options(epochs: 2), interval: .epochs(1), stopAfter: 1,
                                                            directory: directory)
            let entries = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            #expect(entries == ["epoch-1-step-2", "epoch-3-step-0", "latest"])
            #expect(try String(contentsOfFile: directory + "/epoch-1-step-2/model.pt", encoding: .utf8) == "weights")
        }
    }
}
