import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// `--input-ratio` / `--output-ratio`: the size knob whose N·C / parameters is closest to the target.
@Suite("TableSizing")
struct TableSizingTests {
    /// N·C = 64 064.
    static let N = 1001, C = 64

    static func sized(_ kind: ItemTableKind, _ ratio: Double, _ settings: ItemTableSettings = ItemTableSettings()) throws -> ItemTableSettings {
        try TableSizing.sized(kind, ratio: ratio, settings: settings, itemCount: N, dimensions: C, source: "--input-ratio")
    }

    @Test func eachMethodPicksTheHandWorkedKnob() throws {
        // memcom: m·64 + 1001 = 64 064 / 16 = 4004 gives m = 46.9; m = 47 is 4009 parameters
        // (15.98x), m = 46 is 3945 (16.24x): 47 is closer.
        #expect(try Self.sized(.memcom, 16).buckets == 47)
        // The hash and other knobs are kept.
        #expect(try Self.sized(.memcom, 16, ItemTableSettings(hash: .multiplicative)).hash == .multiplicative)
        // hashing: 1001 / m = 16 gives m = 62.6; 63 → 15.89x, 62 → 16.15x: 63 is closer on a log scale.
        #expect(try Self.sized(.hashing, 16).buckets == 63)
        // low-rank: 64 064 / (1065 r) = 60.15 / r: r = 4 → 15.04x, r = 3 → 20.05x.
        #expect(try Self.sized(.lowRank, 16).rank == 4)
        // qr: 1001 / (⌈1001 / c⌉ + c); c = 88 gives ⌈11.4⌉ + 88 = 100 rows, 10.01x, the closest to 10
        // (c = 12 gives 84 + 12 = 96, 10.43x; c = 11 gives 91 + 11 = 102, 9.81x).
        let qr = try Self.sized(.qr, 10, ItemTableSettings(qrOperation: .add))
        #expect(qr.qrCollisions == 88 && qr.qrOperation == .add)
        // The chosen knob gives the table the formula counts.
        #expect(qr.parameterCount(.qr, itemCount: Self.N, dimensions: Self.C, clusters: nil) == 100 * 64)
    }

    @Test func blockAdaptivePicksTheRankDivisor() throws {
        // Clusters of 100, 300 and 601 items: 6400 + 364·d_1 + 665·d_2 parameters with
        // d_j = ⌊64 / f^j⌋. 4.2x asks for 15 253: f = 4 (16, 4) gives 14 884 (4.30x), and
        // (17, 4) gives 15 248 (4.201x), the closest. d_1 = 17 needs f ≤ 64/17 = 3.76 and d_2 = 4
        // needs f > sqrt(64/5) = 3.58: f = 3.6 … 3.75 all give it, and the first tried wins.
        // 3.9x asks for 16 427: (18, 5), f = 3.4 … 3.55, gives 16 277 (3.936x); (19, 5), f = 3.3 … 3.35,
        // gives 16 641 (3.850x), further on a log scale.
        let clusters = try ItemClusters(cutoffs: [100, 400], itemCount: Self.N)
        #expect(try TableSizing.rankDivisor(ratio: 4.2, clusters: clusters, dimensions: Self.C, source: "--input-ratio") == 3.6)
        #expect(try TableSizing.rankDivisor(ratio: 3.9, clusters: clusters, dimensions: Self.C, source: "--input-ratio") == 3.4)
        // Even rank 1 everywhere (f = 64) keeps the head's 100 full rows: 6400 + 364 + 665 = 7429
        // parameters, at most 8.62x.
        #expect(throws: InputError.self) {
            try TableSizing.rankDivisor(ratio: 12, clusters: clusters, dimensions: Self.C, source: "--input-ratio")
        }
    }

    @Test func mixedDimensionsPickTheSmallestAlphaOfTheClosestWidths() throws {
        // Buckets {1, 2}, {3…6}, {7…10} at 40, 10 and 5 interactions per item; C = 16, N·C = 176.
        // Parameters 3·16 + 20·(d_1 + d_2): 1.5x asks for d_1 + d_2 = 3.47; 3 gives 108 (1.63x),
        // 4 gives 128 (1.375x): widths (2, 1). d_1 = round(16 · 0.25^α) = 2 needs α > 1.339, and
        // d_2 = round(16 · 0.125^α) = 1 holds from α > 1.138: the first α tried is 1.34.
        let clusters = try ItemClusters(cutoffs: [3, 7], itemCount: 11)
        let frequencies = [0, 40, 40, 10, 10, 10, 10, 5, 5, 5, 5]
        let s = try TableSizing.sized(.mixedDim, ratio: 1.5, settings: ItemTableSettings(), itemCount: 11, dimensions: 16,
                                      clusters: clusters, frequencies: frequencies, source: "--input-ratio")
        #expect(s.mixedDimensions == [16, 2, 1])
        #expect(abs(s.mixedAlpha - 1.34) < 1e-12)
        #expect(s.parameterCount(.mixedDim, itemCount: 11, dimensions: 16, clusters: clusters) == 108)
    }

    @Test func aRatioOutOfReachNamesTheRange() throws {
        // memcom's parameters never drop below C + N (m = 1): at most 64 064 / 1065 = 60.15x.
        #expect { try Self.sized(.memcom, 64) } throws: { error in
            guard let error = error as? InputError else { return false }
            return error.source == "--input-ratio" && error.message.contains("60.154x (buckets 1)")
        }
        #expect(try Self.sized(.memcom, 60).buckets == 1)
        // hashing's largest table, m = N − 1 = 1000 rows, is 1.001x: 0.5x is out of reach too.
        #expect(throws: InputError.self) { try Self.sized(.hashing, 0.5) }
        #expect(throws: InputError.self) { try Self.sized(.lowRank, 0) }
        #expect(throws: InputError.self) { try Self.sized(.lowRank, .nan) }
    }
}
