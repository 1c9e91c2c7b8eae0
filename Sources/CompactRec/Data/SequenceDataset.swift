/// Interaction data ready for training and evaluation: a frequency-ordered vocabulary, the
/// training sequences, and the validation and test cases, all in vocabulary indices.
public struct SequenceDataset: Sendable {
    public let vocabulary: Vocabulary
    /// Training sequences, oldest item first; items are indices 1…N-1.
    public let train: [[Int32]]
    /// Cases for choosing hyper-parameters and early stopping; empty without validation.
    public let validation: [EvaluationCase]
    /// Test cases the model can rank: their target is in the vocabulary. History items not in
    /// it are left out of the history.
    public let test: [EvaluationCase]
    /// Test cases whose target occurs only in the test file. No model trained on the training
    /// file can predict it, so these cases are kept out of ``test`` and count as misses
    /// (rank = `Int.max`) in every test metric.
    public let unseenTestTargets: Int
    /// History items of the cases in ``test`` that occur only in the test file, left out of
    /// the histories.
    public let unseenTestHistoryItems: Int
    /// Sequences too short to use, to report to the user.
    public let droppedSequences: Int
    /// How the data was split, e.g. "leave-one-out per user: last item = test, second-last =
    /// validation"; kept apart from the catalogue size so a saved model's can be put beside it.
    private let splitDescription: String
    /// How the training sequences were cut, if that differs from the default.
    private let trainingNote: String?
    /// How the data file was read: its format and the columns used.
    public let layout: InteractionLayout
    /// How the test file was read, if there is one.
    public let testLayout: InteractionLayout?

    /// The format the data file was read as.
    public var format: DataFormat { layout.format }
    /// The format the test file was read as, if there is one.
    public var testFormat: DataFormat? { testLayout?.format }

    /// Reads interaction data and splits it.
    ///
    /// Without `testPath` each sequence is one user's history and is split leave-one-out: the
    /// last item is the test target, the second-last the validation target (with
    /// `validation`), the rest is trained on; users with fewer than 3 items are dropped.
    ///
    /// With `testPath` both files hold sessions: each test session gives one case (prefix →
    /// last item), and with `validation` the last 5 % (at least one) of the training
    /// sessions are held out the same way instead of being trained on; sessions under 2
    /// items are dropped. The test file is read as `format` when that is ``DataFormat/seq``
    /// or ``DataFormat/userSeq``, and otherwise detected as one of those two.
    ///
    /// Either way the vocabulary holds the items of the training file only, ordered by their
    /// frequency in the training split: an item met only in the test file was never trained
    /// on, so it cannot be ranked (see ``unseenTestTargets``).
    /// - Throws: ``InputError`` for unreadable or malformed files, or when no usable sequence
    ///   is left to train or test on.
    public static func load(
        path: String, testPath: String? = nil, format: DataFormat = .auto, validation: Bool = true
    ) throws -> SequenceDataset {
        var items = ItemTokenTable()
        let training = try InteractionLog.read(path: path, format: format, items: &items)
        let trainingFileItems = items.count
        guard let testPath else {
            return try SequenceDataset(
                training: training, test: nil, items: items, trainingFileItems: trainingFileItems, validation: validation)
        }
        let isTestFormatGiven = format == .seq || format == .userSeq
        let testFormat = isTestFormatGiven ? format : try DataFormat.detectSessionFormat(path: testPath)
        var test = try InteractionLog.read(path: testPath, format: testFormat, items: &items)
        test.layout.wasDetected = !isTestFormatGiven
        return try SequenceDataset(
            training: training, test: test, items: items, trainingFileItems: trainingFileItems, validation: validation)
    }

