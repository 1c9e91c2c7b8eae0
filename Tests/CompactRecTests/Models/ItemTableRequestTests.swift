import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// The knobs a user gives (`train` flags, plan keys) checked against the side's kind and turned into settings.
@Suite("ItemTableRequest")
struct ItemTableRequestTests {
    static let N = 1001, C = 64
    static let frequencies = [0] + (1..<1001).map { 2000 / $0 }

    static func base(_ input: InputEmbeddingKind = .full, _ output: OutputLayerKind = .fullSoftmax) -> ModelConfiguration {
        var c = ModelConfiguration(itemCount: N, embeddingSize: C, inputEmbedding: input, outputLayer: output)
        if c.usesClusters { c.cutoffs = [100, 400, N] }
        return c
    }

    static func expectError(_ source: String, containing text: String, sourceLocation: SourceLocation = #_sourceLocation,
                            _ body: () throws -> Void) {
        #expect(sourceLocation: sourceLocation) { try body() } throws: { error in
            guard let error = error as? InputError else { return false }
            return error.source == source && error.message.contains(text)
        }
    }

    @Test func eachSideGetsItsOwnSettings() throws {
        var c = Self.base(.memcom, .lowRank)
        try c.resolveTables(
            input: ItemTableRequest(side: .input, names: .commandLineInput, hash: .multiplicative, ratio: 16),
            output: ItemTableRequest(side: .output, names: .commandLineOutput, rank: 8),
            rankDivisorGiven: false, frequencies: Self.frequencies)
        // 47 buckets is the hand-worked choice for 16x (see TableSizingTests).
        #expect(c.inputTable == ItemTableSettings(buckets: 47, hash: .multiplicative))
        #expect(c.outputTable == ItemTableSettings(rank: 8))
        try c.validate()
        let model = SequentialRecommender(configuration: c, seed: 1)
        #expect(ParameterAccounting(model: model).input == 47 * 64 + 1001)
        #expect(ParameterAccounting(model: model).output == 8 * (1001 + 64) + 1001)
    }

    @Test func mixedDimensionsTakeTheirWidthsFromTheFrequencies() throws {
        var c = Self.base(.mixedDim)
        try c.resolveTables(input: ItemTableRequest(side: .input, names: .commandLineInput, mixedAlpha: 0.5),
                            output: ItemTableRequest(side: .output, names: .commandLineOutput), rankDivisorGiven: false,
                            frequencies: Self.frequencies)
        let clusters = try #require(c.clusters)
        #expect(c.inputTable?.mixedAlpha == 0.5)
        #expect(c.inputTable?.mixedDimensions
                == MixedDimensionEmbedding.dimensions(clusters: clusters, frequencies: Self.frequencies, embeddingSize: Self.C, alpha: 0.5))
        #expect(c.inputTable?.mixedDimensions?.first == Self.C && c.inputTable!.mixedDimensions![2] < c.inputTable!.mixedDimensions![1])
    }

    @Test func aRatioOfABlockAdaptiveInputPicksTheRankDivisor() throws {
        var c = Self.base(.blockAdaptive)
        let ratio = ItemTableRequest(side: .input, names: .commandLineInput, ratio: 4.2)
        try c.resolveTables(input: ratio, output: ItemTableRequest(side: .output, names: .commandLineOutput),
                            rankDivisorGiven: false, frequencies: Self.frequencies)
        // The hand-worked choice for 4.2x on these clusters (see TableSizingTests).
        #expect(c.rankDivisor == 3.6 && c.inputTable == nil)
        Self.expectError("--input-ratio", containing: "rank divisor") {
            var d = Self.base(.blockAdaptive)
            try d.resolveTables(input: ratio, output: ItemTableRequest(side: .output, names: .commandLineOutput),
                                rankDivisorGiven: true, frequencies: Self.frequencies)
        }
    }

    @Test func misplacedMissingAndConflictingKnobsAreNamed() {
        func resolve(_ kind: ItemTableKind?, _ request: ItemTableRequest) throws {
            _ = try request.resolve(kind, kindName: kind?.rawValue ?? "full", itemCount: Self.N, dimensions: Self.C,
                                    clusters: nil, frequencies: Self.frequencies)
        }
        let input = ItemTableRequest(side: .input, names: .commandLineInput)
        var r = input
        r.buckets = 10
        Self.expectError("--buckets", containing: "applies to a memcom or hashing input embedding, and the input embedding is full") {
            try resolve(nil, r)
        }
        Self.expectError("--buckets", containing: "low-rank") { try resolve(.lowRank, r) }
        r.ratio = 8
        Self.expectError("--input-ratio", containing: "conflicts with --buckets") { try resolve(.memcom, r) }
        Self.expectError("--qr-collisions", containing: "needs --qr-collisions or --input-ratio") { try resolve(.qr, input) }
        var bad = input
        bad.rank = 65
        Self.expectError("--rank", containing: "from 1 to C = 64") { try resolve(.lowRank, bad) }
        var ratio = input
        ratio.ratio = 4
        Self.expectError("--input-ratio", containing: "memcom, hashing, qr, low-rank, mixed-dim or block-adaptive") {
            try resolve(nil, ratio)
        }
        var output = ItemTableRequest(side: .output, names: .planOutput)
        output.hash = .modulo
        Self.expectError("outputHash", containing: "output layer") { try resolve(.qr, output) }
    }
}
