import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// A version-1 bundle (NextItNet's settings at the top level of `config.json`) still loads, and
/// recommends exactly what the code that wrote it did.
@Suite("Version-1 bundles")
struct VersionOneBundleTests {
    /// Written by `compactrec train` at commit 200cb70 (format version 1): block-adaptive input,
    /// tree softmax, cross-layer sharing, C = 8, dilations [1, 2], 60 items.
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/bundle-v1-cprec").path

    @Test func itLoadsWithItsEncoderSettings() throws {
        let bundle = try ModelBundle.read(from: Self.fixture)
        #expect(bundle.configuration.version == 1)
        let c = bundle.configuration.model
        #expect(c.encoder == .nextItNet(NextItNetConfiguration(dilations: [1, 2], kernelSize: 3, layerNormEpsilon: 1e-5,
                                                                sharing: .crossLayer)))
        #expect(c.inputEmbedding == .blockAdaptive && c.outputLayer == .treeSoftmax && c.embeddingSize == 8 && c.maxLength == 8)
        #expect(c.itemCount == bundle.vocabulary.count && c.cutoffs?.first == 10)
    }

    /// The answers `compactrec recommend --json` printed with the version-1 code (a release build):
    /// the same items in the same order, and scores within float rounding (a debug build's C
    /// kernels contract multiply-adds differently, moving a tail item's score by an ulp or two).
    static func close(_ scores: [Float], _ expected: [Double]) -> Bool {
        scores.count == expected.count && zip(scores, expected).allSatisfy { abs(Double($0) - $1) <= 1e-6 * abs($1) }
    }

    @Test func itRecommendsWhatTheVersionOneCodeDid() throws {
        let recommender = try Recommender(contentsOf: Self.fixture)
        let first = recommender.recommend(history: ["5", "12", "19"], count: 5)
        #expect(first.items.map(\.id) == ["21", "4", "24", "8", "46"])
        #expect(Self.close(first.items.map(\.score),
                           [-1.6662440299987793, -2.4350314140319824, -2.619363307952881, -3.181966543197632, -3.2430732250213623]))
        let second = recommender.recommend(history: ["5", "12", "19", "3", "77"], count: 5, excludingHistory: true)
        #expect(second.unknown == ["77"])
        #expect(second.items.map(\.id) == ["53", "46", "43", "21", "29"])
        #expect(Self.close(second.items.map(\.score),
                           [-1.584636926651001, -2.596634864807129, -2.836276054382324, -3.0710818767547607, -3.2837440967559814]))
    }

    /// Written again, it becomes a version-2 bundle with the encoder nested, and reads back equal.
    @Test func itIsRewrittenAsVersionTwo() throws {
        let bundle = try ModelBundle.read(from: Self.fixture)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("compactrec-v1-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try ModelBundle(model: bundle.model, vocabulary: bundle.vocabulary, training: bundle.configuration.training,
                        data: bundle.configuration.data).write(to: directory)
        let text = try String(contentsOfFile: directory + "/config.json", encoding: .utf8)
        #expect(text.contains("\"encoder\"") && text.contains("\"kind\" : \"nextitnet\"") && text.contains("\"version\" : 2"))
        let again = try ModelBundle.read(from: directory)
        #expect(again.configuration.model == bundle.configuration.model)
    }
}
