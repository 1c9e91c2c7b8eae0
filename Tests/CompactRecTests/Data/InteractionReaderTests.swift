import CompactRecTestSupport
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

@Suite struct InteractionReaderTests {
    @Test(arguments: ["pairs.txt", "pairs.txt.gz"])
    func pairsGroupByUserInFileOrder(name: String) throws {
        let directory = try DataTestDirectory()
        let path = try directory.write(name, "u1 a\nu2 b\n\nu1 c\n   \nu2 a\nu3 c\n")
        let (log, ids) = try readInteractionItemIds(path, format: .pairs)
        #expect(ids == [["a", "c"], ["b", "a"], ["c"]])
        #expect(log.userIds == ["u1", "u2", "u3"])
        #expect(log.format == .pairs)
        #expect(log.path == path)
        #expect(log.interactionCount == 5)
    }

    @Test(arguments: ["timed.txt", "timed.txt.gz"])
    func pairsOrderByTimestampKeepingTiesInFileOrder(name: String) throws {
        let directory = try DataTestDirectory()
        let path = try directory.write(
            name, "u1,a,30\nu1\tb\t10\nu2 x 2e1\nu1 , c , 30\nu2 y -5\nu1 d 10.5\nu1 e 10\n")
        let (log, ids) = try readInteractionItemIds(path, format: .pairs)
        #expect(ids == [["b", "e", "d", "a", "c"], ["y", "x"]])
        #expect(log.userIds == ["u1", "u2"])
    }

    @Test(arguments: ["ratings.txt", "ratings.csv"])
    func pairsWithRatingsOrderByTheFourthColumn(name: String) throws {
        // Ordered by the ratings (third column), user 196 would read 377, 51, 242.
        let separator = name.hasSuffix(".csv") ? "," : " "
        let lines = [["196", "242", "3", "881250949"], ["196", "377", "1", "878887116"],
                     ["186", "302", "3", "891717742"], ["196", "51", "2", "881250950"]]
        let directory = try DataTestDirectory()
        let path = try directory.write(name, lines.map { $0.joined(separator: separator) + "\n" }.joined())
        let (log, ids) = try readInteractionItemIds(path, format: .pairs)
        #expect(ids == [["377", "242", "51"], ["302"]])
        #expect(log.userIds == ["196", "186"])
        #expect(log.layout == InteractionLayout(format: .pairs, user: 1, item: 2, timestamp: 4))
    }

    @Test(arguments: [
        ("u1 a\nu1 b\n", "pairs (user=1, item=2)"),
        ("u1 a 7\nu1 b 3\n", "pairs (user=1, item=2, timestamp=3)"),
        ("u1 a 5 7\nu1 b 1 3\n", "pairs (user=1, item=2, timestamp=4)"),
    ])
    func pairsLayoutNamesTheColumnsUsed(text: String, expected: String) throws {
        let directory = try DataTestDirectory()
        let (log, _) = try readInteractionItemIds(try directory.write("p.txt", text), format: .pairs)
        #expect(log.layout.description == expected)
        #expect(!log.layout.wasDetected)
    }

    @Test func idsAreTokensNotNumbers() throws {
        let directory = try DataTestDirectory()
        let path = try directory.write("tokens.txt", "1 7\n1 007\n01 0\n1 7\n")
        var items = ItemTokenTable()
        let log = try InteractionLog.read(path: path, format: .pairs, items: &items)
        #expect(items.tokens == ["7", "007", "0"])
        #expect(log.sequences == [[0, 1, 0], [2]])
        #expect(log.userIds == ["1", "01"])
    }

    @Test(arguments: ["users.txt", "users.txt.gz"])
    func userSequencesKeepLineOrder(name: String) throws {
        let directory = try DataTestDirectory()
        let path = try directory.write(name, "1 a b c\n\n2 b -1 d\n10 e\n")
        let (log, ids) = try readInteractionItemIds(path, format: .userSeq)
        #expect(ids == [["a", "b", "c"], ["b", "-1", "d"], ["e"]])
        #expect(log.userIds == ["1", "2", "10"])
        #expect(log.format == .userSeq)
    }

    @Test(arguments: ["sessions.txt", "sessions.txt.gz"])
    func sessionsSkipPaddingAnywhere(name: String) throws {
        let directory = try DataTestDirectory()
        let path = try directory.write(name, "-1,-1,a,b\nc -1 d -1\n\n5,6\n")
        let (log, ids) = try readInteractionItemIds(path, format: .seq)
        #expect(ids == [["a", "b"], ["c", "d"], ["5", "6"]])
        #expect(log.userIds == nil)
        #expect(log.format == .seq)
    }

