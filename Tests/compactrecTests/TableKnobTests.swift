import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime
@testable import compactrec

/// The knobs a user gives (`train` flags, plan keys) checked against the side's kind and turned into settings.
@Suite("Table knobs")
struct TableKnobTests {
    static let N = 1001, C = 64
    static let frequencies = [0] + (1..<1001).map { 2000 / $0 }

    /// A model of C = 64 over N = 1001 items with these kinds, and clusters [100, 400, N] where it uses them.
    static func base(_ input: InputEmbeddingKind = .full, _ output: OutputLayerKind = .fullSoftmax) -> RunSpecification {
        var s = RunSpecification()
        s.data.file = "unread.txt"
        s.model.embeddingSize = C
        s.model.inputEmbedding = VariantName(input)
        s.model.outputLayer = VariantName(output)
        s.model.cutoffs = "100,400"
        return s
    }

    /// The configuration `train` builds from flags (or a plan from keys) of which `given` were given.
    static func configuration(_ s: RunSpecification, given: Set<RunSetting>, names: RunSettingNames = .flags) throws -> ModelConfiguration {
        try s.validate(given: given, names: names)
        return try s.modelConfiguration(itemCount: N, frequencies: frequencies, given: given, names: names)
    }

    /// Expects a ``RunSpecificationError`` about the setting called `source` whose message contains `text`.
    static func expectError(_ source: String, containing text: String, names: RunSettingNames = .flags,
                            sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
        #expect(sourceLocation: sourceLocation) { try body() } throws: { error in
            guard let error = error as? RunSpecificationError, let setting = error.setting else { return false }
            return names[setting] == source && error.message.contains(text)
        }
    }

    @Test func eachSideGetsItsOwnSettings() throws {
        var s = Self.base(.memcom, .lowRank)
        s.model.inputTable.hash = VariantName(.multiplicative)
        s.model.inputTable.ratio = 16
        s.model.outputTable.rank = 8
        let c = try Self.configuration(s, given: [.inputEmbedding, .outputLayer, .hash, .inputRatio, .outputRank])
        // 47 buckets is the hand-worked choice for 16x (see TableSizingTests).
        #expect(c.inputTable == ItemTableSettings(buckets: 47, hash: .multiplicative))
        #expect(c.outputTable == ItemTableSettings(rank: 8))
        try c.validate()
        let model = SequentialRecommender(configuration: c, seed: 1)
        #expect(ParameterAccounting(model: model).input == 47 * 64 + 1001)
        #expect(ParameterAccounting(model: model).output == 8 * (1001 + 64) + 1001)
    }

    @Test func mixedDimensionsTakeTheirWidthsFromTheFrequencies() throws {
        var s = Self.base(.mixedDim)
        s.model.inputTable.mixedAlpha = 0.5
        let c = try Self.configuration(s, given: [.inputEmbedding, .mixedAlpha])
        let clusters = try #require(c.clusters)
        #expect(c.cutoffs == [100, 400, Self.N])
        #expect(c.inputTable?.mixedAlpha == 0.5)
        #expect(c.inputTable?.mixedDimensions
                == MixedDimensionEmbedding.dimensions(clusters: clusters, frequencies: Self.frequencies, embeddingSize: Self.C, alpha: 0.5))
        #expect(c.inputTable?.mixedDimensions?.first == Self.C && c.inputTable!.mixedDimensions![2] < c.inputTable!.mixedDimensions![1])
    }

    @Test func aRatioOfABlockAdaptiveInputPicksTheRankDivisor() throws {
        var s = Self.base(.blockAdaptive)
        s.model.inputTable.ratio = 4.2
        let c = try Self.configuration(s, given: [.inputEmbedding, .inputRatio])
        // The hand-worked choice for 4.2x on these clusters (see TableSizingTests).
        #expect(c.rankDivisor == 3.6 && c.inputTable == nil)
        Self.expectError("--input-ratio", containing: "rank divisor") {
            _ = try Self.configuration(s, given: [.inputEmbedding, .inputRatio, .rankDivisor])
        }
        // A plan's default rank divisor yields to a configuration's own ratio, and the other way round.
        #expect(try Self.configuration(s, given: [.inputRatio], names: .planKeys).rankDivisor == 3.6)
        s.model.rankDivisor = 2
        #expect(try Self.configuration(s, given: [.rankDivisor], names: .planKeys).rankDivisor == 2)
    }

    @Test func misplacedMissingAndConflictingKnobsAreNamed() {
        var full = Self.base()
        full.model.inputTable.buckets = 10
        Self.expectError("--buckets", containing: "applies to a memcom or hashing input embedding, and the input embedding is full") {
            _ = try Self.configuration(full, given: [.buckets])
        }
        var lowRank = full
        lowRank.model.inputEmbedding = VariantName(.lowRank)
        Self.expectError("--buckets", containing: "low-rank") { _ = try Self.configuration(lowRank, given: [.inputEmbedding, .buckets]) }
        var memcom = full
        memcom.model.inputEmbedding = VariantName(.memcom)
        memcom.model.inputTable.ratio = 8
        Self.expectError("--input-ratio", containing: "conflicts with --buckets") {
            _ = try Self.configuration(memcom, given: [.inputEmbedding, .buckets, .inputRatio])
        }
        Self.expectError("--qr-collisions", containing: "needs --qr-collisions or --input-ratio") {
            _ = try Self.configuration(Self.base(.qr), given: [.inputEmbedding])
        }
        var bad = Self.base(.lowRank)
        bad.model.inputTable.rank = 65
        Self.expectError("--rank", containing: "from 1 to C = 64") { _ = try Self.configuration(bad, given: [.inputEmbedding, .rank]) }
        var ratio = Self.base()
        ratio.model.inputTable.ratio = 4
        Self.expectError("--input-ratio", containing: "memcom, hashing, qr, low-rank, mixed-dim or block-adaptive") {
            _ = try Self.configuration(ratio, given: [.inputRatio])
        }
        var output = Self.base(.full, .qr)
        output.model.outputTable.hash = VariantName(.modulo)
        Self.expectError("outputHash", containing: "output layer", names: .planKeys) {
            _ = try Self.configuration(output, given: [.outputLayer, .outputHash], names: .planKeys)
        }
    }
}
