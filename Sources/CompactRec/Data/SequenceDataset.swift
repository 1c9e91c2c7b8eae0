/// Interaction data ready for training and evaluation: a frequency-ordered vocabulary, the
/// training sequences, and the validation and test cases, all in vocabulary indices.
public struct SequenceDataset: Sendable {
    public let vocabulary: Vocabulary
    /// Training sequences, oldest item first; items are indices 1…N-1.
    public let train: [[Int32]]
    /// Cases for choosing hyper-parameters and early stopping; empty without validation.
    public let validation: [EvaluationCase]
    public let test: [EvaluationCase]
    /// Sequences too short to use, to report to the user.
    public let droppedSequences: Int
    /// One line describing the split, to print beside metrics, e.g. "leave-one-out per user:
    /// last item = test, second-last = validation; full ranking over 54,542 items".
    public let protocolDescription: String
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
    /// Either way the vocabulary counts frequencies in the training split only.
    /// - Throws: ``InputError`` for unreadable or malformed files, or when no usable sequence
    ///   is left to train or test on.
    public static func load(
        path: String, testPath: String? = nil, format: DataFormat = .auto, validation: Bool = true
    ) throws -> SequenceDataset {
        var items = ItemTokenTable()
        let training = try InteractionLog.read(path: path, format: format, items: &items)
        guard let testPath else {
            return try SequenceDataset(training: training, test: nil, items: items, validation: validation)
        }
        let isTestFormatGiven = format == .seq || format == .userSeq
        let testFormat = isTestFormatGiven ? format : try DataFormat.detectSessionFormat(path: testPath)
        var test = try InteractionLog.read(path: testPath, format: testFormat, items: &items)
        test.layout.wasDetected = !isTestFormatGiven
        return try SequenceDataset(training: training, test: test, items: items, validation: validation)
    }

    /// Splits logs whose items were all interned into `items`.
    init(training: InteractionLog, test: InteractionLog?, items: ItemTokenTable, validation: Bool) throws {
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
        let (vocabulary, indexOfRawItem) = Vocabulary.frequencyOrdered(items: items, training: split.train)
        func reindexed(_ items: [Int32]) -> [Int32] { items.map { indexOfRawItem[Int($0)] } }
        func reindexed(_ cases: [EvaluationCase]) -> [EvaluationCase] {
            cases.map { EvaluationCase(history: reindexed($0.history), target: indexOfRawItem[Int($0.target)]) }
        }
        self.vocabulary = vocabulary
        self.train = split.train.map(reindexed)
        self.validation = reindexed(split.validation)
        self.test = reindexed(split.test)
        self.droppedSequences = split.dropped
        self.layout = training.layout
        self.testLayout = test?.layout
        let ranking = "full ranking over \(Self.grouped(vocabulary.count - 1)) items"
        if test == nil {
            let validationPart = validation ? "second-last = validation" : "no validation"
            protocolDescription = "leave-one-out per user: last item = test, \(validationPart); \(ranking)"
        } else {
            let heldOut = split.validation.count
            let heldOutSessions = heldOut == 1 ? "training session" : "\(Self.grouped(heldOut)) training sessions"
            let validationPart = validation ? "last item of the last \(heldOutSessions) = validation" : "no validation"
            protocolDescription =
                "separate test sessions: last item of each test session = test, \(validationPart); \(ranking)"
        }
    }

    /// The same data with every training sequence longer than `T + 1` items cut into windows
    /// (``Batching/trainingWindows(_:length:)``), so a long history is trained on whole rather
    /// than only its last `T + 1` items. Evaluation cases are unchanged: they already read a
    /// history's last `T` items.
    public func withTrainingWindows(length T: Int) -> SequenceDataset {
        SequenceDataset(
            copying: self, train: train.flatMap { Batching.trainingWindows($0, length: T) },
            protocolDescription: protocolDescription + "; training histories cut into windows of \(T + 1) items")
    }

    private init(copying other: SequenceDataset, train: [[Int32]], protocolDescription: String) {
        vocabulary = other.vocabulary
        self.train = train
        validation = other.validation
        test = other.test
        droppedSequences = other.droppedSequences
        self.protocolDescription = protocolDescription
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
