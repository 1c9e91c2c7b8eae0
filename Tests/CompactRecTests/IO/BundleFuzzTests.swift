import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// Thousands of seeded mutations of a model bundle's three files: loading must refuse every
/// changed file with an `InputError` naming it (the digests in config.json see to that), and
/// load a file whose mutation happened to leave it as it was; never crash, over-allocate or
/// throw anything else. Edits that keep the digests right reach the checks behind them: the
/// extreme configurations below.
@Suite("Model bundles, mutated")
struct BundleFuzzTests {
    static let files = ["config.json", "items.tsv", "model.safetensors"]

    /// The uncompressed test bundle, a CpRec one (block-adaptive, tree softmax, sharing) and
    /// one with compressed tables (quotient-remainder input, MEmCom output).
    static func originals(in directory: String) throws -> [String] {
        let plain = try ModelBundleTests.writeBundle(in: directory)
        let cpRec = CompressedBundleTests.trained(CompressedBundleTests.configuration(.blockAdaptive, .treeSoftmax, .crossBlock))
        let tables = CompressedBundleTests.trained(ModelConfiguration(
            itemCount: CompressedBundleTests.N, embeddingSize: 8, dilations: [1, 2], kernelSize: 2, maxLength: CompressedBundleTests.T,
            inputEmbedding: .qr, outputLayer: .memcom, inputTable: ItemTableSettings(qrCollisions: 3),
            outputTable: ItemTableSettings(buckets: 4)))
        for (name, model) in [("cprec", cpRec), ("tables", tables)] {
            try ModelBundle(model: model, vocabulary: CompressedBundleTests.vocabulary, training: nil, data: [:])
                .write(to: directory + "/" + name)
        }
        return [plain, directory + "/cprec", directory + "/tables"]
    }

    static func expectConsistent(_ bundle: ModelBundle, path: String) {
        let c = bundle.configuration.model
        #expect(bundle.vocabulary.count == c.itemCount, "\(path)")
        #expect(bundle.model.parameterCount == ParameterAccounting(configuration: c).total, "\(path)")
        #expect((try? c.validate()) != nil, "\(path)")
        // It serves: a short history, at most 3 items back, never padding.
        let recommended = bundle.model.recommend(history: [1, Int32(c.itemCount - 1)], count: 3)
        #expect(recommended.count == min(3, c.itemCount - 1) && recommended.allSatisfy { $0.item >= 1 && Int($0.item) < c.itemCount },
                "\(path): \(recommended)")
    }

    @Test(arguments: files)
    func everyMutatedFileIsRefusedNamingItAndAnUnchangedOneLoads(file: String) throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let originals = try Self.originals(in: directory)
            let contents = try originals.map { try Array(Data(contentsOf: URL(fileURLWithPath: $0 + "/" + file))) }
            var mutator = SeededMutator(seed: UInt64(Self.files.firstIndex(of: file)! + 10))
            var unchanged = 0, rejected = 0
            let runs = try forBoundedTime(iterations: 3000, atLeast: 300, seconds: 2.5) { i in
                let which = i % originals.count, bundle = originals[which], path = bundle + "/" + file
                let mutated = mutator.mutate(contents[which], donor: contents[(which + 1) % originals.count])
                try Data(mutated).write(to: URL(fileURLWithPath: path))
                defer { try? Data(contents[which]).write(to: URL(fileURLWithPath: path)) }
                do {
                    let bundle = try ModelBundle.read(from: bundle)
                    #expect(mutated == contents[which], "\(path): a changed file was loaded")
                    Self.expectConsistent(bundle, path: path)
                    unchanged += 1
                } catch let error as InputError {
                    #expect(error.source == path, "\(error)")
                    #expect(mutated != contents[which], "\(path): the unchanged file was refused: \(error)")
                    rejected += 1
                }
            }
            // Some mutations leave the bytes as they were (a truncation to the full length, a
            // byte replaced by itself); far fewer than one in five.
            #expect(rejected > runs * 4 / 5 && unchanged + rejected == runs, "unchanged \(unchanged), rejected \(rejected)")
        }
    }

    /// config.json settings pushed to extremes must be refused before any allocation they imply.
    @Test(arguments: [
        ("embeddingSize", "1000000000"), ("embeddingSize", "65536"), ("itemCount", "9223372036854775807"),
        ("kernelSize", "100000"), ("maxLength", "1000000000"), ("dilations", "[1, 9223372036854775807]"),
        ("dilations", "[]"), ("rankDivisor", "0"), ("layerNormEpsilon", "1e39"), ("itemCount", "-3"),
    ])
    func extremeConfigurationsAreRefusedNamingConfigJSONOrTheTensors(key: String, value: String) throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let bundle = try ModelBundleTests.writeBundle(in: directory)
            let path = bundle + "/config.json"
            var object = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
            var model = try #require(object["model"] as? [String: Any])
            let extreme = try JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed)
            if ["kernelSize", "dilations", "layerNormEpsilon"].contains(key) {  // the encoder's own settings
                var encoder = try #require(model["encoder"] as? [String: Any])
                encoder[key] = extreme
                model["encoder"] = encoder
            } else {
                model[key] = extreme
            }
            object["model"] = model
            try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
            try ModelBundleTests.reseal(bundle)
            let error = try #require(ModelBundleTests.readError(bundle))
            #expect(error.source == path || error.source == bundle + "/model.safetensors" || error.source == bundle + "/items.tsv",
                    "\(error)")
        }
    }

    @Test func aConfigurationFromANewerVersionIsRefusedAsNewerEvenIfLaidOutDifferently() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let bundle = try ModelBundleTests.writeBundle(in: directory)
            try ModelBundleTests.write(#"{"format": "compactrec-bundle", "version": 3, "layers": [{"kind": "sasrec"}]}"#,
                                       to: bundle + "/config.json")
            let error = try #require(ModelBundleTests.readError(bundle))
            #expect(error.message == "bundle version 3 is newer than this CompactRec reads (2); upgrade CompactRec", "\(error)")
        }
    }

    @Test func anEmptyItemsFileIsRefusedSayingSo() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let bundle = try ModelBundleTests.writeBundle(in: directory)
            try ModelBundleTests.writeResealed("", to: "items.tsv", of: bundle)
            let error = try #require(ModelBundleTests.readError(bundle))
            #expect(error.source == bundle + "/items.tsv" && error.message.hasPrefix("is empty"), "\(error)")
        }
    }

    @Test func aConfigurationFarLargerThanTheTensorFileIsRefusedBeforeBuildingTheModel() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let bundle = try ModelBundleTests.writeBundle(in: directory)
            // Valid and within the limits, but four convolutions of 1000·4096·4096 weights: 67 billion
            // parameters, half a terabyte of weights and gradients if it were built.
            try ModelBundleTests.editConfig(bundle) { 
                $0.model.embeddingSize = 4096
                $0.model.encoder = .nextItNet(NextItNetConfiguration(dilations: [1, 2], kernelSize: 1000))
            }
            let error = try #require(ModelBundleTests.readError(bundle))
            #expect(error.source == bundle + "/model.safetensors", "\(error)")
            #expect(error.message.contains("far fewer than the"), "\(error)")
        }
    }
}
