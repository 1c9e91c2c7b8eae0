import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

@Suite("ModelBundle")
struct ModelBundleTests {
    static let N = 9, C = 4, T = 5

    static let vocabulary = try! Vocabulary(
        originalIds: ["<pad>", "item-a", "b", "ç", "42", "x y", "e", "f", "g"], frequencies: [0, 10, 9, 8, 7, 5, 3, 1, 0])

    static let training: TrainingOptions = {
        var options = TrainingOptions()
        options.epochs = 3
        options.batchSize = 2
        options.learningRate = 3e-3
        options.weightDecay = 1e-4
        options.gradientClipNorm = 0.5
        options.patience = 2
        options.seed = UInt64.max - 2  // beyond Double's 2^53: must survive JSON exactly
        return options
    }()

    static let data = ["path": "data/ü.txt", "format": "seq", "protocol": "leave-one-out"]
    static let metrics = ["hr@10": 0.25, "ndcg@10": 0.125]

    /// A model whose weights are neither the seed's nor the loader's (seed 0) initial ones: a
    /// few Adam steps on a tiny batch.
    static func trainedModel() -> SequentialRecommender {
        let configuration = ModelConfiguration(itemCount: N, embeddingSize: C, dilations: [1, 2], kernelSize: 2, maxLength: T,
                                               layerNormEpsilon: 3e-6)
        let model = SequentialRecommender(configuration: configuration, seed: 21)
        let adam = Adam(weights: model.uniqueWeights().map(\.weight), learningRate: 0.05)
        let (inputs, targets) = ModelTestSupport.trainingBatch([[1, 2, 3, 4, 5, 6], [8, 7, 1]], length: T)
        for _ in 0..<3 {
            model.zeroGradients()
            _ = model.trainingStep(inputs: inputs, targets: targets, batch: 2, length: T)
            adam.step()
        }
        return model
    }

    static let histories: [[Int32]] = [[1], [2, 3, 4], [8, 8, 8, 8, 8, 8, 8], [5, 6, 7, 1, 2], [4, 3]]

    /// Writes a bundle of the trained model into `directory/bundle` and returns that path.
    static func writeBundle(in directory: String, model: SequentialRecommender = trainedModel()) throws -> String {
        let path = directory + "/bundle"
        try ModelBundle(model: model, vocabulary: vocabulary, training: training, data: data, metrics: metrics).write(to: path)
        return path
    }

    /// The `InputError` reading `path` throws, or nil (recorded as a failure) if it reads.
    static func readError(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) -> InputError? {
        do {
            _ = try ModelBundle.read(from: path)
            Issue.record("the bundle was read; expected an error", sourceLocation: sourceLocation)
        } catch let error as InputError {
            return error
        } catch {
            Issue.record("threw \(error); expected an InputError", sourceLocation: sourceLocation)
        }
        return nil
    }

    static func text(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }

    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Writes `text` to `file` of `bundle` and records its new digest, as a writer that got the
    /// content wrong would: the checks behind the digests must refuse it.
    static func writeResealed(_ text: String, to file: String, of bundle: String) throws {
        try write(text, to: bundle + "/" + file)
        try reseal(bundle)
    }

    /// Records the current digests of the bundle's files in its config.json, editing nothing
    /// else, so that an edit made on purpose reaches the checks behind the digests.
    static func reseal(_ bundle: String) throws {
        let url = URL(fileURLWithPath: bundle + "/config.json")
        var text = try String(contentsOf: url, encoding: .utf8)
        struct Record: Decodable { var sha256: [String: String]? }
        guard let old = (try? JSONDecoder().decode(Record.self, from: Data(text.utf8)))?.sha256 else { return }
        for name in ["items.tsv", "model.safetensors"] {
            if let before = old[name], let now = try? BundleIntegrity.digest(ofFile: bundle + "/" + name) {
                text = text.replacingOccurrences(of: before, with: now)
            }
        }
        guard let own = old["config.json"] else { return }
        text = text.replacingOccurrences(of: own, with: BundleIntegrity.placeholder)
        text = text.replacingOccurrences(of: BundleIntegrity.placeholder, with: SHA256.digest(Array(text.utf8)).hexadecimal)
        try write(text, to: url.path)
    }

