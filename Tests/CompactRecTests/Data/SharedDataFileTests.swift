import Foundation
import CompactRecTestSupport
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// One of the real data sets in /work/shared/data, with the counts its README gives.
struct SharedDataFile: CustomTestStringConvertible, Sendable {
    static let directory = "/work/shared/data/"

    var path: String
    var format: DataFormat
    /// How it is read, as `train` prints it.
    var layout: String
    var sequences: Int
    var items: Int
    var interactions: Int

    var testDescription: String { path }

    static let all = [
        SharedDataFile(
            path: "amazon-beauty_bert4rec/beauty.txt.gz", format: .pairs, layout: "pairs (user=1, item=2)",
            sequences: 40_226, items: 54_542, interactions: 353_962),
        SharedDataFile(
            path: "diginetica/train.txt.gz", format: .seq, layout: "seq (items=1…)",
            sequences: 186_670, items: 43_097, interactions: 906_140),
        SharedDataFile(
            path: "diginetica/test.txt.gz", format: .seq, layout: "seq (items=1…)",
            sequences: 15_963, items: 21_131, interactions: 76_821),
        SharedDataFile(
            path: "ml-100k/u.data.gz", format: .movielens, layout: "movielens (user=1, item=2, timestamp=4)",
            sequences: 943, items: 1_682, interactions: 100_000),
        SharedDataFile(
            path: "ml-100k/sequences.txt.gz", format: .userSeq, layout: "user-seq (user=1, items=2…)",
            sequences: 943, items: 1_682, interactions: 100_000),
        SharedDataFile(
            path: "ml-1m_grec_seq20/ratings_seq20_order.txt.gz", format: .seq, layout: "seq (items=1…)",
            sequences: 25_242, items: 3_589, interactions: 468_570),
    ]

    static var available: Bool { FileManager.default.fileExists(atPath: directory) }
}

@Suite(.enabled(if: SharedDataFile.available, "needs the data sets in /work/shared/data"))
struct SharedDataFileTests {
    @Test(arguments: SharedDataFile.all)
    func detectsFormatAndMatchesReadmeCounts(_ file: SharedDataFile) throws {
        var items = ItemTokenTable()
        let log = try InteractionLog.read(path: SharedDataFile.directory + file.path, items: &items)
        #expect(log.format == file.format)
        #expect(log.layout.description == file.layout)
        #expect(log.layout.wasDetected)
        #expect(log.sequences.count == file.sequences)
        #expect(items.count == file.items)
        #expect(log.interactionCount == file.interactions)
    }

    @Test func movieLensSequencesMatchTheRatingsFile() throws {
        // sequences.txt was derived from u.data by a stable sort on time, as the reader sorts.
        var items = ItemTokenTable()
        let ratings = try InteractionLog.read(path: SharedDataFile.directory + "ml-100k/u.data.gz", items: &items)
        let sequences = try InteractionLog.read(
            path: SharedDataFile.directory + "ml-100k/sequences.txt.gz", items: &items)
        let ratingsByUser = Dictionary(uniqueKeysWithValues: zip(try #require(ratings.userIds), ratings.sequences))
        let sequencesByUser = Dictionary(
            uniqueKeysWithValues: zip(try #require(sequences.userIds), sequences.sequences))
        #expect(ratingsByUser == sequencesByUser)
        #expect(items.count == 1_682)
    }

    /// u.data rewritten the ways users hand such files over: separated by spaces
    /// (`zcat u.data.gz | tr '\t' ' '`), as a CSV without a header, and as a CSV whose header
    /// names are quoted. Each is detected as ratings and gives u.data's own sequences.
    @Test(arguments: [
        ("u.txt", "", " ", "pairs (user=1, item=2, timestamp=4)"),
        ("u.csv", "", ",", "pairs (user=1, item=2, timestamp=4)"),
        ("u.csv", "\"user_id\",\"item_id\",\"rating\",\"timestamp\"\n", ",", "movielens (user=1, item=2, timestamp=4)"),
    ])
    func movieLensRatingsRewrittenAreDetectedAsRatings(name: String, header: String, separator: String, layout: String)
        throws
    {
        var items = ItemTokenTable()
        let ratings = try InteractionLog.read(path: SharedDataFile.directory + "ml-100k/u.data.gz", items: &items)
        let lines = try readNumberedTextLines(SharedDataFile.directory + "ml-100k/u.data.gz")
        let directory = try DataTestDirectory()
        let path = try directory.write(
            name, header + lines.map { $0.1.replacingOccurrences(of: "\t", with: separator) + "\n" }.joined())
        let rewritten = try InteractionLog.read(path: path, items: &items)
        #expect(rewritten.layout.description == layout)
        #expect(rewritten.userIds == ratings.userIds)
        #expect(rewritten.sequences == ratings.sequences)
        #expect(rewritten.interactionCount == 100_000)
        #expect(items.count == 1_682)
    }

    @Test func beautySplitsLeaveOneOut() throws {
        let data = try SequenceDataset.load(path: SharedDataFile.directory + "amazon-beauty_bert4rec/beauty.txt.gz")
        #expect(data.vocabulary.count == 54_543)
        #expect(data.train.count == 40_226)
        #expect(data.validation.count == 40_226)
        #expect(data.test.count == 40_226)
        #expect(data.droppedSequences == 0)
        #expect(data.train.reduce(0) { $0 + $1.count } == 353_962 - 2 * 40_226)
        #expect(data.vocabulary.frequencies.reduce(0, +) == 353_962 - 2 * 40_226)
        #expect(zip(data.vocabulary.frequencies.dropFirst(), data.vocabulary.frequencies.dropFirst(2)).allSatisfy(>=))
        #expect(
            data.protocolDescription
                == "leave-one-out per user: last item = test, second-last = validation; full ranking over 54,542 items")
    }

    @Test func digineticaSplitsByTestFile() throws {
        let data = try SequenceDataset.load(
            path: SharedDataFile.directory + "diginetica/train.txt.gz",
            testPath: SharedDataFile.directory + "diginetica/test.txt.gz")
        #expect(data.vocabulary.count == 43_098)
        #expect(data.validation.count == 9_333)
        #expect(data.train.count == 186_670 - 9_333)
        #expect(data.test.count == 15_963)
        #expect(data.droppedSequences == 0)
        #expect(data.testFormat == .seq)
        #expect(
            data.protocolDescription
                == "separate test sessions: last item of each test session = test, last item of the last 9,333 training sessions = validation; full ranking over 43,097 items"
        )
    }
}
