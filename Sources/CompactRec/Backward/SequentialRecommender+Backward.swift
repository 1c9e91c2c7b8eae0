import CompactRecRuntime

extension SequentialRecommender {
    /// Forward and backward over one batch. Loss is the mean cross-entropy over positions whose
    /// target is not padding; parameter gradients of that mean are added to `gradient`.
    /// inputs, targets: [B, T] (left-padded with 0). Returns nil when no position has a target.
    /// `dropoutSeed` draws the encoder's dropout masks (an encoder without dropout ignores it).
    /// With a `teacher`, the loss is distillation's (see `Teacher`); the output layer must be a
    /// `DistillableOutputLayer` (checked before training).
    public func trainingStep(
        inputs: UnsafePointer<Int32>, targets: UnsafePointer<Int32>, batch B: Int, length T: Int, dropoutSeed: UInt64 = 0,
        teacher: Teacher? = nil, clock: TrainingPhaseClock? = nil
    ) -> Float? {
        weightsDidChange()  // the optimizer's step follows
        let (embedding, encoder, output) = trainableParts
        let C = configuration.embeddingSize, rows = B * T
        let x = embedded.ensure(rows * C)
        embedding.forward(ids: inputs, rows: rows, output: x)
        clock?.lap(.input)
        let h = encoder.trainingForward(input: x, ids: inputs, batch: B, length: T, dropoutSeed: dropoutSeed)
        clock?.lap(.encoderForward)

        var M = 0
        for r in 0..<rows where targets[r] != 0 { M += 1 }
        if M == 0 { return nil }
        let hm = targetHidden.ensure(M * C), dhm = targetHiddenGradient.ensure(M * C)
        let compactTargets = UnsafeMutablePointer<Int32>.allocate(capacity: M)
        defer { compactTargets.deallocate() }
        var m = 0
        for r in 0..<rows where targets[r] != 0 {
            (hm + m * C).update(from: h + r * C, count: C)
            compactTargets[m] = targets[r]
            m += 1
        }
        let loss: Float
        if let teacher {
            guard let output = output as? any DistillableOutputLayer else {
                preconditionFailure("\(type(of: output)) cannot learn from a teacher; the run's checks should have refused it")
            }
            let logits = teacher.logits(inputs: inputs, targets: targets, batch: B, length: T, rows: M)
            loss = output.lossAndBackward(hidden: hm, targets: compactTargets, rows: M, hiddenGradient: dhm,
                                          teacher: TeacherLogits(logits: logits, weight: teacher.weight, temperature: teacher.temperature))
        } else {
            loss = output.lossAndBackward(hidden: hm, targets: compactTargets, rows: M, hiddenGradient: dhm)
        }

        clock?.lap(.outputLayer)
        let dh = hiddenGradient.ensure(rows * C)
        m = 0
        for r in 0..<rows {
            if targets[r] != 0 {
                (dh + r * C).update(from: dhm + m * C, count: C)
                m += 1
            } else {
                (dh + r * C).update(repeating: 0, count: C)
            }
        }
        let dx = embeddedGradient.ensure(rows * C)
        encoder.backward(outputGradient: dh, inputGradient: dx)
        clock?.lap(.encoderBackward)
        embedding.backward(ids: inputs, rows: rows, outputGradient: dx)
        clock?.lap(.embeddingBackward)
        return loss
    }
}