    /// Splits logs whose items were all interned into `items`, the training file's first: raw
    /// indices below `trainingFileItems` are its items and make up the vocabulary.
    init(
        training: InteractionLog, test: InteractionLog?, items: ItemTokenTable, trainingFileItems: Int, validation: Bool
    ) throws {
        let split: SequenceSplit
        if let test {
            split = SequenceSplit.separateTest(
                training: training.sequences, test: test.sequences, validation: validation)
            guard !split.train.isEmpty else {
                throw InputError(
                    source: training.path,
                    validation
                        ? "no training session is left: holding out validation needs at least 2 sessions "
                            + "of 2 or more items; \(Self.readAs(training))"
                        : "no training session has 2 or more items; \(Self.readAs(training))")
            }
            guard !split.test.isEmpty else {
                throw InputError(
                    source: test.path, "no test session has 2 or more items; \(Self.readAs(test))")
            }
        } else {
            split = SequenceSplit.leaveOneOut(training.sequences, validation: validation)
            guard !split.train.isEmpty else {
                throw InputError(
                    source: training.path,
                    "no sequence has 3 or more items, the least leave-one-out needs; \(Self.readAs(training))")
            }
        }
        let (vocabulary, indexOfRawItem) = Vocabulary.frequencyOrdered(
            items: items, catalogue: trainingFileItems, training: split.train)
        func reindexed(_ items: [Int32]) -> [Int32] { items.map { indexOfRawItem[Int($0)] } }
        func reindexed(_ cases: [EvaluationCase]) -> [EvaluationCase] {
            cases.map { EvaluationCase(history: reindexed($0.history), target: indexOfRawItem[Int($0.target)]) }
        }
        self.vocabulary = vocabulary
        self.train = split.train.map(reindexed)
        self.validation = reindexed(split.validation)
        var rankable: [EvaluationCase] = []
        var unseenTargets = 0, unseenHistoryItems = 0
        for testCase in split.test {
            let target = indexOfRawItem[Int(testCase.target)]
            guard target != 0 else {
                unseenTargets += 1
                continue
            }
            let history = reindexed(testCase.history)
            let known = history.filter { $0 != 0 }
            unseenHistoryItems += history.count - known.count
            rankable.append(EvaluationCase(history: known, target: target))
        }
        self.test = rankable
        self.unseenTestTargets = unseenTargets
        self.unseenTestHistoryItems = unseenHistoryItems
        self.droppedSequences = split.dropped
        self.layout = training.layout
        self.testLayout = test?.layout
        trainingNote = nil
        if test == nil {
            let validationPart = validation ? "second-last = validation" : "no validation"
            splitDescription = "leave-one-out per user: last item = test, \(validationPart)"
        } else {
            let heldOut = split.validation.count
            let heldOutSessions = heldOut == 1 ? "training session" : "\(Self.grouped(heldOut)) training sessions"
            let validationPart = validation ? "last item of the last \(heldOutSessions) = validation" : "no validation"
            splitDescription = "separate test sessions: last item of each test session = test, \(validationPart)"
        }
    }

    /// One line describing the split, to print beside metrics, e.g. "leave-one-out per user:
    /// last item = test, second-last = validation; full ranking over 54,542 items".
    public var protocolDescription: String { protocolDescription(rankingOver: vocabulary.count - 1) }

    /// The protocol line for a model whose catalogue holds `itemCount` items: a saved model
    /// ranks over its own catalogue, not over the items of the file it is evaluated on.
    public func protocolDescription(rankingOver itemCount: Int) -> String {
        "\(splitDescription); full ranking over \(Self.grouped(itemCount)) items"
            + (trainingNote.map { "; \($0)" } ?? "")
    }

    /// The same data with every training sequence longer than `T + 1` items cut into windows
    /// (``Batching/trainingWindows(_:length:)``), so a long history is trained on whole rather
    /// than only its last `T + 1` items. Evaluation cases are unchanged: they already read a
    /// history's last `T` items.
    public func withTrainingWindows(length T: Int) -> SequenceDataset {
        SequenceDataset(
            copying: self, train: train.flatMap { Batching.trainingWindows($0, length: T) },
            trainingNote: "training histories cut into windows of \(T + 1) items")
    }

    private init(copying other: SequenceDataset, train: [[Int32]], trainingNote: String) {
        vocabulary = other.vocabulary
        self.train = train
        validation = other.validation
        test = other.test
        unseenTestTargets = other.unseenTestTargets
        unseenTestHistoryItems = other.unseenTestHistoryItems
        droppedSequences = other.droppedSequences
        splitDescription = other.splitDescription
        self.trainingNote = trainingNote
        layout = other.layout
        testLayout = other.testLayout
    }

    /// "read as atomic (user=1, item=3), detected; the longest sequence has 1 item; …": what a
    /// user needs to see that a file was not read the way they meant, and how to change it.
    private static func readAs(_ log: InteractionLog) -> String {
        let longest = log.sequences.map(\.count).max() ?? 0
        return "read as \(log.layout.summary); the longest sequence has \(longest == 1 ? "1 item" : "\(longest) items")"
            + (log.layout.wasDetected ? "; give --format if the file is laid out differently" : "")
    }

    /// `54542` → `54,542`: counts in the description are read by people.
    private static func grouped(_ number: Int) -> String {
        let digits = Array(String(number))
        var text = ""
        for (position, digit) in digits.enumerated() {
            if position > 0 && (digits.count - position) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return text
    }
}
