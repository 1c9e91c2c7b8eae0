import ArgumentParser
import CompactRec
import CompactRecExperiments
import Foundation

extension Benchmark {
    /// `--catalogue-items`: exact top-10 over a catalogue of that many items made from the
    /// model's output layer (`LargeCatalogueBenchmark`), one history at a time, one thread.
    func measureLargeCatalogue(bundlePath: String, items: Int) throws {
        let bundle = try ModelBundle.readNotingUncheckedFiles(from: bundlePath)
        let model = bundle.model, config = model.configuration, C = config.embeddingSize, N = config.itemCount
        let parameters = Dictionary(model.uniqueWeights().map { ($0.name, $0.weight) }, uniquingKeysWith: { a, _ in a })
        // The output's item rows: a full softmax's weight [C, N] by column, or a tied table [N, C] by row.
        guard bundle.quantizedWeights.isEmpty, config.outputLayer == .fullSoftmax, let bias = parameters["output.bias"],
              let rows = parameters["output.weight"] ?? (config.tiedEmbeddings ? parameters["item_embedding.weight"] : nil)
        else {
            throw ValidationError("--catalogue-items takes a Float32 model with a full-softmax output (its rows are stretched "
                                  + "to the catalogue); \(bundlePath) has a \(config.outputLayer.rawValue) output"
                                  + (bundle.configuration.precision.map { " stored at \($0.summary)" } ?? ""))
        }
        let transposed = rows.shape == [C, N]
        let catalogue = LargeCatalogueBenchmark(items: items, columns: C, sourceItems: N, sourceBias: bias.value.values, seed: seed ?? 1) { i, out in
            for c in 0..<C { out[c] = rows.value.data[transposed ? c * N + i : i * C + c] }
        }
        // Histories: the model's hidden states for real test users.
        let data = try trainingRun().readFiles()
        let cases = Array(mapCases(data.test, from: data.vocabulary, to: bundle.vocabulary).cases.prefix(requests))
        guard !cases.isEmpty else { throw ValidationError("no test case of the data is known to the model") }
        let T = config.maxLength
        var inputs = [Int32](repeating: 0, count: T), histories: [Float] = []
        for c in cases {
            inputs.withUnsafeMutableBufferPointer { HistoryWindow.fill(c.history, length: T, row: $0.baseAddress!) }
            let hidden = inputs.withUnsafeBufferPointer { model.finalHidden(inputs: $0.baseAddress!, batch: 1, length: T) }
            histories += UnsafeBufferPointer(start: hidden, count: C)
        }
        let readRate = LargeCatalogueBenchmark.measureReadRate()
        let timings = catalogue.measure(histories: histories, readRate: readRate)
        if runtime.json {
            Output.json(["cpu": MachineInfo.cpuName, "row_kernels": RowKernels.name, "items": items, "dimensions": C, "histories": cases.count, "threads": 1,
                         "read_rate_gb_per_s": readRate / 1e9, "source_items": N - 1,
                         "precisions": timings.map { t -> [String: Any] in
                             ["precision": t.precision, "bytes": t.bytes, "full_scan_ms_p50": t.fullScanP50, "full_scan_ms_p90": t.fullScanP90,
                              "pruned_ms_p50": t.prunedP50, "pruned_ms_p90": t.prunedP90, "items_skipped": t.skipped,
                              "identical": t.identical, "read_bound_ms": t.readBoundMilliseconds]
                         }])
            return
        }
        print("machine: \(MachineInfo.cpuName), row kernels \(RowKernels.name), 1 thread; one core reads \(String(format: "%.1f", readRate / 1e9)) GB/s")
        print("catalogue: \(items) items of \(C) (the model's \(N - 1) items stretched), \(cases.count) histories, exact top-10")
        print("precision   bytes        read bound   full scan p50 (p90)    block bounds p50 (p90)   skipped   identical")
        for t in timings {
            print(String(format: "%@  %11d  %7.2f ms   %7.2f ms (%6.2f)     %7.2f ms (%6.2f)     %5.1f %%   %@",
                         t.precision.padding(toLength: 10, withPad: " ", startingAt: 0), t.bytes, t.readBoundMilliseconds, t.fullScanP50, t.fullScanP90, t.prunedP50, t.prunedP90,
                         100 * t.skipped, t.identical ? "yes" : "NO"))
        }
    }
}
