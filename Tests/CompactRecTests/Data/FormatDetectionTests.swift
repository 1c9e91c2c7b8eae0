import CompactRecTestSupport
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

@Suite struct FormatDetectionTests {
    @Test(arguments: [
        ("x.inter", "user_id:token\titem_id:token\nu\ti\n", DataFormat.atomic),
        ("X.INTER.gz", "anything at all\n", .atomic),
        ("data.tsv", "session_id:token\titem_id:token\ttimestamp:float\ns\ti\t1\n", .atomic),
        ("ratings.dat", "1\t2\t3\t4\n", .movielens),
        ("ratings.dat.gz", "1::2::3::4\n", .movielens),
        ("ml.txt", "1::1193::5::978300760\n1::661::3::978302109\n", .movielens),
        ("u.data", "196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n", .movielens),
        ("r.csv", "userId,movieId,rating,timestamp\n1,2,3.5,1112486027\n", .movielens),
        ("r.tsv", "user\titem\n1\t2\n", .movielens),
        ("r.csv", "\"user_id\",\"item_id\",\"rating\",\"timestamp\"\n1,2,3.5,1112486027\n", .movielens),
        ("r.txt", "196 242 3 881250949\n196 377 1 878887116\n186 302 3 891717742\n", .pairs),
        ("r.csv", "196,242,3,881250949\n196,377,1,878887116\n186,302,3,891717742\n", .pairs),
        ("r.csv", "196, 242, 3.5, 881250949\n196, 377, 1, 878887116\n", .pairs),
        ("r.txt", "196 242 3 881250949\n186 302 3 891717742\n22 377 1 878887116\n", .pairs),  // rating, time
        ("r.txt", "1 10 20 30\n1 11 21 31\n2 12 22 32\n", .pairs),  // the user repeats
        ("s.txt", "-1,-1,5,6\n-1,7,8,9\n", .seq),  // padding: windows of 4 items, not ratings
        ("u.txt", "1 9 8 7\n2 7 6 5\n3 1 2 3\n", .userSeq),  // counting users, not ratings
        ("beauty.txt", "1 1\n1 2\n1 3\n2 4\n2 1\n", .pairs),
        ("p.csv", "u1,a\nu1,b\nu2,a\n", .pairs),
        ("p.txt", "u1 a 100\nu1 b 90\nu2 a 80\n", .pairs),
        ("p.txt", "1 1\n1 2\n1\n1 3\n2 4\n", .pairs),  // a malformed line does not sway it
        ("s.txt", "3186,1022,2340\n-1,-1,661\n", .seq),
        ("s.txt", "-1 -1 5\n6 7 8\n", .seq),
        ("s.txt", "1 2\n3 4 5\n6 7\n", .seq),
        ("s.txt", "21553 20071 8762\n27606 25971\n", .seq),
        ("s.txt", "1 2 3\n", .seq),  // one line cannot show counting
        ("s.txt", "5 6\n5 7 8\n", .seq),  // pairs need most lines at 2 (or 3) columns
        ("u.txt", "1 168 172 165\n2 286 258\n3 300\n", .userSeq),
        ("u.txt", "0 9 8\n1 7 6\n", .userSeq),
        ("u.txt", "1 9 8\n3 7 6\n", .seq),
        // One line deleted, repeated or moved: still users, read (and refused where a user
        // repeats) by the user-seq reader.
        ("u.txt", "1 9\n2 8\n4 7\n5 6\n6 5\n", .userSeq),
        ("u.txt", "2 8\n3 9\n4 7\n5 6\n6 5\n", .userSeq),
        ("u.txt", "1 9 8 7 6\n2 8 7\n2 8 7\n3 7 6 5\n4 6 5 4 3\n", .userSeq),
        ("u.txt", "1 9\n3 8\n2 7\n4 6\n5 5\n", .userSeq),
        ("s.txt", "1 9\n3 8\n5 7\n7 6\n9 5\n", .seq),
        ("s.txt", "1 9 8 7\n1 8 7 6 5\n1 7\n2 6 5\n3 5 4 3\n", .seq),
        ("s.txt", "4 9\n5 8\n6 7\n7 6\n8 5\n", .seq),
        ("empty.txt", "\n\n", .seq),
    ])
    func detects(name: String, text: String, expected: DataFormat) throws {
        let directory = try DataTestDirectory()
        let path = try directory.write(name, text)
        #expect(try DataFormat.detect(path: path) == expected)
    }

    @Test func fourNumbersNeitherGroupedByUserNorEndingInRatingAndTimeAskForAFormat() throws {
        let directory = try DataTestDirectory()
        let path = try directory.write(
            "r.txt", "196 242 3 881250949\n186 302 3 891717742\n22 377 1 878887116\n244 51 20 880606923\n")
        let error = try #require(throws: InputError.self) { try DataFormat.detect(path: path) }
        #expect(
            error
                == InputError(
                    source: path,
                    "cannot tell the format: 4 of the first 4 lines are 4 numbers, as in 'user item rating "
                        + "timestamp' ratings, but no line starts with the same user as the line before it and the "
                        + "last two columns are not a rating (0 to 10) and a Unix time; give --format pairs to read "
                        + "ratings (user=1, item=2, timestamp=4), or --format seq to read each line as a session of "
                        + "items"))
        var items = ItemTokenTable()
        let log = try InteractionLog.read(path: path, format: .pairs, items: &items)
        #expect(log.userIds == ["196", "186", "22", "244"])
        #expect(log.layout.description == "pairs (user=1, item=2, timestamp=4)")
    }

    @Test func autoRecordsTheDetectedFormat() throws {
        let directory = try DataTestDirectory()
        let path = try directory.write("beauty.txt.gz", "1 1\n1 2\n2 3\n")
        let (log, ids) = try readInteractionItemIds(path, format: .auto)
        #expect(log.format == .pairs)
        #expect(log.layout.wasDetected)
        #expect(log.layout.summary == "pairs (user=1, item=2), detected")
        #expect(ids == [["1", "2"], ["3"]])
    }

    @Test func explicitFormatOverridesDetection() throws {
        let directory = try DataTestDirectory()
        let path = try directory.write("beauty.txt", "1 1\n1 2\n2 3\n")
        let (log, ids) = try readInteractionItemIds(path, format: .seq)
        #expect(log.format == .seq)
        #expect(!log.layout.wasDetected)
        #expect(ids == [["1", "1"], ["1", "2"], ["2", "3"]])
    }

    @Test func detectionSamplesOnlyTheFirstLines() throws {
        // Line 51 would make this a seq file, but detection looks at 50 lines only.
        var text = ""
        for user in 1...50 { text += "\(user) \(user * 3) \(user * 5)\n" }
        text += "9,9\n"
        let directory = try DataTestDirectory()
        #expect(try DataFormat.detect(path: try directory.write("u.txt", text)) == .userSeq)
    }

    @Test(arguments: [
        ("1 5 6\n2 7\n3 8 9\n", DataFormat.userSeq),
        ("1 1\n1 2\n", .seq),
        ("u1,a,100\n", .seq),
    ])
    func sessionTestFilesAreSeqOrUserSeq(text: String, expected: DataFormat) throws {
        let directory = try DataTestDirectory()
        let path = try directory.write("test.txt", text)
        #expect(try DataFormat.detectSessionFormat(path: path) == expected)
    }
}
