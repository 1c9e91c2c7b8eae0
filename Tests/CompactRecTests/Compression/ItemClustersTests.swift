import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

@Suite("ItemClusters")
struct ItemClustersTests {
    /// N = 10 (padding + 9 items) with 100 interactions. Cumulative interactions of the first
    /// i indices: i = 2: 30, 3: 50, 4: 65, 5: 75, 6: 83, 7: 90, 8: 95, 9: 98, 10: 100.
    static let frequencies = [0, 30, 20, 15, 10, 8, 7, 5, 3, 2]

    /// Expects `body` to throw an `InputError` for `--cutoffs` whose message contains every
    /// fragment.
    static func expectError(
        _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> ItemClusters
    ) {
        do {
            let clusters = try body()
            Issue.record("expected an error, got \(clusters.cutoffs)", sourceLocation: sourceLocation)
        } catch let error as InputError {
            #expect(error.source == "--cutoffs", sourceLocation: sourceLocation)
            for fragment in fragments {
                #expect(error.message.contains(fragment), "'\(error.message)' lacks '\(fragment)'", sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("expected an InputError, got \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func explicitCutoffsAppendNAndGiveRangesAndSizes() throws {
        let clusters = try ItemClusters(cutoffs: [4, 7], itemCount: 10)
        #expect(clusters.cutoffs == [4, 7, 10])
        #expect(clusters.itemCount == 10)
        #expect(clusters.count == 3)
        #expect((0..<3).map(clusters.range(of:)) == [0..<4, 4..<7, 7..<10])
        #expect((0..<3).map(clusters.size(of:)) == [4, 3, 3])

        let single = try ItemClusters(cutoffs: [], itemCount: 5)
        #expect(single.cutoffs == [5] && single.count == 1 && single.size(of: 0) == 5)
        // The smallest legal clusters: padding + one item, then one item each.
        let tight = try ItemClusters(cutoffs: [2, 3], itemCount: 4)
        #expect((0..<3).map(tight.size(of:)) == [2, 1, 1])
    }

    @Test func invalidCutoffsAreRefusedWithASentence() {
        Self.expectError(["strictly increasing", "7 after 7"]) { try ItemClusters(cutoffs: [4, 7, 7], itemCount: 10) }
        Self.expectError(["strictly increasing", "4 after 7"]) { try ItemClusters(cutoffs: [7, 4], itemCount: 10) }
        Self.expectError(["at least 2", "got 1"]) { try ItemClusters(cutoffs: [1, 4], itemCount: 10) }
        Self.expectError(["at least 2", "got 0"]) { try ItemClusters(cutoffs: [0], itemCount: 10) }
        Self.expectError(["at least 2", "got -3"]) { try ItemClusters(cutoffs: [-3], itemCount: 10) }
        Self.expectError(["below the number of items N = 10", "got 10"]) { try ItemClusters(cutoffs: [4, 10], itemCount: 10) }
        Self.expectError(["below the number of items", "got 12"]) { try ItemClusters(cutoffs: [12], itemCount: 10) }
        Self.expectError(["at most 16 clusters", "got 17"]) {
            try ItemClusters(cutoffs: Array(2...17), itemCount: 100)
        }
        Self.expectError(["at least one item", "N = 1"]) { try ItemClusters(cutoffs: [], itemCount: 1) }
        #expect(throws: Never.self) { try ItemClusters(cutoffs: Array(2...16), itemCount: 100) }
    }

    @Test func clusterOfFindsTheRangeEvenOnItsBoundaries() throws {
        let clusters = try ItemClusters(cutoffs: [4, 7], itemCount: 10)
        let boundaries = [(0, 0), (3, 0), (4, 1), (6, 1), (7, 2), (9, 2)]
        for (item, cluster) in boundaries { #expect(clusters.cluster(of: item) == cluster, "item \(item)") }
        // Every item of a larger partition, against a linear scan of the ranges.
        let many = try ItemClusters(cutoffs: [2, 3, 5, 8, 13, 21, 34, 55, 89], itemCount: 100)
        for item in 0..<100 {
            let expected = (0..<many.count).first { many.range(of: $0).contains(item) }
            #expect(many.cluster(of: item) == expected, "item \(item)")
        }
    }

    @Test func dimensionsDivideByTheFactorPerClusterAndStopAtOne() throws {
        let three = try ItemClusters(cutoffs: [2000, 10000], itemCount: 40000)
        #expect(three.dimensions(embeddingSize: 64, divisor: 4) == [64, 16, 4])
        #expect(three.dimensions(embeddingSize: 512, divisor: 4) == [512, 128, 32])
        #expect(three.dimensions(embeddingSize: 64, divisor: 1) == [64, 64, 64])
        let five = try ItemClusters(cutoffs: [2, 3, 4, 5], itemCount: 10)
        #expect(five.dimensions(embeddingSize: 8, divisor: 4) == [8, 2, 1, 1, 1])
        #expect(five.dimensions(embeddingSize: 100, divisor: 3) == [100, 33, 11, 3, 1])
        // A divisor that is not whole: ⌊64 / 1.5^j⌋ = 64, 42, 28, 18, 12.
        #expect(five.dimensions(embeddingSize: 64, divisor: 1.5) == [64, 42, 28, 18, 12])
        // 1.6² and 1.6³ are not exact in binary, yet 64 / 2.56 = 25 and 64 / 4.096 = 15.6 floor to 25 and 15.
        #expect(five.dimensions(embeddingSize: 64, divisor: 1.6) == [64, 40, 25, 15, 9])
    }

    @Test func sharesCutWhereTheCumulativeShareIsFirstReached() throws {
        // 60 % is first reached at i = 4 (65), 85 % at i = 7 (90).
        let clusters = try ItemClusters.fromShares([0.6, 0.25, 0.15], frequencies: Self.frequencies)
        #expect(clusters.cutoffs == [4, 7, 10])
        // Reaching a share exactly cuts there: 50 % at i = 3, 75 % at i = 5.
        #expect(try ItemClusters.fromShares([0.5, 0.25, 0.25], frequencies: Self.frequencies).cutoffs == [3, 5, 10])
        #expect(try ItemClusters.fromShares([1], frequencies: Self.frequencies).cutoffs == [10])
        // Shares that sum to 1 within 1e-3 are accepted and rescaled: 0.5 / 1.0005 of 100 is
        // reached at i = 3 (50), 0.75 / 1.0005 at i = 5 (75).
        #expect(try ItemClusters.fromShares([0.5, 0.25, 0.2505], frequencies: Self.frequencies).cutoffs == [3, 5, 10])
    }

    @Test func everyClusterGetsAnItemEvenWhenOneItemOvershootsItsShare() throws {
        // Item 1 alone holds 90 %: 60 % and 85 % are both reached at i = 2, so cluster 1 still
        // gets item 2 and the rest go to cluster 2.
        let clusters = try ItemClusters.fromShares([0.6, 0.25, 0.15], frequencies: [0, 90, 5, 3, 2])
        #expect(clusters.cutoffs == [2, 3, 5])
        // Items never seen in training (frequency 0) land in the last cluster.
        let unseen = try ItemClusters.fromShares([0.5, 0.5], frequencies: [0, 6, 3, 1, 0, 0])
        #expect(unseen.cutoffs == [2, 6])
    }

    @Test func invalidSharesAreRefused() {
        let f = Self.frequencies
        Self.expectError(["at least one share"]) { try ItemClusters.fromShares([], frequencies: f) }
        Self.expectError(["positive fraction", "got 0.0"]) { try ItemClusters.fromShares([0, 1], frequencies: f) }
        Self.expectError(["positive fraction", "-0.2"]) { try ItemClusters.fromShares([1.2, -0.2], frequencies: f) }
        Self.expectError(["positive fraction", "nan"]) { try ItemClusters.fromShares([.nan, 1], frequencies: f) }
        Self.expectError(["sum to 1", "1.1"]) { try ItemClusters.fromShares([0.6, 0.5], frequencies: f) }
        Self.expectError(["at least 3 items", "got 2"]) { try ItemClusters.fromShares([0.5, 0.3, 0.2], frequencies: [0, 5, 5]) }
        Self.expectError(["every frequency is 0"]) { try ItemClusters.fromShares([0.5, 0.5], frequencies: [0, 0, 0, 0]) }
        // Items 1 and 2 hold 2 %: the first cluster needs all three items to reach 34 %.
        Self.expectError(["3 non-empty clusters", "first 1 already need 3 of the 3 items", "too few for the 2 after them"]) {
            try ItemClusters.fromShares([0.34, 0.33, 0.33], frequencies: [0, 1, 1, 98])
        }
        Self.expectError(["at most 16 clusters", "got 17"]) {
            try ItemClusters.fromShares(Array(repeating: 1.0 / 17, count: 17), frequencies: Array(repeating: 1, count: 40))
        }
    }

    @Test func autoHalvesTheShareFromClusterToCluster() throws {
        // n = 3: shares 4/7, 2/7, 1/7; cumulative 57.1 % and 85.7 % of 100.
        // Cumulative: i = 2: 40, 3: 60 → c_1 = 3; i = 4: 72, 5: 80, 6: 88 → c_2 = 6.
        let frequencies = [0, 40, 20, 12, 10, 8, 5, 3, 2]
        let three = try ItemClusters.auto(clusterCount: 3, frequencies: frequencies)
        #expect(three.cutoffs == [3, 6, 9])
        // n = 2: 2/3 of 100 → first reached at i = 4 (72).
        #expect(try ItemClusters.auto(clusterCount: 2, frequencies: frequencies).cutoffs == [4, 9])
        #expect(try ItemClusters.auto(clusterCount: 1, frequencies: frequencies).cutoffs == [9])
        #expect(try ItemClusters.auto(clusterCount: 3, frequencies: frequencies)
                == ItemClusters.fromShares([4.0 / 7, 2.0 / 7, 1.0 / 7], frequencies: frequencies))
        Self.expectError(["from 1 to 16", "got 0"]) { try ItemClusters.auto(clusterCount: 0, frequencies: frequencies) }
        Self.expectError(["from 1 to 16", "got 17"]) { try ItemClusters.auto(clusterCount: 17, frequencies: frequencies) }
    }

    @Test func parseReadsEveryFormOfTheFlag() throws {
        let large = [0] + [Int](repeating: 1, count: 19999)
        #expect(try ItemClusters.parse("2000,10000", frequencies: large).cutoffs == [2000, 10000, 20000])
        #expect(try ItemClusters.parse(" 4 , 7 ", frequencies: Self.frequencies).cutoffs == [4, 7, 10])
        #expect(try ItemClusters.parse("5", frequencies: Self.frequencies).cutoffs == [5, 10])
        #expect(try ItemClusters.parse("shares:0.6,0.25,0.15", frequencies: Self.frequencies).cutoffs == [4, 7, 10])
        #expect(try ItemClusters.parse("shares: 0.5, 0.5", frequencies: Self.frequencies).cutoffs == [3, 10])
        #expect(try ItemClusters.parse("auto:3", frequencies: [0, 40, 20, 12, 10, 8, 5, 3, 2]).cutoffs == [3, 6, 9])
        #expect(try ItemClusters.parse("auto: 2", frequencies: Self.frequencies).cutoffs == [5, 10])  // 2/3: i = 5 (75)
    }

    @Test func parseErrorsSayWhatWasExpected() {
        let f = Self.frequencies
        let forms = "'2000,10000', 'auto:3' or 'shares:0.6,0.25,0.15'"
        Self.expectError(["expected cut-offs like \(forms)", "got nothing"]) { try ItemClusters.parse("", frequencies: f) }
        Self.expectError(["got nothing"]) { try ItemClusters.parse("  ", frequencies: f) }
        Self.expectError(["expected cut-offs like \(forms)", "found 'abc'"]) { try ItemClusters.parse("abc", frequencies: f) }
        Self.expectError(["found 'x' in '4,x'"]) { try ItemClusters.parse("4,x", frequencies: f) }
        Self.expectError(["found '2.5'"]) { try ItemClusters.parse("2.5", frequencies: f) }
        Self.expectError(["cut-offs separated by single commas", "'4,,7'"]) { try ItemClusters.parse("4,,7", frequencies: f) }
        Self.expectError(["separated by single commas"]) { try ItemClusters.parse("4,7,", frequencies: f) }
        Self.expectError(["'auto:<number of clusters>' like 'auto:3'", "'auto:'"]) { try ItemClusters.parse("auto:", frequencies: f) }
        Self.expectError(["like 'auto:3'", "'auto:three'"]) { try ItemClusters.parse("auto:three", frequencies: f) }
        Self.expectError(["from 1 to 16", "got 0"]) { try ItemClusters.parse("auto:0", frequencies: f) }
        Self.expectError(["shares separated by single commas"]) { try ItemClusters.parse("shares:", frequencies: f) }
        Self.expectError(["expected shares like 'shares:0.6,0.25,0.15'", "found 'abc'"]) {
            try ItemClusters.parse("shares:0.5,abc", frequencies: f)
        }
        Self.expectError(["sum to 1"]) { try ItemClusters.parse("shares:0.6,0.6", frequencies: f) }
        Self.expectError(["'auto:' or 'shares:' before the colon", "got 'share:'"]) {
            try ItemClusters.parse("share:0.5,0.5", frequencies: f)
        }
        // Explicit cut-offs are checked against N = frequencies.count.
        Self.expectError(["below the number of items N = 10"]) { try ItemClusters.parse("4,10", frequencies: f) }
        Self.expectError(["strictly increasing"]) { try ItemClusters.parse("7,4", frequencies: f) }
    }

    @Test func codableRoundTripsAndRefusesInvalidCutoffs() throws {
        let clusters = try ItemClusters(cutoffs: [4, 7], itemCount: 10)
        let json = try JSONEncoder().encode(clusters)
        #expect(String(decoding: json, as: UTF8.self) == #"{"cutoffs":[4,7,10]}"#)
        #expect(try JSONDecoder().decode(ItemClusters.self, from: json) == clusters)
        for bad in [#"{"cutoffs":[7,4,10]}"#, #"{"cutoffs":[]}"#, #"{"cutoffs":[1,10]}"#, #"{"cutoffs":[4,12,10]}"#] {
            #expect(throws: DecodingError.self, "\(bad)") { try JSONDecoder().decode(ItemClusters.self, from: Data(bad.utf8)) }
        }
    }
}
