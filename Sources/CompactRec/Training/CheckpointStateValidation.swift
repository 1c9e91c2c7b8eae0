extension TrainingCheckpoint.State {
    /// The longest duration a checkpoint may record, in seconds (about 31 years): beyond it a
    /// time is damage rather than a measurement, and would skew the speeds reported at the end.
    static let longestSeconds = 1e9

    /// Checks every field against the run the state records: its options, its data's counts
    /// and its model. A damaged or edited `state.json` is refused naming the field, instead of
    /// trapping (a negative step indexes before the batch order), running without end (an
    /// epoch far below 1) or resuming into results an uninterrupted run would not give.
    ///
    /// The shuffle generator is checked against the data in ``checkOrderGenerator(file:)``,
    /// once the data is known to be this run's.
    /// - Throws: ``InputError`` naming `file` and the field.
    func validate(file: String) throws {
        func require(_ holds: Bool, _ field: String, _ expected: @autoclosure () -> String, found: Any) throws {
            guard holds else { throw InputError(source: file, "\(field): expected \(expected()), found \(found)") }
        }
        func requireSeconds(_ seconds: Double, _ field: String) throws {
            try require((0...Self.longestSeconds).contains(seconds), field, "0...\(Self.longestSeconds) seconds", found: seconds)
        }
        try require(
            (1...TrainingCheckpoint.formatVersion).contains(version), "version", "1...\(TrainingCheckpoint.formatVersion)",
            found: version)
        do { try model.validate() } catch let error as InputError {
            throw InputError(source: file, "model: \(error.message)")
        }
        do { try training.validate() } catch let error as InputError {
            throw InputError(source: file, "training: \(error.message)")
        }
        try require(threads >= 1, "threads", "at least 1", found: threads)

        let counts = [
            ("bytes", data.bytes), ("testBytes", data.testBytes ?? 0), ("validationCases", data.validationCases),
            ("testCases", data.testCases),
        ]
        for (name, count) in counts { try require(count >= 0, "data.\(name)", "a count of 0 or more", found: count) }
        try require(data.trainingSequences >= 1, "data.trainingSequences", "at least 1", found: data.trainingSequences)
        try require(
            data.itemCount == model.itemCount, "data.itemCount", "the model's item count \(model.itemCount)",
            found: data.itemCount)

        let sequences = data.trainingSequences, batchSize = training.batchSize
        let stepsPerEpoch = sequences / batchSize + (sequences % batchSize == 0 ? 0 : 1)
        let p = progress
        try require(
            p.epoch >= 1 && p.epoch - 1 <= training.epochs, "progress.epoch",
            "1 to one past training.epochs (\(training.epochs))", found: p.epoch)
        let epochsDone = p.epoch - 1
        try require(
            p.epochs.count == epochsDone, "progress.epochs", "a summary for each of the \(epochsDone) epochs done",
            found: "\(p.epochs.count) summaries")
        let lastStep = epochsDone < training.epochs ? stepsPerEpoch : 0
        try require(
            (0...lastStep).contains(p.stepInEpoch), "progress.stepInEpoch",
            "0...\(lastStep): the steps of epoch \(p.epoch) of training.epochs \(training.epochs), "
                + "for data.trainingSequences \(sequences) in batches of training.batchSize \(batchSize)",
            found: p.stepInEpoch)
        let (stepsBefore, overflows) = epochsDone.multipliedReportingOverflow(by: stepsPerEpoch)
        let (stepsDone, overflowsToo) = stepsBefore.addingReportingOverflow(p.stepInEpoch)
        try require(
            !overflows && !overflowsToo, "data.trainingSequences",
            "a count whose \(stepsPerEpoch) steps per epoch over \(epochsDone) epochs can be counted", found: sequences)
        try require(
            p.stepsDone == stepsDone, "progress.stepsDone",
            "\(stepsDone): \(stepsPerEpoch) steps in each of the \(epochsDone) epochs done (data.trainingSequences "
                + "\(sequences) in batches of training.batchSize \(batchSize)) and stepInEpoch \(p.stepInEpoch)",
            found: p.stepsDone)
        try require(
            (0...stepsDone).contains(optimizerStepCount), "optimizerStepCount", "0...\(stepsDone) (the steps done)",
            found: optimizerStepCount)

        try require(
            (0...p.stepInEpoch).contains(p.epochLossSteps), "progress.epochLossSteps",
            "0...\(p.stepInEpoch) (the steps of the epoch so far)", found: p.epochLossSteps)
        let sequencesSoFar = p.stepInEpoch == stepsPerEpoch ? sequences : p.stepInEpoch * batchSize
        try require(
            (0...sequencesSoFar).contains(p.epochSequences), "progress.epochSequences",
            "0...\(sequencesSoFar) (the sequences of the epoch's steps so far)", found: p.epochSequences)
        // Each step's loss is a finite Float, so their sum is at most that many Float.greatestFiniteMagnitude.
        try require(
            p.epochLossSum >= 0 && p.epochLossSum <= Double(p.epochLossSteps) * Double(Float.greatestFiniteMagnitude),
            "progress.epochLossSum", "a sum of \(p.epochLossSteps) finite losses of 0 or more", found: p.epochLossSum)
        try requireSeconds(p.epochSeconds, "progress.epochSeconds")
        try requireSeconds(p.trainingSeconds, "progress.trainingSeconds")
        let (most, overflow) = epochsDone.multipliedReportingOverflow(by: sequences)
        try require(
            p.trainedSequences >= 0 && (overflow || p.trainedSequences <= most), "progress.trainedSequences",
            "0...\(overflow ? Int.max : most) (\(sequences) sequences in each epoch done)", found: p.trainedSequences)

        // The loop divides by at least 1e-9 s, so no speed exceeds an epoch's sequences per nanosecond.
        let fastest = Double(sequences) * 1e9
        for (index, summary) in p.epochs.enumerated() {
            let field = "progress.epochs[\(index)]"
            try require(summary.epoch == index + 1, "\(field).epoch", "\(index + 1)", found: summary.epoch)
            try require(summary.loss.isFinite && summary.loss >= 0, "\(field).loss", "a finite loss of 0 or more",
                        found: summary.loss)
            try requireSeconds(summary.seconds, "\(field).seconds")
            try require(
                (0...fastest).contains(summary.sequencesPerSecond), "\(field).sequencesPerSecond", "0...\(fastest)",
                found: summary.sequencesPerSecond)
            for (metric, value) in (summary.validation ?? [:]).sorted(by: { $0.key < $1.key }) {
                try require((0...1).contains(value), "\(field).validation.\(metric)", "0...1", found: value)
            }
        }
        if let bestScore = p.bestScore {
            try require((0...1).contains(bestScore), "progress.bestScore", "an NDCG@10 in 0...1", found: bestScore)
        }
        try require((0...epochsDone).contains(p.bestEpoch), "progress.bestEpoch", "0...\(epochsDone)", found: p.bestEpoch)
        try require(
            (0...epochsDone).contains(p.epochsSinceBest), "progress.epochsSinceBest", "0...\(epochsDone)",
            found: p.epochsSinceBest)
        try require(
            p.orderGenerator.state.count == 4, "progress.orderGenerator.state", "4 words",
            found: p.orderGenerator.state.count)
    }

    /// Checks that the shuffle generator is the one the seed gives after the epochs done, so
    /// the resumed run draws the batch orders the uninterrupted one would. Replaying the
    /// shuffles needs the data's real sequence count, so call it once the data is this run's.
    /// - Throws: ``InputError`` naming `file` and the field.
    func checkOrderGenerator(file: String) throws {
        var generator = TrainingProgress(seed: training.seed).orderGenerator
        for _ in 0..<(progress.epoch - 1) { _ = Batching.epochOrder(count: data.trainingSequences, using: &generator) }
        guard progress.orderGenerator == generator else {
            throw InputError(
                source: file,
                "progress.orderGenerator: expected the state seed \(training.seed) gives after \(progress.epoch - 1) "
                    + "epochs' shuffles, found \(progress.orderGenerator.state)")
        }
    }
}