    /// Rewrites config.json with `change` applied to its decoded configuration, digests resealed.
    static func editConfig(_ bundle: String, _ change: (inout ModelBundle.Configuration) -> Void) throws {
        let url = URL(fileURLWithPath: bundle + "/config.json")
        var configuration = try JSONDecoder().decode(ModelBundle.Configuration.self, from: Data(contentsOf: url))
        change(&configuration)
        try JSONEncoder().encode(configuration).write(to: url)
        try reseal(bundle)
    }

    /// Rewrites model.safetensors with `change` applied to its tensors, digests resealed.
    static func editTensors(_ bundle: String, _ change: (inout [NamedTensor]) -> Void) throws {
        let path = bundle + "/model.safetensors"
        let file = try SafeTensors.read(path: path)
        var tensors = file.tensors
        change(&tensors)
        try SafeTensors.write(tensors, metadata: file.metadata, to: path)
        try reseal(bundle)
    }

    // MARK: - Round trip

    @Test func roundTripGivesIdenticalScoresConfigurationAndVocabulary() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let model = Self.trainedModel()
            let path = try Self.writeBundle(in: directory, model: model)
            for name in ["model.safetensors", "config.json", "items.tsv"] {
                #expect(FileManager.default.fileExists(atPath: path + "/" + name), "\(name)")
            }
            let bundle = try ModelBundle.read(from: path)

            let expected = ModelTestSupport.scores(model, histories: Self.histories)
            let got = ModelTestSupport.scores(bundle.model, histories: Self.histories)
            #expect(ModelTestSupport.bits(got) == ModelTestSupport.bits(expected))
            // The weights are the trained ones, not what the loader's own seed would give.
            let fresh = ModelTestSupport.scores(SequentialRecommender(configuration: model.configuration, seed: 0), histories: Self.histories)
            #expect(ModelTestSupport.bits(fresh) != ModelTestSupport.bits(expected))
            for (a, b) in zip(model.uniqueWeights(), bundle.model.uniqueWeights()) {
                #expect(a.name == b.name && a.weight.shape == b.weight.shape)
                #expect(ModelTestSupport.bits(a.weight.value.values) == ModelTestSupport.bits(b.weight.value.values), "\(a.name)")
            }

            let configuration = bundle.configuration
            #expect(configuration.format == ModelBundle.formatName && configuration.version == ModelBundle.formatVersion)
            #expect(configuration.model == model.configuration)
            #expect(bundle.model.configuration == model.configuration)
            #expect(configuration.training == Self.training)
            #expect(configuration.training?.seed == UInt64.max - 2)
            #expect(configuration.data == Self.data)
            #expect(configuration.metrics == Self.metrics)

            #expect(bundle.vocabulary.originalIds == Self.vocabulary.originalIds)
            #expect(bundle.vocabulary.frequencies == Self.vocabulary.frequencies)
            #expect(bundle.vocabulary.index(of: "x y") == 5 && bundle.vocabulary.index(of: "<pad>") == nil)