    @Test func trainAndTestFilesShareTheItemTable() throws {
        let directory = try DataTestDirectory()
        let train = try directory.write("train.txt", "a b\nc a\n")
        let test = try directory.write("test.txt.gz", "c d\nb a\n")
        var items = ItemTokenTable()
        let trainLog = try InteractionLog.read(path: train, format: .seq, items: &items)
        let testLog = try InteractionLog.read(path: test, format: .seq, items: &items)
        #expect(trainLog.sequences == [[0, 1], [2, 0]])
        #expect(testLog.sequences == [[2, 3], [1, 0]])
        #expect(items.tokens == ["a", "b", "c", "d"])
        #expect(items.index(of: "d") == 3)
        #expect(items.index(of: "e") == nil)
    }

    @Test func atomicFindsColumnsByHeaderName() throws {
        let directory = try DataTestDirectory()
        let path = try directory.write(
            "data.inter",
            "item_id:token\tuser_id:token\trating:float\ttimestamp:float\n"
                + "i1\tu1\t5\t20\ni2\tu1\t\t10\ni3\tu2\t1\t1\ni4\tu1\t2\t20\n")
        let (log, ids) = try readInteractionItemIds(path, format: .atomic)
        #expect(ids == [["i2", "i1", "i4"], ["i3"]])
        #expect(log.userIds == ["u1", "u2"])
        #expect(log.format == .atomic)
    }

    @Test func atomicAcceptsSessionIdWithoutTimestamp() throws {
        let directory = try DataTestDirectory()
        let path = try directory.write(
            "s.inter.gz", "session_id:token\titem_id:token\nS1\tx\nS2\ty\nS1\tz y\n")
        let (log, ids) = try readInteractionItemIds(path, format: .atomic)
        #expect(ids == [["x", "z y"], ["y"]])
        #expect(log.userIds == ["S1", "S2"])
    }

    @Test(arguments: [
        ("u.data", "196\t242\t3\t881250949\n186\t302\t3\t891717742\n196\t377\t1\t878887116\n196\t51\t2\t881250949\n"),
        (
            "ratings.dat",
            "196::242::3::881250949\n186::302::3::891717742\n196::377::1::878887116\n196::51::2::881250949\n"
        ),
        (
            "ratings.csv",
            "userId,movieId,rating,timestamp\n196,242,3,881250949\n186,302,3,891717742\n196,377,1,878887116\n196,51,2,881250949\n"
        ),
        (
            "r.csv.gz",
            "timestamp,rating,item_id,USER\n881250949,3,242,196\n891717742,3,302,186\n878887116,1,377,196\n881250949,2,51,196\n"
        ),
        (
            "quoted.csv",
            "\"user_id\",\"item_id\",\"rating\",\"timestamp\"\n196,242,3,881250949\n186,302,3,891717742\n196,377,1,878887116\n196,51,2,881250949\n"
        ),
    ])
    func movieLensOrdersEachUserByTime(name: String, text: String) throws {
        let directory = try DataTestDirectory()
        let (log, ids) = try readInteractionItemIds(try directory.write(name, text), format: .movielens)
        #expect(ids == [["377", "242", "51"], ["302"]])
        #expect(log.userIds == ["196", "186"])
        #expect(log.format == .movielens)
    }

    @Test(arguments: [
        ("u.data", "196\t242\t3\t881250949\n", "movielens (user=1, item=2, timestamp=4)"),
        ("r.csv", "timestamp,rating,item_id,USER\n881250949,3,242,196\n", "movielens (user=4, item=3, timestamp=1)"),
        ("views.csv", "\"User\",\"movieId\"\nu,b\n", "movielens (user=1, item=2)"),
    ])
    func movieLensLayoutNamesTheColumnsUsed(name: String, text: String, expected: String) throws {
        let directory = try DataTestDirectory()
        let (log, _) = try readInteractionItemIds(try directory.write(name, text), format: .movielens)
        #expect(log.layout.description == expected)
    }

    @Test func atomicLayoutNamesTheColumnsUsed() throws {
        let directory = try DataTestDirectory()
        let path = try directory.write(
            "data.inter", "rating:float\ttimestamp:float\titem_id:token\tuser_id:token\n5\t20\ti1\tu1\n")
        let (log, _) = try readInteractionItemIds(path, format: .atomic)
        #expect(log.layout.description == "atomic (user=4, item=3, timestamp=2)")
    }

    @Test func sequenceLayoutsNameTheItemColumns() throws {
        let directory = try DataTestDirectory()
        let path = try directory.write("s.txt", "1 a b\n2 b c\n")
        #expect(try readInteractionItemIds(path, format: .seq).log.layout.description == "seq (items=1…)")
        #expect(try readInteractionItemIds(path, format: .userSeq).log.layout.description == "user-seq (user=1, items=2…)")
    }

    @Test func movieLensCsvWithoutTimestampKeepsFileOrder() throws {
        let directory = try DataTestDirectory()
        let path = try directory.write("views.csv", "user,item\nu,b\nu,a\nv,c\n")
        #expect(try readInteractionItemIds(path, format: .movielens).ids == [["b", "a"], ["c"]])
    }
}
