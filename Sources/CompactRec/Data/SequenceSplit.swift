/// The division of raw item sequences into training sequences and next-item cases.
///
/// Items are still raw indices here; ``SequenceDataset`` maps them to vocabulary indices once
/// the training split has fixed the frequencies.
struct SequenceSplit {
    /// The percentage of training sessions held out for validation when there is a test file.
    static let validationPercent = 5

    var train: [[Int32]] = []
    var validation: [EvaluationCase] = []
    var test: [EvaluationCase] = []
    /// Sequences too short for their role.
    var dropped = 0

    /// Per-user leave-one-out: the last item of each user is the test target, the one before
    /// it the validation target. Users with fewer than 3 items are dropped, as they would
    /// leave nothing to train on.
    static func leaveOneOut(_ sequences: [[Int32]], validation: Bool) -> SequenceSplit {
        var split = SequenceSplit()
        for sequence in sequences {
            let n = sequence.count
            guard n >= 3 else {
                split.dropped += 1
                continue
            }
            if validation {
                let history = Array(sequence[..<(n - 2)])
                split.train.append(history)
                split.validation.append(EvaluationCase(history: history, target: sequence[n - 2]))
            } else {
                split.train.append(Array(sequence[..<(n - 1)]))
            }
            split.test.append(EvaluationCase(history: Array(sequence[..<(n - 1)]), target: sequence[n - 1]))
        }
        return split
    }

    /// Sessions with a separate test file: each test session gives the case (prefix → last
    /// item). With `validation`, the last 5 % (at least one) of the training sessions in file
    /// order become validation cases the same way and are not trained on; being the latest
    /// sessions, they mimic the test period best. Sessions under 2 items have no prefix to
    /// predict from and are dropped.
    static func separateTest(training: [[Int32]], test: [[Int32]], validation: Bool) -> SequenceSplit {
        var split = SequenceSplit()
        let usableTraining = training.filter { $0.count >= 2 }
        let usableTest = test.filter { $0.count >= 2 }
        split.dropped = training.count - usableTraining.count + test.count - usableTest.count
        let heldOut = validation ? max(1, usableTraining.count * validationPercent / 100) : 0
        split.train = Array(usableTraining.dropLast(heldOut))
        split.validation = usableTraining.suffix(heldOut).map(lastItemCase)
        split.test = usableTest.map(lastItemCase)
        return split
    }

    private static func lastItemCase(_ session: [Int32]) -> EvaluationCase {
        EvaluationCase(history: Array(session.dropLast()), target: session[session.count - 1])
    }
}
