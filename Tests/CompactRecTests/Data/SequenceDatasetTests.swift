import CompactRecTestSupport
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

@Suite struct SequenceDatasetTests {
    /// u1: a b c d, u2: b c e, u3: a f (too short). Raw order a b c d e f.
    static let perUserText = "u1 a\nu1 b\nu2 b\nu1 c\nu2 c\nu3 a\nu1 d\nu2 e\nu3 f\n"

    @Test func leaveOneOutWithValidation() throws {
        let directory = try DataTestDirectory()
        let path = try directory.write("users.txt", Self.perUserText)
        let data = try SequenceDataset.load(path: path, validation: true)
        // Training is u1 [a b] and u2 [b]: b 2, a 1, then c d e f unseen.
        #expect(data.vocabulary.originalIds == ["<pad>", "b", "a", "c", "d", "e", "f"])
        #expect(data.vocabulary.frequencies == [0, 2, 1, 0, 0, 0, 0])
        #expect(data.train == [[2, 1], [1]])
        #expect(
            data.validation == [EvaluationCase(history: [2, 1], target: 3), EvaluationCase(history: [1], target: 3)])
        #expect(
            data.test == [EvaluationCase(history: [2, 1, 3], target: 4), EvaluationCase(history: [1, 3], target: 5)])
        #expect(data.droppedSequences == 1)
        #expect(data.format == .pairs)
        #expect(data.testFormat == nil)
        #expect(
            data.protocolDescription
                == "leave-one-out per user: last item = test, second-last = validation; full ranking over 6 items")
    }

    @Test func trainingWindowsCutOnlyTheTrainingSequences() throws {
        let directory = try DataTestDirectory()
        let path = try directory.write("users.txt", Self.perUserText)
        let data = try SequenceDataset.load(path: path, validation: false)
        let windowed = data.withTrainingWindows(length: 1)
        // [3, 1, 2] at T = 1 gives [3], [3, 1], [1, 2]; [1, 2] gives [1], [1, 2].
        #expect(windowed.train == [[3], [3, 1], [1, 2], [1], [1, 2]])
        #expect(windowed.test == data.test && windowed.validation == data.validation)
        #expect(windowed.vocabulary.originalIds == data.vocabulary.originalIds)
        #expect(windowed.protocolDescription == data.protocolDescription + "; training histories cut into windows of 2 items")
        #expect(data.withTrainingWindows(length: 3).train == data.train)
    }

    @Test func leaveOneOutWithoutValidation() throws {
        let directory = try DataTestDirectory()
        let path = try directory.write("users.txt", Self.perUserText)
        let data = try SequenceDataset.load(path: path, validation: false)
        // Training is u1 [a b c] and u2 [b c]: b 2, c 2 (tie, b first), a 1, then d e f.
        #expect(data.vocabulary.originalIds == ["<pad>", "b", "c", "a", "d", "e", "f"])
        #expect(data.vocabulary.frequencies == [0, 2, 2, 1, 0, 0, 0])
        #expect(data.train == [[3, 1, 2], [1, 2]])
        #expect(data.validation.isEmpty)
        #expect(
            data.test == [EvaluationCase(history: [3, 1, 2], target: 4), EvaluationCase(history: [1, 2], target: 5)])
        #expect(data.droppedSequences == 1)
        #expect(
            data.protocolDescription
                == "leave-one-out per user: last item = test, no validation; full ranking over 6 items")
    }

    /// Training sessions [a b], [c] (too short), [b c d], [a d]; test sessions [d a], [b] (too
    /// short), [e a c], [c f]. Raw order a b c d e f; e and f are only in the test file.
    static func writeSessions(_ directory: DataTestDirectory) throws -> (train: String, test: String) {
        (
            try directory.write("train.txt", "a b\nc\nb c d\na d\n"),
            try directory.write("test.txt.gz", "d a\nb\ne,a,c\nc f\n")
        )
    }

    @Test func separateTestSessionsWithValidation() throws {
        let directory = try DataTestDirectory()
        let (train, test) = try Self.writeSessions(directory)
        let data = try SequenceDataset.load(path: train, testPath: test, validation: true)
        // [a d] is held out; training [a b], [b c d] counts b 2, then a c d once each; e and f
        // are not in the vocabulary: [e a c] is ranked from [a], [c f] cannot be ranked.
        #expect(data.vocabulary.originalIds == ["<pad>", "b", "a", "c", "d"])
        #expect(data.vocabulary.frequencies == [0, 2, 1, 1, 1])
        #expect(data.train == [[2, 1], [1, 3, 4]])
        #expect(data.validation == [EvaluationCase(history: [2], target: 4)])
        #expect(data.test == [EvaluationCase(history: [4], target: 2), EvaluationCase(history: [2], target: 3)])
        #expect(data.unseenTestTargets == 1)
        #expect(data.unseenTestHistoryItems == 1)
        #expect(data.droppedSequences == 2)
        #expect(data.format == .seq)
        #expect(data.testFormat == .seq)
        #expect(
            data.protocolDescription
                == "separate test sessions: last item of each test session = test, last item of the last training session = validation; full ranking over 4 items"
        )
    }

    @Test func separateTestSessionsWithoutValidation() throws {
        let directory = try DataTestDirectory()
        let (train, test) = try Self.writeSessions(directory)
        let data = try SequenceDataset.load(path: train, testPath: test, format: .seq, validation: false)
        // Training [a b], [b c d], [a d]: a 2, b 2, d 2 by first appearance, c 1; e, f unseen.
        #expect(data.vocabulary.originalIds == ["<pad>", "a", "b", "d", "c"])
        #expect(data.vocabulary.frequencies == [0, 2, 2, 2, 1])
        #expect(data.train == [[1, 2], [2, 4, 3], [1, 3]])
        #expect(data.validation.isEmpty)
        #expect(data.test == [EvaluationCase(history: [3], target: 1), EvaluationCase(history: [1], target: 4)])
        #expect(data.unseenTestTargets == 1)
        #expect(data.unseenTestHistoryItems == 1)
        #expect(data.droppedSequences == 2)
        #expect(
            data.protocolDescription
                == "separate test sessions: last item of each test session = test, no validation; full ranking over 4 items"
        )
    }

    @Test(arguments: [(1, 1), (19, 1), (20, 1), (40, 2), (1_000, 50)])
    func holdsOutTheLastFivePercentOfSessions(sessions: Int, heldOut: Int) throws {
        var text = ""
        for session in 0..<sessions { text += "x\(session) y\(session)\n" }
        let directory = try DataTestDirectory()
        let train = try directory.write("train.txt", text + "extra one\n")
        let test = try directory.write("test.txt", "x0 y0\n")
        let data = try SequenceDataset.load(path: train, testPath: test, validation: true)
        #expect(data.validation.count == heldOut)
        #expect(data.train.count == sessions + 1 - heldOut)
        let lastTarget = try #require(data.validation.last?.target)
        #expect(data.vocabulary.originalIds[Int(lastTarget)] == "one")
    }

    @Test func testFileLayoutIsDetectedAmongSessionFormats() throws {
        let directory = try DataTestDirectory()
        let train = try directory.write("train.txt", "1 a b\n2 b c\n3 c a\n")
        let test = try directory.write("test.txt", "1 a c\n2 b a\n")
        let data = try SequenceDataset.load(path: train, testPath: test, validation: false)
        #expect(data.format == .userSeq)
        #expect(data.testFormat == .userSeq)
        #expect(data.layout.summary == "user-seq (user=1, items=2…), detected")
        #expect(data.testLayout?.summary == "user-seq (user=1, items=2…), detected")
        #expect(data.test.map { data.vocabulary.originalIds[Int($0.target)] } == ["c", "a"])
    }

    @Test func rejectsDataWithoutALongEnoughSequence() throws {
        let directory = try DataTestDirectory()
        let path = try directory.write("short.txt", "u1 a\nu1 b\nu2 c\n")
        let error = try #require(throws: InputError.self) { try SequenceDataset.load(path: path) }
        #expect(
            error
                == InputError(
                    source: path,
                    "no sequence has 3 or more items, the least leave-one-out needs; read as pairs (user=1, item=2), "
                        + "detected; the longest sequence has 2 items; give --format if the file is laid out differently"))
    }

    /// Files no format reads as meant: the error says how they were read, so the user sees why.
    @Test(arguments: [
        (
            "sessions.inter",
            "session_id:token\titem_id_list:token_seq\titem_id:token\n1\t5 6 7\t8\n2\t6 7\t9\n3\t5 8 9\t6\n",
            "read as atomic (user=1, item=3), detected; the longest sequence has 1 item"
        ),
        (
            "ratings.csv", "user;item;rating;timestamp\n1;2;3;881250949\n1;3;4;881250950\n1;4;4;881250951\n",
            "read as seq (items=1…), detected; the longest sequence has 1 item"
        ),
    ])
    func tooShortSequencesNameTheDetectedFormatAndColumns(name: String, text: String, readAs: String) throws {
        let directory = try DataTestDirectory()
        let path = try directory.write(name, text)
        let error = try #require(throws: InputError.self) { try SequenceDataset.load(path: path) }
        #expect(
            error
                == InputError(
                    source: path,
                    "no sequence has 3 or more items, the least leave-one-out needs; \(readAs); "
                        + "give --format if the file is laid out differently"))
    }

    @Test func tooShortSequencesNameTheGivenFormatWithoutSuggestingAnother() throws {
        let directory = try DataTestDirectory()
        let path = try directory.write("s.txt", "a b\nc d\n")
        let error = try #require(throws: InputError.self) { try SequenceDataset.load(path: path, format: .userSeq) }
        #expect(
            error.message
                == "no sequence has 3 or more items, the least leave-one-out needs; read as user-seq (user=1, items=2…); "
                + "the longest sequence has 1 item")
    }

    @Test func rejectsValidationWithASingleTrainingSession() throws {
        let directory = try DataTestDirectory()
        let train = try directory.write("train.txt", "a b\n")
        let test = try directory.write("test.txt", "a b\n")
        let error = try #require(throws: InputError.self) {
            try SequenceDataset.load(path: train, testPath: test, validation: true)
        }
        #expect(error.source == train)
        #expect(error.message.contains("needs at least 2 sessions"))
        #expect(try SequenceDataset.load(path: train, testPath: test, validation: false).train == [[1, 2]])
    }

    @Test func rejectsTestFileWithoutUsableSession() throws {
        let directory = try DataTestDirectory()
        let train = try directory.write("train.txt", "a b\n")
        let test = try directory.write("test.txt", "a\nb\n")
        let error = try #require(throws: InputError.self) {
            try SequenceDataset.load(path: train, testPath: test, validation: false)
        }
        #expect(
            error
                == InputError(
                    source: test,
                    "no test session has 2 or more items; read as seq (items=1…), detected; "
                        + "the longest sequence has 1 item; give --format if the file is laid out differently"))
    }
}