            let items = try Self.text(path + "/items.tsv")
            #expect(items.hasPrefix("index\toriginal_id\tfrequency\n0\t<pad>\t0\n1\titem-a\t10\n2\tb\t9\n"))
            #expect(items.hasSuffix("8\tg\t0\n"))
            let file = try SafeTensors.read(path: path + "/model.safetensors")
            #expect(file.metadata["format"] == ModelBundle.formatName)
            #expect(file.tensors.count == model.uniqueWeights().count)
        }
    }

    @Test func aBundleWithoutTrainingOptionsOrMetricsRoundTrips() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let model = Self.trainedModel()
            let path = directory + "/nested/deeper"
            try ModelBundle(model: model, vocabulary: Self.vocabulary, training: nil, data: [:]).write(to: path)
            let bundle = try ModelBundle.read(from: path)
            #expect(bundle.configuration.training == nil && bundle.configuration.metrics == nil && bundle.configuration.data.isEmpty)
            // Writing again over an existing bundle replaces it.
            try ModelBundle(model: Self.trainedModel(), vocabulary: Self.vocabulary, training: Self.training, data: Self.data).write(to: path)
            #expect(try ModelBundle.read(from: path).configuration.training == Self.training)
        }
    }

    // MARK: - config.json

    @Test func aNewerVersionIsRejectedNamingTheVersion() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let path = try Self.writeBundle(in: directory)
            try Self.editConfig(path) { $0.version = ModelBundle.formatVersion + 1 }
            let error = try #require(Self.readError(path))
            #expect(error.source.hasSuffix("config.json"), "\(error)")
            #expect(error.message.contains("version \(ModelBundle.formatVersion + 1)"), "\(error)")
        }
    }

    @Test func aWrongFormatIsRejected() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let path = try Self.writeBundle(in: directory)
            try Self.editConfig(path) { $0.format = "someone-elses-bundle" }
            let error = try #require(Self.readError(path))
            #expect(error.source.hasSuffix("config.json") && error.message.contains("someone-elses-bundle"), "\(error)")
        }
    }

    @Test func missingOrMalformedConfigIsRejected() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let missing = try #require(Self.readError(directory + "/nothing-here"))
            #expect(missing.source.hasSuffix("config.json") && missing.message.contains("nothing-here"), "\(missing)")

            let path = try Self.writeBundle(in: directory)
            try Self.write("{\"format\": ", to: path + "/config.json")
            let truncated = try #require(Self.readError(path))
            #expect(truncated.source.hasSuffix("config.json"), "\(truncated)")

            try Self.write("{\"format\": \"compactrec-bundle\", \"version\": 1}", to: path + "/config.json")
            let incomplete = try #require(Self.readError(path))
            #expect(incomplete.source.hasSuffix("config.json"), "\(incomplete)")
        }
    }

    @Test func anInvalidModelConfigurationIsRejectedNamingConfigJSON() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let path = try Self.writeBundle(in: directory)
            try Self.editConfig(path) { $0.model.embeddingSize = 0 }
            let error = try #require(Self.readError(path))
            #expect(error.message.contains("embedding size"), "\(error)")
            #expect(error.source.hasSuffix("config.json"), "\(error)")
        }
    }

    // MARK: - items.tsv

    @Test func anItemCountDifferentFromTheConfigurationIsRejectedNamingItemsTSV() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let path = try Self.writeBundle(in: directory)
            var lines = try Self.text(path + "/items.tsv").split(separator: "\n", omittingEmptySubsequences: false)
            lines.remove(at: lines.count - 2)  // the last item row ("8\tg\t0"), keeping the final newline
            try Self.writeResealed(lines.joined(separator: "\n"), to: "items.tsv", of: path)
            let error = try #require(Self.readError(path))
            #expect(error.source.hasSuffix("items.tsv"), "\(error)")
            #expect(error.message.contains("\(Self.N - 1) items") && error.message.contains("itemCount \(Self.N)"), "\(error)")

            // One item too many.
            try Self.writeResealed(lines.joined(separator: "\n") + "8\tg\t0\n9\th\t0\n", to: "items.tsv", of: path)
            let more = try #require(Self.readError(path))
            #expect(more.source.hasSuffix("items.tsv") && more.message.contains("\(Self.N + 1) items"), "\(more)")
        }
    }

    /// items.tsv with line 5 (the row of index 3) replaced.
    @Test(arguments: [
        ("3\tç", "whole numbers"),  // two columns
        ("3\tç\t8\textra", "whole numbers"),  // four columns
        ("three\tç\t8", "whole numbers"),  // non-numeric index
        ("3\tç\teight", "whole numbers"),  // non-numeric frequency
        ("3\tç\t-8", "whole numbers"),  // negative frequency
        ("4\tç\t8", "expected index 3, found 4"),  // out of order
        ("2\tç\t8", "expected index 3, found 2"),  // repeated index
    ])
    func aMalformedItemsLineIsRejectedNamingFileAndLine(line: String, fragment: String) throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let path = try Self.writeBundle(in: directory)
            var lines = try Self.text(path + "/items.tsv").components(separatedBy: "\n")
            #expect(lines[4] == "3\tç\t8")
            lines[4] = line
            try Self.writeResealed(lines.joined(separator: "\n"), to: "items.tsv", of: path)
            let error = try #require(Self.readError(path))
            #expect(error.source.hasSuffix("items.tsv") && error.location == "line 5", "\(error)")
            #expect(error.message.contains(fragment), "\(error)")
        }
    }

    @Test func aWrongHeaderOrInconsistentVocabularyIsRejectedNamingItemsTSV() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let path = try Self.writeBundle(in: directory)
            let original = try Self.text(path + "/items.tsv")
            try Self.writeResealed(original.replacingOccurrences(of: "original_id", with: "id"), to: "items.tsv", of: path)
            let header = try #require(Self.readError(path))
            #expect(header.source.hasSuffix("items.tsv") && header.location == "line 1", "\(header)")

            // A repeated id: each line is well-formed, the vocabulary is not.
            try Self.writeResealed(original.replacingOccurrences(of: "7\tf\t1", with: "7\tb\t1"), to: "items.tsv", of: path)
            let repeated = try #require(Self.readError(path))
            #expect(repeated.source.hasSuffix("items.tsv") && repeated.message.contains("'b'"), "\(repeated)")

            // Index 0 must be the padding.
            try Self.writeResealed(original.replacingOccurrences(of: "0\t<pad>\t0", with: "0\tpad\t0"), to: "items.tsv", of: path)
            let padding = try #require(Self.readError(path))
            #expect(padding.source.hasSuffix("items.tsv"), "\(padding)")

            try FileManager.default.removeItem(atPath: path + "/items.tsv")
            let missing = try #require(Self.readError(path))
            #expect(missing.source.hasSuffix("items.tsv"), "\(missing)")
        }
    }

    @Test func anIdWithATabIsRefusedWhenWritten() throws {
        // items.tsv is tab-separated with no escaping, so such an id is refused with a sentence.
        let vocabulary = try Vocabulary(originalIds: ["<pad>", "a\tb", "c", "d", "e", "f", "g", "h", "i"],
                                        frequencies: [0, 5, 4, 3, 2, 1, 1, 1, 1])
        try IOTestSupport.withTemporaryDirectory { directory in
            let path = directory + "/bundle"
            #expect {
                try ModelBundle(model: Self.trainedModel(), vocabulary: vocabulary, training: nil, data: [:]).write(to: path)
            } throws: { error in
                (error as? InputError)?.message.contains("tab") == true
            }
        }
    }

    // MARK: - model.safetensors

    @Test func aTruncatedSafetensorsFileIsRejectedNamingIt() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let path = try Self.writeBundle(in: directory)
            let file = path + "/model.safetensors"
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            for keep in [bytes.count - 1, bytes.count - 37, bytes.count / 2, 20, 8, 3, 0] {
                try bytes.prefix(keep).write(to: URL(fileURLWithPath: file))
                let error = try #require(Self.readError(path), "kept \(keep) bytes")
                #expect(error.source == file, "kept \(keep) bytes: \(error)")
            }
            try FileManager.default.removeItem(atPath: file)
            let missing = try #require(Self.readError(path))
            #expect(missing.source == file, "\(missing)")
        }
    }

    @Test(arguments: ["item_embedding.weight", "blocks.1.ln2.bias", "blocks.0.conv1.weight", "output.bias"])
    func aMissingTensorIsRejectedNamingIt(name: String) throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let path = try Self.writeBundle(in: directory)
            try Self.editTensors(path) { tensors in
                #expect(tensors.contains { $0.name == name })
                tensors.removeAll { $0.name == name }
            }
            let error = try #require(Self.readError(path))
            #expect(error.source == path + "/model.safetensors" && error.location == "tensor \(name)", "\(error)")
            #expect(error.message.contains("missing"), "\(error)")
        }
    }

    @Test func aTensorOfTheWrongShapeIsRejectedNamingIt() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let path = try Self.writeBundle(in: directory)
            // Transposed: the same number of values in the other layout.
            try Self.editTensors(path) { tensors in
                let i = tensors.firstIndex { $0.name == "output.weight" }!
                tensors[i] = NamedTensor(name: "output.weight", shape: [Self.N, Self.C], values: tensors[i].values)
            }
            let error = try #require(Self.readError(path))
            #expect(error.location == "tensor output.weight", "\(error)")
            #expect(error.message.contains("[\(Self.C), \(Self.N)]") && error.message.contains("[\(Self.N), \(Self.C)]"), "\(error)")

            // A convolution of another kernel size.
            let other = try Self.writeBundle(in: directory + "/other")
            try Self.editTensors(other) { tensors in
                let i = tensors.firstIndex { $0.name == "blocks.1.conv2.weight" }!
                tensors[i] = NamedTensor(name: "blocks.1.conv2.weight", shape: [Self.C, 3, Self.C], values: [Float](repeating: 0, count: 3 * Self.C * Self.C))
            }
            let conv = try #require(Self.readError(other))
            #expect(conv.location == "tensor blocks.1.conv2.weight" && conv.message.contains("shape"), "\(conv)")
        }
    }

    /// A NaN, an infinity or a damaged exponent (1e30) in a weight is refused naming the tensor
    /// and the element; a weight of exactly the limit still loads and serves.
    @Test(arguments: [(Float.nan, "not a finite number"), (-Float.infinity, "not a finite number"),
                      (-1e30, "beyond ±10000.0"), (ModelBundle.weightLimit, nil)])
    func aNonFiniteOrHugeWeightIsRejectedNamingTheElement(value: Float, problem: String?) throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let path = try Self.writeBundle(in: directory)
            let index = 2 * Self.N + 5
            try Self.editTensors(path) { tensors in
                let i = tensors.firstIndex { $0.name == "output.weight" }!
                var values = tensors[i].values
                values[index] = value
                tensors[i] = NamedTensor(name: "output.weight", shape: tensors[i].shape, values: values)
            }
            guard let problem else {
                let bundle = try ModelBundle.read(from: path)
                #expect(bundle.model.recommend(history: [1, 2], count: 3).count == 3)
                return
            }
            let error = try #require(Self.readError(path))
            #expect(error.source == path + "/model.safetensors" && error.location == "tensor output.weight", "\(error)")
            #expect(error.message.hasPrefix("element \(index) is \(value), \(problem)"), "\(error)")
        }
    }

    /// The scan counts blocks of 4096 before it searches one: the first offender is found
    /// wherever it falls, in the first block, on a block's edges or in a short last block.
    @Test func theWeightScanFindsTheFirstOffenderInAnyBlock() {
        let count = 3 * 4096 + 100
        #expect(SafeTensorsFile.firstBeyond(1, in: [Float](repeating: 1, count: count)) == nil)
        #expect(SafeTensorsFile.firstBeyond(1, in: []) == nil)
        for (first, second) in [(0, 5), (4095, 4096), (4096, 9000), (3 * 4096 + 99, 3 * 4096 + 99)] {
            var values = [Float](repeating: -1, count: count)
            values[second] = .infinity
            values[first] = .nan
            #expect(SafeTensorsFile.firstBeyond(1, in: values) == first, "\(first)")
            values[first] = 1.0001
            #expect(SafeTensorsFile.firstBeyond(1, in: values) == first, "\(first)")
        }
    }

    @Test func anExtraTensorIsRejectedNamingIt() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let path = try Self.writeBundle(in: directory)
            try Self.editTensors(path) { $0.append(NamedTensor(name: "blocks.2.conv1.weight", shape: [2], values: [1, 2])) }
            let error = try #require(Self.readError(path))
            #expect(error.source == path + "/model.safetensors" && error.location == "tensor blocks.2.conv1.weight", "\(error)")
        }
    }

    @Test func pythonSafetensorsLoadsTheBundlesModelFile() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let model = Self.trainedModel()
            let path = try Self.writeBundle(in: directory, model: model)
            let expected = model.uniqueWeights()
                .map { p in "\(p.name) \(p.weight.shape) \(p.weight.value.values.map { String($0.bitPattern, radix: 16) }.joined(separator: ","))" }
                .sorted()
            guard let python = SafeTensorsPythonInteropTests.python else { try Test.cancel(SafeTensorsPythonInteropTests.skipReason) }
            let script = """
                import sys
                from safetensors.numpy import load_file
                for name, array in sorted(load_file(sys.argv[1]).items()):
                    assert array.dtype == "float32", array.dtype
                    bits = array.reshape(-1).view("<u4")
                    print(name, list(array.shape), ",".join(format(int(b), "x") for b in bits))
                """
            let result = try SafeTensorsPythonInteropTests.run(python, ["-c", script, path + "/model.safetensors"])
            try #require(result.status == 0, "\(result.output)")
            let lines = result.output.split(separator: "\n").map(String.init)
            #expect(lines.count == 19)
            #expect(lines == expected)
        }
    }
}
