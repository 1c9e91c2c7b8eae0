import Foundation
import CompactRec

/// Writing results for people (stderr/stdout tables) and for scripts (`--json`).
enum Output {
    static func standardError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Says on stderr how the data (and test) file was read, on every run, `--quiet` or not: a
    /// file read the wrong way (timestamps taken for items) still trains, and this line is where
    /// a user can notice.
    static func dataLayout(_ data: SequenceDataset) {
        standardError("format: \(data.layout.summary)")
        if let test = data.testLayout { standardError("test format: \(test.summary)") }
    }

    /// How the data (and test) file was read, as `--json` reports it.
    static func layoutFields(_ data: SequenceDataset) -> [String: Any] {
        var fields: [String: Any] = [
            "format": data.layout.description, "format_detected": data.layout.wasDetected,
        ]
        if let test = data.testLayout {
            fields["test_format"] = test.description
            fields["test_format_detected"] = test.wasDetected
        }
        return fields
    }

    /// "1 test target unseen in training (counted as a miss), 2 unseen history items skipped":
    /// how many test cases no model trained on the training file could get right.
    static func unseenTestItems(targets: Int, historyItems: Int) -> String {
        (targets == 1 ? "1 test target" : "\(targets) test targets") + " unseen in training (counted as "
            + (targets == 1 ? "a miss" : "misses") + "), "
            + (historyItems == 1 ? "1 unseen history item" : "\(historyItems) unseen history items") + " skipped"
    }

    /// The same counts for `--json`.
    static func unseenTestFields(targets: Int, historyItems: Int) -> [String: Any] {
        ["test_targets_unseen": targets, "test_history_items_unseen": historyItems]
    }

    static func metricsTable(_ metrics: RankingMetrics) -> String {
        var lines = ["        " + metrics.cutoffs.map { pad("@\($0)") }.joined()]
        for (name, f) in [("hr", metrics.hitRate(at:)), ("ndcg", metrics.ndcg(at:)), ("mrr", metrics.mrr(at:))] {
            lines.append(name.padding(toLength: 8, withPad: " ", startingAt: 0)
                         + metrics.cutoffs.map { pad(String(format: "%.4f", f($0))) }.joined())
        }
        return lines.joined(separator: "\n")
    }

    static func accounting(_ a: ParameterAccounting) -> String {
        """
        parameters: input \(a.input), middle \(a.middle), output \(a.output), total \(a.total) \
        (\(String(format: "%.2f", Double(a.bytes) / 1_048_576)) MiB as Float32\(a.codeBytes > 0 ? " with \(a.codeBytes) bytes of item codes" : "")); \
        uncompressed \(a.uncompressedTotal), ratio \(String(format: "%.2f", a.compressionRatio))x
        """
    }

    /// Bytes per component as stored, the total, and the ratio against the uncompressed Float32 model.
    static func bytes(_ b: ByteAccounting) -> String {
        func mib(_ bytes: Int) -> String { String(format: "%.2f MiB", Double(bytes) / 1_048_576) }
        return "bytes: input \(b.input), middle \(b.middle), output \(b.output), total \(b.total) (\(mib(b.total))); "
            + "uncompressed Float32 \(b.uncompressedFloat32), ratio \(String(format: "%.2f", b.ratio))x"
    }

    /// A bundle's size for `--json`: parameters per component (from the configuration for a
    /// reduced-precision bundle, whose quantized tables are not parameters), bytes per component
    /// as stored (`bytes` is the stored total), and the precision of each component.
    static func byteFields(_ bundle: ModelBundle) -> [String: Any] {
        let parameters = bundle.configuration.precision == nil
            ? ParameterAccounting(model: bundle.model) : ParameterAccounting(configuration: bundle.configuration.model)
        var fields: [String: Any] = parameters.dictionary.merging(ByteAccounting(bundle: bundle).dictionary) { _, bytes in bytes }
        let precision = bundle.configuration.precision ?? ModelPrecision(input: .float32, output: .float32, encoder: .float32)
        fields["precision"] = ["input": precision.input.rawValue, "output": precision.output.rawValue, "encoder": precision.encoder.rawValue]
        return fields
    }

    /// A model configuration's fields as `--json` reports them.
    static func configurationFields(_ c: ModelConfiguration) -> [String: Any] {
        var fields: [String: Any] = [
            "items": c.itemCount - 1, "embedding_size": c.embeddingSize, "encoder": c.encoder.kind, "max_length": c.maxLength,
            "input_embedding": c.inputEmbedding.rawValue, "output_layer": c.outputLayer.rawValue, "cutoffs": c.cutoffs ?? [],
            "rank_divisor": c.rankDivisor, "tied_embeddings": c.tiedEmbeddings,
        ]
        if let encoder = c.encoder.nextItNet {
            fields.merge(["dilations": encoder.dilations, "kernel_size": encoder.kernelSize, "sharing": encoder.sharing.rawValue]) { a, _ in a }
        }
        if let encoder = c.encoder.sasRec {
            fields.merge(["layers": encoder.layers, "heads": encoder.heads, "inner_size": encoder.innerSize,
                          "dropout": encoder.dropout, "attention_dropout": encoder.attentionDropout,
                          "sharing": encoder.sharing.rawValue]) { a, _ in a }
        }
        return fields.merging(tableFields(c)) { a, _ in a }
    }

    /// The knobs of the compressed tables, as `input_table` and `output_table` objects.
    static func tableFields(_ c: ModelConfiguration) -> [String: Any] {
        var fields: [String: Any] = [:]
        if let kind = c.inputEmbedding.table, let s = c.inputTable { fields["input_table"] = tableFields(kind, s) }
        if let kind = c.outputLayer.table, let s = c.outputTable { fields["output_table"] = tableFields(kind, s) }
        return fields
    }

    /// The knobs that matter for a table of `kind`.
    static func tableFields(_ kind: ItemTableKind, _ s: ItemTableSettings) -> [String: Any] {
        kind.variant.describedKnobs(s)
    }

    /// Prints one JSON object with sorted keys on stdout.
    /// A bundle's data summary (stored as strings in config.json) as `--json` gives it: counts
    /// as numbers, an empty value (no test file) as null.
    static func dataSummaryFields(_ summary: [String: String]) -> [String: Any] {
        summary.mapValues { value -> Any in
            if value.isEmpty { return NSNull() }
            return Int(value).map { $0 as Any } ?? value
        }
    }

    /// "1 thread", "2 threads".
    static func threads(_ count: Int) -> String {
        count == 1 ? "1 thread" : "\(count) threads"
    }

    static func json(_ object: [String: Any]) {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }

    private static func pad(_ s: String) -> String { s.padding(toLength: 9, withPad: " ", startingAt: 0) }
}

func seconds(since start: UInt64) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}
