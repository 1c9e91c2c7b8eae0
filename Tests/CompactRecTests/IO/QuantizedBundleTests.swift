import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// `compactrec quantize`'s library step and the reduced-precision bundle: the quantized model
/// scores as it does once written and read back, close to its Float32 original; bytes per
/// component; the precision specification; and damaged or inconsistent bundles refused by name.
@Suite("Quantized bundles")
struct QuantizedBundleTests {
    typealias Support = ModelBundleTests

    /// A Float32 bundle of the trained test model, wider than ModelBundleTests' so that rows have
    /// enough values to quantize (N = 9 items, C = 12, two blocks).
    static func float32Bundle() -> ModelBundle {
        let configuration = ModelConfiguration(itemCount: Support.N, embeddingSize: 12, dilations: [1, 2], kernelSize: 2,
                                               maxLength: Support.T)
        let model = SequentialRecommender(configuration: configuration, seed: 5)
        return ModelBundle(model: model, vocabulary: Support.vocabulary, training: Support.training, data: Support.data,
                           metrics: Support.metrics)
    }

    static func scores(_ model: SequentialRecommender) -> [Float] {
        var all: [Float] = []
        for history in Support.histories {
            let (inputs, length) = (history, history.count)
            var scores = [Float](repeating: 0, count: model.configuration.itemCount)
            inputs.withUnsafeBufferPointer { ids in
                scores.withUnsafeMutableBufferPointer { model.scores(inputs: ids.baseAddress!, batch: 1, length: length, output: $0.baseAddress!) }
            }
            all += scores
        }
        return all
    }

    static let precisions = ["fp16", "int8", "int4", "input=int4,output=int8,encoder=fp16", "output=int8", "encoder=int8"]

