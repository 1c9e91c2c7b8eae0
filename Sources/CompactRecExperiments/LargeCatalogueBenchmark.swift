import CKernels
import CompactRec
import Foundation

/// Exact top-K for one history over a catalogue too large for the cache (2M items and up), in
/// Float32, fp16 and int8, scoring every item and with block bounds (`ItemBlockBounds`), beside
/// the time a full scan's bytes take at the machine's measured read rate.
///
/// No model is trained at that size here: the catalogue is a trained model's output layer
/// *stretched* — item `r` of `items` (in popularity order, as a vocabulary is) copies the source
/// item at the same popularity quantile, `1 + (r − 1)·(N − 1)/(items − 1)`, and adds Gaussian
/// noise of `noise` times the source's value spread to its row and to its bias — so that the
/// rows, the biases and their fall with popularity are a trained model's, and the histories are
/// that model's own hidden states for real test users.
///
/// Shape legend: N source items, M catalogue items, C columns.
public struct LargeCatalogueBenchmark {
    /// [M, C], item 0 padding (zeros, bias −∞ is not used: padding is never ranked).
    public let table: [Float]
    /// [M]
    public let bias: [Float]
    public let items: Int
    public let columns: Int

    /// Stretches `sourceRow(i, out)` (the source's item rows, N of them) and `sourceBias` [N] to `items`.
    public init(items M: Int, columns C: Int, sourceItems N: Int, sourceBias: [Float], noise: Float = 0.25, seed: UInt64 = 1,
                sourceRow: (Int, UnsafeMutablePointer<Float>) -> Void) {
        precondition(M >= 2 && N >= 2 && sourceBias.count == N, "a catalogue of \(M) from \(N) source items")
        var source = [Float](repeating: 0, count: N * C)
        source.withUnsafeMutableBufferPointer { buffer in for i in 0..<N { sourceRow(i, buffer.baseAddress! + i * C) } }
        func spread(_ x: ArraySlice<Float>) -> Float {
            let mean = x.reduce(0, +) / Float(x.count)
            return (x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(x.count)).squareRoot()
        }
        let valueNoise = noise * spread(source[C...]), biasNoise = noise * spread(sourceBias[1...])
        var rng = SeededGenerator(seed: seed)
        var table = [Float](repeating: 0, count: M * C), bias = [Float](repeating: 0, count: M)
        for r in 1..<M {
            let s = 1 + (r - 1) * (N - 1) / max(M - 1, 1)
            for c in 0..<C { table[r * C + c] = source[s * C + c] + valueNoise * rng.nextNormal() }
            bias[r] = sourceBias[s] + biasNoise * rng.nextNormal()
        }
        self.table = table
        self.bias = bias
        items = M
        columns = C
    }

    /// One precision's figures, p50 and p90 over the histories, one thread.
    public struct Timing: Sendable {
        public var precision: String
        /// Bytes of the rows as stored (codes and scales; the bias not counted).
        public var bytes: Int
        public var fullScanP50: Double, fullScanP90: Double
        public var prunedP50: Double, prunedP90: Double
        /// Share of item scores the bounds skipped, over all histories.
        public var skipped: Double
        /// Whether the pruned top-K equalled the full scan's (items and score bits) for every history.
        public var identical: Bool
        /// The time reading `bytes` takes at the measured read rate: what a full scan cannot beat.
        public var readBoundMilliseconds: Double
    }

    /// Times, for each precision, exact top-`k` of every history scoring every item and with block
    /// bounds. histories: [H, C]. `readRate` in bytes/s (`measureReadRate`).
    public func measure(histories: [Float], k: Int = 10, precisions: [WeightFormat] = [.float32, .float16, .int8],
                        blockRows: Int = ItemBlockBounds.defaultBlockRows, readRate: Double) -> [Timing] {
        let M = items, C = columns, H = histories.count / C
        var results: [Timing] = []
        var row = [Float](repeating: 0, count: M)
        for format in precisions {
            let quantized = format == .float32 ? nil : table.withUnsafeBufferPointer {
                QuantizedRows.quantize($0.baseAddress!, rows: M, columns: C, format: format)
            }
            let bytes = quantized?.storedBytes ?? M * C * 4
            let bounds = bias.withUnsafeBufferPointer { b in
                ItemBlockBounds(rows: M, columns: C, blockRows: blockRows, bias: b.baseAddress!) { i, out in
                    if let quantized { quantized.dequantizeRow(i, into: out) } else {
                        table.withUnsafeBufferPointer { out.update(from: $0.baseAddress! + i * C, count: C) }
                    }
                }
            }
            var full: [Double] = [], pruned: [Double] = [], identical = true
            var statistics = RankingStatistics()
            table.withUnsafeBufferPointer { table in
                bias.withUnsafeBufferPointer { bias in
                    histories.withUnsafeBufferPointer { histories in
                        row.withUnsafeMutableBufferPointer { row in
                            for q in 0..<H {
                                let h = histories.baseAddress! + q * C
                                func score(_ range: Range<Int>, _ out: UnsafeMutablePointer<Float>) {
                                    if let quantized {
                                        quantized.scores(histories: h, count: 1, rows: range, bias: bias.baseAddress!, output: out, outputStride: M)
                                    } else {
                                        ck_scores_f32_rows(h, C, 1, table.baseAddress!, C, range.lowerBound, range.upperBound, bias.baseAddress!, out, M)
                                    }
                                }
                                var everything: [ScoredItem] = []
                                full.append(Self.milliseconds {
                                    score(0..<M, row.baseAddress!)
                                    everything = topK(scores: row.baseAddress!, count: M, k: k)
                                })
                                var best: [ScoredItem] = []
                                pruned.append(Self.milliseconds {
                                    best = bounds.topK(history: h, k: k, row: row.baseAddress!, score: score, statistics: &statistics)
                                })
                                identical = identical && best.map(\.item) == everything.map(\.item)
                                    && best.map(\.score.bitPattern) == everything.map(\.score.bitPattern)
                            }
                        }
                    }
                }
            }
            func percentile(_ x: [Double], _ p: Double) -> Double { x.sorted()[min(x.count - 1, Int(Double(x.count) * p))] }
            results.append(Timing(precision: format.rawValue, bytes: bytes,
                                  fullScanP50: percentile(full, 0.5), fullScanP90: percentile(full, 0.9),
                                  prunedP50: percentile(pruned, 0.5), prunedP90: percentile(pruned, 0.9),
                                  skipped: statistics.skippedItemShare, identical: identical,
                                  readBoundMilliseconds: Double(bytes) / readRate * 1000))
        }
        return results
    }

    /// Bytes/s one thread reads from a buffer of `bytes` (larger than the cache): the best of
    /// `rounds` sums over it.
    public static func measureReadRate(bytes: Int = 512 << 20, rounds: Int = 5) -> Double {
        let count = bytes / 4
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 1, count: count)
        var best = Double.infinity, sink: Float = 0
        for _ in 0..<rounds { best = min(best, milliseconds { sink += ck_sum(buffer, count) }) }
        if sink.isNaN { print("") }  // keeps the sums from being optimised away
        return Double(bytes) / (best / 1000)
    }

    static func milliseconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }
}
