import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// Writing a bundle over another: the directory holds the old bundle or the new one, whole;
/// what is not a bundle file stays; what a killed writer left is cleaned up the next time.
@Suite("Model bundle replacement")
struct BundleReplacementTests {
    static func entries(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    static func makeDirectory(_ path: String) throws -> String {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }

    /// A bundle whose model differs from `writeBundle`'s: wider embeddings.
    static func otherBundle() -> ModelBundle {
        let configuration = ModelConfiguration(itemCount: ModelBundleTests.N, embeddingSize: 6, dilations: [1], kernelSize: 2,
                                               maxLength: ModelBundleTests.T)
        return ModelBundle(model: SequentialRecommender(configuration: configuration, seed: 4), vocabulary: ModelBundleTests.vocabulary,
                           training: nil, data: ["path": "other"])
    }

    /// A bundle at `directory/bundle` holding a checkpoint directory and a file of the user's.
    static func bundleWithCompanions(in directory: String) throws -> String {
        let bundle = try ModelBundleTests.writeBundle(in: directory)
        try FileManager.default.createDirectory(atPath: bundle + "/checkpoint/epoch-1-step-3", withIntermediateDirectories: true)
        try Data("epoch-1-step-3\n".utf8).write(to: URL(fileURLWithPath: bundle + "/checkpoint/latest"))
        try Data("mine".utf8).write(to: URL(fileURLWithPath: bundle + "/notes.txt"))
        return bundle
    }

    @Test(arguments: [true, false])
    func theNewBundleReplacesTheOldWholeKeepingWhatElseTheDirectoryHolds(exchangeDirectories: Bool) throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let bundle = try Self.bundleWithCompanions(in: directory)
            let new = Self.otherBundle()
            var replacement = try BundleReplacement(destination: bundle)
            if !exchangeDirectories { replacement.exchange = { _, _ in .unsupported } }
            try replacement.replace(writeFiles: new.writeFiles(into:))

            #expect(try Self.entries(directory) == ["bundle"], "no working directory is left")
            #expect(try Self.entries(bundle) == ["checkpoint", "config.json", "items.tsv", "model.safetensors", "notes.txt"])
            #expect(try String(contentsOfFile: bundle + "/notes.txt", encoding: .utf8) == "mine")
            #expect(try Self.entries(bundle + "/checkpoint") == ["epoch-1-step-3", "latest"])
            let read = try ModelBundle.read(from: bundle)
            #expect(read.configuration.model.embeddingSize == 6 && read.configuration.data == ["path": "other"])
        }
    }

    @Test func aFailureBeforeTheSwapLeavesTheOldBundleAndItsCompanionsAsTheyWere() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let bundle = try Self.bundleWithCompanions(in: directory)
            let before = try ["config.json", "items.tsv", "model.safetensors"].map { try Self.bytes(bundle + "/" + $0) }
            struct DiskFull: Error {}
            // The new files are written, then the swap itself fails.
            var replacement = try BundleReplacement(destination: bundle)
            replacement.exchange = { _, _ in .failed(errno: EIO) }
            #expect(throws: InputError.self) { try replacement.replace(writeFiles: Self.otherBundle().writeFiles(into:)) }
            // Writing fails halfway.
            #expect(throws: DiskFull.self) {
                try BundleReplacement(destination: bundle).replace { staging in
                    try Self.otherBundle().writeFiles(into: staging)
                    throw DiskFull()
                }
            }
            #expect(try Self.entries(directory) == ["bundle"])
            #expect(try Self.entries(bundle) == ["checkpoint", "config.json", "items.tsv", "model.safetensors", "notes.txt"])
            #expect(try ["config.json", "items.tsv", "model.safetensors"].map { try Self.bytes(bundle + "/" + $0) } == before)
            #expect(try ModelBundle.read(from: bundle).configuration.model.embeddingSize == ModelBundleTests.C)
        }
    }

    @Test func theSwapErrorSaysTheOldBundleIsKept() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let bundle = try ModelBundleTests.writeBundle(in: directory)
            var replacement = try BundleReplacement(destination: bundle)
            replacement.exchange = { _, _ in .failed(errno: EIO) }
            let error = try #require(throws: InputError.self) { try replacement.replace(writeFiles: Self.otherBundle().writeFiles(into:)) }
            #expect(error.source == bundle)
            #expect(error.message == "the old bundle is kept: cannot swap the new bundle into place: Input/output error", "\(error)")
        }
    }

    /// A writer killed after it moved the checkpoint into its new bundle, before the swap: the
    /// old bundle is in place without it. The next write puts it back and removes the rest.
    @Test func aKilledWritersLeftoversAreCleanedUpAndWhatItCarriedGoesBack() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let bundle = try ModelBundleTests.writeBundle(in: directory)
            let deadPid = 99_999_999  // beyond Linux's largest pid: no such process
            let staging = directory + "/bundle.tmp-\(deadPid)-1f2e"
            try Self.otherBundle().writeFiles(into: Self.makeDirectory(staging))
            try FileManager.default.createDirectory(atPath: staging + "/checkpoint", withIntermediateDirectories: false)
            try Data("epoch-1-step-3\n".utf8).write(to: URL(fileURLWithPath: staging + "/checkpoint/latest"))
            // A second leftover: a swapped-out old bundle with a temporary file of the old writer.
            let swappedOut = directory + "/bundle.tmp-\(deadPid)-77"
            try Self.otherBundle().writeFiles(into: Self.makeDirectory(swappedOut))
            try Data().write(to: URL(fileURLWithPath: swappedOut + "/.items.tsv.abc123.tmp"))
            // Another process's work in progress (this test's parent runs) and lookalikes are left alone.
            let running = directory + "/bundle.tmp-\(getppid())-99"
            let lookalikes = [directory + "/bundle.tmp-x-1", directory + "/bundle.tmp-12"]
            for path in [running] + lookalikes { _ = try Self.makeDirectory(path) }

            try ModelBundle(model: ModelBundleTests.trainedModel(), vocabulary: ModelBundleTests.vocabulary, training: nil, data: [:])
                .write(to: bundle)
            #expect(try Self.entries(directory) == ["bundle", "bundle.tmp-12", "bundle.tmp-\(getppid())-99", "bundle.tmp-x-1"].sorted())
            #expect(try Self.entries(bundle) == ["checkpoint", "config.json", "items.tsv", "model.safetensors"])
            #expect(try String(contentsOfFile: bundle + "/checkpoint/latest", encoding: .utf8) == "epoch-1-step-3\n")
        }
    }

    /// Killed between the two renames where directories cannot be swapped: the bundle is
    /// missing, the old one set aside. The next write (or `train`'s check) puts it back first.
    @Test func anOldBundleSetAsideIsPutBackWhenTheBundleIsMissing() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let bundle = try ModelBundleTests.writeBundle(in: directory)
            let setAside = directory + "/bundle.old-99999999-5"
            try FileManager.default.moveItem(atPath: bundle, toPath: setAside)
            BundleLeftovers(parent: directory, name: "bundle").clean()
            #expect(try Self.entries(directory) == ["bundle"])
            #expect(try ModelBundle.read(from: bundle).configuration.model.embeddingSize == ModelBundleTests.C)
        }
    }

    @Test func aSymbolicLinkToABundleIsFollowedAndKept() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let bundle = try ModelBundleTests.writeBundle(in: directory + "/store")
            try FileManager.default.createSymbolicLink(atPath: directory + "/current", withDestinationPath: bundle)
            try Self.otherBundle().write(to: directory + "/current")
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: directory + "/current") == bundle)
            #expect(try ModelBundle.read(from: bundle).configuration.model.embeddingSize == 6)
            #expect(try Self.entries(directory + "/store") == ["bundle"])
        }
    }

    @Test func aFileWhereTheBundleGoesIsRefusedAndKept() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let path = directory + "/bundle"
            try Data("mine".utf8).write(to: URL(fileURLWithPath: path))
            let error = try #require(throws: InputError.self) { try Self.otherBundle().write(to: path) }
            #expect(error.source == path && error.message.hasPrefix("exists and is not a directory"), "\(error)")
            #expect(try Self.entries(directory) == ["bundle"] && String(contentsOfFile: path, encoding: .utf8) == "mine")
        }
    }
}