    @Test("a quantized bundle reads back scoring bit for bit as the quantized model, close to Float32", arguments: precisions)
    func roundTrip(specification: String) throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let original = Self.float32Bundle()
            let precision = try PrecisionSpecification.parse(specification)
            let quantized = try original.quantized(to: precision)
            try quantized.write(to: directory + "/q")
            let read = try ModelBundle.read(from: directory + "/q")
            #expect(read.configuration.precision == quantized.configuration.precision)
            #expect(read.configuration.precision?.input == precision.input && read.configuration.precision?.encoder == precision.encoder)
            let inMemory = Self.scores(quantized.model), reloaded = Self.scores(read.model), exact = Self.scores(original.model)
            #expect(inMemory.map(\.bitPattern) == reloaded.map(\.bitPattern))
            // Logits of this small model are a few units; the formats' errors move them by far less.
            let tolerance: Float = specification.contains("int4") ? 0.3 : specification.contains("int8") ? 0.05 : 0.01
            let worst = zip(exact, reloaded).map { abs($0 - $1) }.max()!
            #expect(worst <= tolerance, "largest score change \(worst)")
            #expect(worst > 0, "nothing was quantized")
            // Written again, the bundle is the same bytes: the stored forms are kept, not re-quantized.
            try read.write(to: directory + "/again")
            for file in ["model.safetensors", "config.json"] {
                #expect(FileManager.default.contents(atPath: directory + "/q/" + file) == FileManager.default.contents(atPath: directory + "/again/" + file))
            }
            // Recommending works on the loaded bundle, scores as log-probabilities.
            let answer = Recommender(bundle: read).recommend(history: ["b", "ç"], count: 3)
            #expect(answer.items.count == 3 && answer.items.allSatisfy { $0.score <= 0 })
        }
    }

    @Test("bytes per component follow the formats; the ratio is against the Float32 uncompressed model")
    func bytes() throws {
        let original = Self.float32Bundle()
        let N = Support.N, C = 12
        let float32 = ByteAccounting(bundle: original)
        #expect(float32.total == original.model.parameterCount * 4 && float32.ratio == 1)
        let encoderMatrices = original.model.encoder.uniqueWeights().filter { $0.weight.shape.count >= 2 }
        let encoderVectors = original.model.encoder.uniqueWeights().filter { $0.weight.shape.count < 2 }
        let q = ByteAccounting(bundle: try original.quantized(to: try PrecisionSpecification.parse("int4")))
        #expect(q.input == N * (C / 2 + 4))
        #expect(q.output == N * (C / 2 + 4) + N * 2)  // the bias fp16, beside int4 rows
        let q8 = ByteAccounting(bundle: try original.quantized(to: try PrecisionSpecification.parse("int8")))
        #expect(q8.input == N * (C + 2) && q8.output == N * (C + 2) + N * 2)  // codes and an fp16 scale a row, an fp16 bias
        let half = ByteAccounting(bundle: try original.quantized(to: try PrecisionSpecification.parse("fp16")))
        #expect(half.output == N * C * 2 + N * 4)  // beside fp16 rows the bias stays Float32
        #expect(q.middle == encoderMatrices.reduce(0) { $0 + WeightFormat.int8.bytes(rows: $1.weight.shape.last!, columns: $1.weight.count / $1.weight.shape.last!) }
                + encoderVectors.reduce(0) { $0 + 4 * $1.weight.count })
        #expect(q.uncompressedFloat32 == float32.total)
        #expect(abs(q.ratio - Double(float32.total) / Double(q.total)) < 1e-12)
    }

    @Test("--precision: a format for all, components one by one, and what is refused")
    func specification() throws {
        #expect(try PrecisionSpecification.parse("int4") == ModelPrecision(input: .int4, output: .int4, encoder: .int8))
        #expect(try PrecisionSpecification.parse("fp16") == ModelPrecision(input: .float16, output: .float16, encoder: .float16))
        #expect(try PrecisionSpecification.parse("input=int4,output=int8,encoder=fp16") == ModelPrecision(input: .int4, output: .int8, encoder: .float16))
        #expect(try PrecisionSpecification.parse("int8,input=int4") == ModelPrecision(input: .int4, output: .int8, encoder: .int8))
        #expect(try PrecisionSpecification.parse("output=int8") == ModelPrecision(input: .float32, output: .int8, encoder: .float32))
        for (bad, message) in [("int3", "expected float32, fp16, int8 or int4, found 'int3'"), ("encoder=int4", "the encoder's matrices are stored float32, fp16 or int8"),
                               ("middle=int8", "component one of input, output, encoder"), ("input=int8,input=int4", "given twice"),
                               ("input=int8,int4", "a bare format comes first")] {
            #expect(throws: InputError.self) { try PrecisionSpecification.parse(bad) }
            do { _ = try PrecisionSpecification.parse(bad) } catch let error as InputError {
                #expect(error.description.contains(message), "\(error)")
            }
        }
    }

    /// CpRec (block-adaptive input, tree softmax) and the compressed tables, N = 300, C = 32: rows
    /// of 32 (per item) and narrower matrices (per column) both occur.
    static let compressedConfigurations: [(String, ModelConfiguration)] = {
        let table = ItemTableSettings(buckets: 40, hash: .modulo, qrCollisions: 4, rank: 3, mixedDimensions: [32, 16, 4])
        func model(_ input: InputEmbeddingKind, _ output: OutputLayerKind) -> ModelConfiguration {
            ModelConfiguration(itemCount: 300, embeddingSize: 32, dilations: [1, 2], maxLength: 6, inputEmbedding: input,
                               outputLayer: output, cutoffs: [30, 120, 300], rankDivisor: 2,
                               inputTable: input.table == nil ? nil : table, outputTable: output.table == nil ? nil : table)
        }
        return [("cprec", model(.blockAdaptive, .treeSoftmax)), ("memcom", model(.memcom, .memcom)), ("qr", model(.qr, .qr)),
                ("low-rank", model(.lowRank, .lowRank)), ("mixed-dim", model(.mixedDim, .mixedDim)),
                ("hashing", model(.hashing, .hashing))]
    }()

    static func compressedBundle(_ configuration: ModelConfiguration) throws -> ModelBundle {
        let vocabulary = try Vocabulary(originalIds: ["<pad>"] + (1..<300).map { "i\($0)" }, frequencies: [0] + (1..<300).map { 300 - $0 })
        let model = SequentialRecommender(configuration: configuration, seed: 1)
        // Trained weights are not all at their initial scale: spread them so that rows differ.
        var rng = SeededGenerator(seed: 3)
        for p in model.uniqueWeights() { for i in 0..<p.weight.count { p.weight.value.data[i] += 0.3 * rng.nextNormal() } }
        model.weightsDidChange()
        return ModelBundle(model: model, vocabulary: vocabulary, training: nil, data: [:])
    }

    @Test("every matrix of a compressed layer is stored in reduced precision and read back as the quantized model",
          arguments: compressedConfigurations.indices, ["int8", "int4", "input=fp16,output=int8"])
    func compressedLayers(index: Int, specification: String) throws {
        let (name, configuration) = Self.compressedConfigurations[index]
        let bundle = try Self.compressedBundle(configuration)
        let precision = try PrecisionSpecification.parse(specification)
        let quantized = try bundle.quantized(to: precision)
        // Every matrix of the input and output layers has a record; vectors (biases) stay Float32.
        let tables = bundle.model.uniqueWeights().filter { !$0.name.hasPrefix("blocks.") && $0.weight.shape.count >= 2 }
        let records = try #require(quantized.configuration.precision?.tensors)
        for p in tables {
            let format = p.name.hasPrefix("item_embedding.") ? precision.input : precision.output
            #expect(records[p.name]?.format == format, "\(name): \(p.name) \(p.weight.shape)")
            // Rows along the longer end (a scale per item of a table, per column of a [d, n]
            // matrix), unless such a row would hold fewer than 32 values (a narrow CpRec tail).
            let axis = try #require(records[p.name]?.axis)
            let shape = p.weight.shape, last = shape.count - 1
            let longer = shape[0] >= shape[last] ? 0 : last
            let expected = shape.reduce(1, *) / shape[longer] >= 32 ? longer : (longer == 0 ? last : 0)
            #expect(axis == expected, "\(name): \(p.name) \(shape) axis \(axis)")
        }
        let before = ByteAccounting(bundle: bundle), after = ByteAccounting(bundle: quantized)
        #expect(after.input < before.input && after.output < before.output, "\(name) \(specification): \(before) → \(after)")
        try IOTestSupport.withTemporaryDirectory { directory in
            try quantized.write(to: directory + "/q")
            let read = try ModelBundle.read(from: directory + "/q")
            #expect(ByteAccounting(bundle: read) == after)
            let exact = Self.scores(bundle.model), inMemory = Self.scores(quantized.model), reloaded = Self.scores(read.model)
            #expect(inMemory.map(\.bitPattern) == reloaded.map(\.bitPattern), "\(name) \(specification)")
            let worst = zip(exact, reloaded).map { abs($0 - $1) }.max()!
            let largest = exact.map(abs).max()!
            #expect(worst > 0, "\(name) \(specification): nothing was quantized")
            #expect(worst <= (specification == "int4" ? 0.25 : 0.05) * largest, "\(name) \(specification): \(worst) of \(largest)")
        }
    }

    @Test("CpRec's clusters may differ: head= and tails= over the component's format")
    func clusterPrecision() throws {
        var expected = ModelPrecision(input: .int8, output: .int8, encoder: .int8)
        expected.tails = .int4
        #expect(try PrecisionSpecification.parse("int8,tails=int4") == expected)
        let bundle = try Self.compressedBundle(Self.compressedConfigurations[0].1)
        let mixed = try bundle.quantized(to: try PrecisionSpecification.parse("int8,tails=int4"))
        let records = try #require(mixed.configuration.precision?.tensors)
        // Matrices by cluster; the output's vectors (biases) are fp16 beside int8 or int4 rows, whatever their cluster.
        let matrices = records.filter { $0.value.shape.count >= 2 }, vectors = records.filter { $0.value.shape.count == 1 }
        let tails = matrices.filter { $0.key.contains(".tails.") }, heads = matrices.filter { $0.key.contains(".head.") }
        #expect(!vectors.isEmpty && vectors.allSatisfy { $0.key.hasPrefix("output.") && $0.value.format == .float16 }, "\(vectors)")
        #expect(!tails.isEmpty && tails.values.allSatisfy { $0.format == .int4 }, "\(tails)")
        #expect(!heads.isEmpty && heads.values.allSatisfy { $0.format == .int8 }, "\(heads)")
        let int8 = ByteAccounting(bundle: try bundle.quantized(to: try PrecisionSpecification.parse("int8")))
        let int4 = ByteAccounting(bundle: try bundle.quantized(to: try PrecisionSpecification.parse("int4")))
        let between = ByteAccounting(bundle: mixed)
        #expect(int4.input < between.input && between.input < int8.input)
        #expect(int4.output < between.output && between.output < int8.output)
        // Only the clusters given: the float32 input keeps its head, quantizes its tails.
        let tailsOnly = try bundle.quantized(to: try PrecisionSpecification.parse("tails=int4"))
        let only = try #require(tailsOnly.configuration.precision?.tensors)
        #expect(!only.isEmpty && only.keys.allSatisfy { $0.contains(".tails.") })
        try IOTestSupport.withTemporaryDirectory { directory in
            for (name, quantized) in [("mixed", mixed), ("tails", tailsOnly)] {
                try quantized.write(to: directory + "/" + name)
                let read = try ModelBundle.read(from: directory + "/" + name)
                #expect(read.configuration.precision == quantized.configuration.precision)
                #expect(Self.scores(read.model).map(\.bitPattern) == Self.scores(quantized.model).map(\.bitPattern), "\(name)")
            }
        }
        // A model without clusters has no head or tails to give a format to.
        do {
            _ = try Self.float32Bundle().quantized(to: try PrecisionSpecification.parse("int8,head=fp16"))
            Issue.record("head= was accepted for a model without clusters")
        } catch let error as InputError {
            #expect(error.description.contains("head= and tails= are for CpRec's clustered layers"), "\(error)")
        }
    }

    @Test("a JPQ model is refused, naming why")
    func jpqRefused() throws {
        let configuration = ModelConfiguration(itemCount: 300, embeddingSize: 8, dilations: [1, 2], maxLength: 6, inputEmbedding: .jpq,
                                               inputTable: ItemTableSettings(jpqSplits: 2, jpqCodes: .random))
        let bundle = try Self.compressedBundle(configuration)
        #expect(throws: InputError.self) { _ = try bundle.quantized(to: try PrecisionSpecification.parse("int8")) }
        do {
            _ = try bundle.quantized(to: try PrecisionSpecification.parse("int8"))
        } catch let error as InputError {
            #expect(error.description.contains("quantizing a JPQ model is not supported yet"), "\(error)")
        }
    }

    /// Writes an int4/int8 bundle, lets `change` edit its tensors (every dtype) or config.json,
    /// reseals the digests, and returns the error reading it.
    static func damaged(
        _ specification: String = "input=int4,output=int8,encoder=fp16",
        tensors change: ((inout [NamedTensor], inout [StoredTensor]) -> Void)? = nil,
        config: ((inout ModelBundle.Configuration) -> Void)? = nil
    ) throws -> InputError? {
        try IOTestSupport.withTemporaryDirectory { directory in
            let path = directory + "/q"
            try Self.float32Bundle().quantized(to: try PrecisionSpecification.parse(specification)).write(to: path)
            if let change {
                let file = try SafeTensors.read(path: path + "/model.safetensors", accepting: [.float16, .uint8, .int8])
                var tensors = file.tensors, stored = file.stored
                change(&tensors, &stored)
                try writeAtomically(try SafeTensors.encode(tensors, stored: stored, metadata: file.metadata), to: path + "/model.safetensors")
                try Support.reseal(path)
            }
            if let config { try Support.editConfig(path, config) }
            return Support.readError(path)
        }
    }

    @Test("damaged or inconsistent quantized bundles are refused with the tensor and what was expected")
    func damagedBundles() throws {
        let missingScale = try Self.damaged { _, stored in stored.removeAll { $0.name == "item_embedding.weight.scale" } }
        #expect(missingScale?.description.contains("tensor item_embedding.weight.scale") == true)
        #expect(missingScale?.description.contains("missing; config.json records item_embedding.weight as int4") == true, "\(String(describing: missingScale))")

        let wrongDtype = try Self.damaged { _, stored in
            if let i = stored.firstIndex(where: { $0.name == "item_embedding.weight.quantized" }) { stored[i].dtype = .int8 }
        }
        #expect(wrongDtype?.description.contains("dtype is \"I8\", expected \"U8\"") == true, "\(String(describing: wrongDtype))")

        let wrongShape = try Self.damaged { _, stored in
            if let i = stored.firstIndex(where: { $0.name == "item_embedding.weight.quantized" }) {
                stored[i].shape = [stored[i].shape[1], stored[i].shape[0]]
            }
        }
        #expect(wrongShape?.description.contains("expected shape [9, 6], found [6, 9]") == true, "\(String(describing: wrongShape))")

        let float32Encoder = try Self.damaged { tensors, stored in
            guard let i = stored.firstIndex(where: { $0.name == "blocks.0.conv1.weight" }) else { return }
            let s = stored.remove(at: i)
            tensors.append(NamedTensor(name: s.name, shape: s.shape, values: [Float](repeating: 0.5, count: s.bytes.count / 2)))
        }
        #expect(float32Encoder?.description.contains("tensor blocks.0.conv1.weight: dtype is \"F32\", expected \"F16\"") == true,
                "\(String(describing: float32Encoder))")

        let extra = try Self.damaged { _, stored in stored.append(StoredTensor(name: "stray", dtype: .uint8, shape: [2], bytes: [1, 2])) }
        #expect(extra?.description.contains("tensor stray: not a tensor of the model and precision") == true, "\(String(describing: extra))")

        let negativeScale = try Self.damaged("int8") { _, stored in
            // fp16 −1.0 is 0xBC00, little-endian.
            if let i = stored.firstIndex(where: { $0.name == "output.weight.scale" }) { stored[i].bytes[4...5] = [0x00, 0xBC] }
        }
        #expect(negativeScale?.description.contains("element 2 is -1.0; expected a finite scale ≥ 0") == true, "\(String(describing: negativeScale))")

        let code128 = try Self.damaged("int8") { _, stored in
            if let i = stored.firstIndex(where: { $0.name == "output.weight.quantized" }) { stored[i].bytes[5] = 0x80 }
        }
        #expect(code128?.description.contains("tensor output.weight.quantized: element 5 is -128; int8 codes are symmetric, -127…127") == true,
                "\(String(describing: code128))")

        // int8 as it was stored before it became symmetric: U8 codes, F32 scale and offset.
        let earlierInt8 = try Self.damaged("int8") { tensors, stored in
            for i in stored.indices where stored[i].name == "output.weight.quantized" { stored[i].dtype = .uint8 }
            for i in stored.indices.reversed() where stored[i].name == "output.weight.scale" {
                let rows = stored[i].shape[0]
                stored.remove(at: i)
                tensors.append(NamedTensor(name: "output.weight.scale", shape: [rows], values: [Float](repeating: 0.01, count: rows)))
                tensors.append(NamedTensor(name: "output.weight.offset", shape: [rows], values: [Float](repeating: 0, count: rows)))
            }
        }
        #expect(earlierInt8?.description.contains("dtype is \"U8\", expected \"I8\"") == true
                    && earlierInt8?.description.contains("quantize the Float32 model again") == true, "\(String(describing: earlierInt8))")

        let record = try Self.damaged(config: { $0.precision?.tensors["output.weight"]?.axis = 0 })
        #expect(record?.description.contains("precision.tensors") == true && record?.description.contains("output.weight int8 [12, 9] axis 1") == true,
                "\(String(describing: record))")

        let component = try Self.damaged(config: { $0.precision?.encoder = .int8 })
        #expect(component?.description.contains("disagrees with the model and precision") == true, "\(String(describing: component))")

        let noPrecision = try Self.damaged(config: { $0.precision = nil })
        #expect(noPrecision?.description.contains("expected \"F32\"") == true, "\(String(describing: noPrecision))")
    }

    @Test("a CpRec tail's long int4 rows are stored in groups of 64; without its group the record reads the rows whole, as bundles written before did")
    func groupedTails() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let bundle = try Self.compressedBundle(Self.compressedConfigurations[0].1).quantized(to: try PrecisionSpecification.parse("int4"))
            let records = try #require(bundle.configuration.precision?.tensors)
            // The width-8 tail of 180 items is stored a row per dimension, 180 values: groups of 64.
            let grouped = records.filter { $0.value.group != nil }.keys.sorted()
            #expect(!grouped.isEmpty && grouped.allSatisfy { $0.contains(".tails.") }, "\(grouped)")
            for name in grouped {
                let record = records[name]!, weight = try #require(bundle.quantizedWeights.first { $0.name == name })
                let rowLength = record.shape.reduce(1, *) / record.shape[record.axis]
                #expect(record.group == 64 && rowLength > 128, "\(name) \(record)")
                #expect(weight.rows.rows == record.shape[record.axis] * ((rowLength + 63) / 64))
            }
            let path = directory + "/q"
            try bundle.write(to: path)
            // Read back whole: the tensors, stored in groups, no longer fit the record.
            try Support.editConfig(path) { $0.precision?.tensors[grouped[0]]?.group = nil }
            let error = Support.readError(path)
            #expect(error?.description.contains("tensor \(grouped[0]).quantized") == true && error?.description.contains("expected shape") == true,
                    "\(String(describing: error))")
            // A group the model does not imply is refused by the record check.
            try Support.editConfig(path) { $0.precision?.tensors[grouped[0]]?.group = 32 }
            let other = Support.readError(path)
            #expect(other?.description.contains("\(grouped[0]) int4") == true && other?.description.contains("group 64") == true,
                    "\(String(describing: other))")
            // A bundle written before the groups (each row whole, one scale) still reads.
            let whole = try Self.compressedBundle(Self.compressedConfigurations[0].1).quantized(to: try PrecisionSpecification.parse("int4"))
            var weights = whole.quantizedWeights
            for (i, w) in weights.enumerated() where w.group != nil {
                let values = w.dequantizedValues()
                weights[i] = values.withUnsafeBufferPointer {
                    QuantizedWeight.quantize(name: w.name, values: $0.baseAddress!, shape: w.shape, axis: w.axis, format: .int4)
                }
            }
            var earlier = whole
            earlier.quantizedWeights = weights
            for w in weights { earlier.configuration.precision?.tensors[w.name] = w.record }
            try earlier.write(to: directory + "/earlier")
            let read = try ModelBundle.read(from: directory + "/earlier")
            #expect(read.quantizedWeights.allSatisfy { $0.group == nil })
        }
    }

    @Test("a bundle already quantized is not quantized again")
    func quantizingTwiceRefused() throws {
        let once = try Self.float32Bundle().quantized(to: try PrecisionSpecification.parse("int8"))
        #expect(throws: InputError.self) { try once.quantized(to: try PrecisionSpecification.parse("int4")) }
    }

    /// The README's numpy reader, verbatim (`readmeHoldsTheNumpyReader`): any weight of a bundle as float32 in its own shape.
    static let numpyReader = """
        import json, numpy as np
        from safetensors.numpy import load_file
        t, q = load_file("model.safetensors"), json.load(open("config.json")).get("precision", {}).get("tensors", {})
        def weight(name):
            if q.get(name, {"format": "fp16"})["format"] == "fp16": return t[name].astype(np.float32)  # F32 or F16
            r, c, s = q[name], t[name + ".quantized"], t[name + ".scale"].astype(np.float32)[:, None]
            if r["format"] == "int4": c = np.concatenate([c & 15, c >> 4], 1)  # low four bits: the first half of the row
            o = t[name + ".offset"].astype(np.float32)[:, None] if r["format"] == "int4" else 0  # int8: symmetric
            n = r["shape"][r["axis"]]; g = r.get("group", np.prod(r["shape"]) // n)  # values a scale covers
            w = (c[:, :g] * s + o).reshape(n, -1)[:, :np.prod(r["shape"]) // n]  # [rows, columns], rows along r["axis"]
            return w.reshape(r["shape"]) if r["axis"] == 0 else w.T.reshape(r["shape"])
        """

    @Test("the README's section on quantized models holds the numpy reader these tests run")
    func readmeHoldsTheNumpyReader() throws {
        // Tests/CompactRecTests/IO/ → the repository.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains(Self.numpyReader), "README.md's numpy lines differ from QuantizedBundleTests.numpyReader")
    }

    @Test("Python's safetensors loads a quantized bundle, and the README's numpy lines dequantize it",
          arguments: ["fp16", "int8", "int4", "cprec int4"])
    func pythonDequantizes(specification: String) throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            // "cprec": a block-adaptive input and a tree softmax, whose matrices run both ways.
            let original = specification.hasPrefix("cprec ")
                ? try Self.compressedBundle(Self.compressedConfigurations[0].1) : Self.float32Bundle()
            let format = specification.split(separator: " ").last.map(String.init)!
            let bundle = try original.quantized(to: try PrecisionSpecification.parse(format))
            try bundle.write(to: directory + "/q")
            guard let python = SafeTensorsPythonInteropTests.python else { try Test.cancel(SafeTensorsPythonInteropTests.skipReason) }
            let script = """
                import os, sys; os.chdir(sys.argv[1])
                \(Self.numpyReader)
                names = sorted(n for n in t if not n.endswith((".quantized", ".scale", ".offset")))
                print(json.dumps({n: weight(n).ravel().tolist() for n in names + sorted(q)}))
                """
            let result = try SafeTensorsPythonInteropTests.run(python, ["-c", script, directory + "/q"])
            try #require(result.status == 0, "\(result.output)")
            let decoded = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: [Double]])
            // Every weight of the model, by name: the quantized ones as the model holds them
            // (Swift may fuse scale · code + offset; numpy rounds twice), the others exactly.
            for weight in bundle.quantizedWeights {
                let mine = weight.dequantizedValues(), theirs = try #require(decoded[weight.name], "\(weight.name) not read")
                #expect(mine.count == theirs.count)
                let tolerance = Double(mine.map(abs).max()!) * 1e-6
                #expect(zip(mine, theirs).allSatisfy { abs(Double($0) - $1) <= tolerance }, "\(weight.name)")
            }
            let quantizedNames = Set(bundle.quantizedWeights.map(\.name))
            for p in bundle.model.uniqueWeights() where !quantizedNames.contains(p.name) {
                // Compared as Float: JSON carries each float32 as a decimal that rounds back to it.
                #expect(decoded[p.name]?.map(Float.init) == p.weight.value.values, "\(p.name)")
            }
            #expect(decoded.count == bundle.model.uniqueWeights().count + (bundle.quantizedWeights.count - bundle.quantizedWeights.filter { w in
                bundle.model.uniqueWeights().contains { $0.name == w.name } }.count))
        }
    }
}
