/// The one check of a run specification, before any data is read: every value in its range,
/// every variant one this build has, every setting the user gave one that the chosen model
/// uses, and no two given settings that decide the same thing.
extension RunSpecification {
    /// The first variant this build does not have, or nil. A plan may name one (written for a
    /// newer build); its configuration is then listed as one that cannot run here.
    public func unsupportedVariant() -> RunSpecificationError? {
        func check<Kind>(_ variant: VariantName<Kind>?, _ setting: RunSetting, _ what: String) -> RunSpecificationError? {
            guard let variant, variant.kind == nil else { return nil }
            return RunSpecificationError(setting, "'\(variant.name)' is not \(what) this build has (it has \(VariantName<Kind>.known))")
        }
        return check(model.inputEmbedding, .inputEmbedding, "an input embedding")
            ?? check(model.outputLayer, .outputLayer, "an output layer")
            ?? check(model.encoder, .encoder, "an encoder")
            ?? check(model.sharing, .sharing, "a sharing scheme")
            ?? check(model.inputTable.hash, .hash, "a hash")
            ?? check(model.outputTable.hash, .outputHash, "a hash")
            ?? check(model.inputTable.qrOperation, .qrOperation, "a quotient-remainder operation")
            ?? check(model.outputTable.qrOperation, .outputQrOperation, "a quotient-remainder operation")
            ?? check(model.jpqCodes, .jpqCodes, "a JPQ code assignment")
    }

    /// Throws the first problem, naming the settings as `names` says.
    /// - Parameter given: the settings the user gave rather than left to their defaults: a
    ///   flag on the command line, a key in a plan's configuration (not its `defaults`).
    /// - Throws: ``RunSpecificationError``.
    public func validate(given: Set<RunSetting>, names: RunSettingNames) throws {
        if let problem = unsupportedVariant() { throw problem }
        try checkRanges(names)
        if training.patience != nil && !data.validation {
            throw RunSpecificationError(.patience, "\(names[.patience]) needs a validation split to watch, and the validation split is turned off")
        }
        let input = model.inputEmbedding.kind!, output = model.outputLayer.kind!, encoder = model.encoder.kind!
        for setting in RunSetting.allCases where given.contains(setting) && !setting.applies(encoder: encoder) {
            throw RunSpecificationError(setting, "\(names[setting]) applies to a \(setting.encoderScope!.rawValue) encoder, "
                                        + "and the encoder is \(encoder.rawValue)")
        }
        for setting in RunSetting.allCases where given.contains(setting) && !setting.applies(input: input, output: output) {
            throw RunSpecificationError(setting, "\(names[setting]) \(setting.misapplied(input: input, output: output))")
        }
        if given.contains(.tieEmbeddings), model.tieEmbeddings == true, !model.tablesCanTie {
            throw RunSpecificationError(.tieEmbeddings, "\(names[.tieEmbeddings]) needs a full input embedding and a full-softmax "
                                        + "output, or a jpq input embedding and a jpq output layer, and the model has "
                                        + "\(input.rawValue) and \(output.rawValue)")
        }
        if input == .jpq || output == .jpq {
            let m = model.jpqSplits ?? ModelSpecification.defaultJpqSplits, C = model.embeddingSize
            guard m <= C && C % m == 0 else {
                throw RunSpecificationError(.jpqSplits, "\(names[.jpqSplits]) must divide the embedding size (\(C)), "
                                            + "one split of C/m channels per code byte; got \(m)")
            }
        }
        if training.teacher == nil, let setting = [RunSetting.distillWeight, .temperature].first(where: given.contains) {
            throw RunSpecificationError(setting, "\(names[setting]) applies to distillation, and no teacher (\(names[.teacher])) is given")
        }
        if training.teacher != nil && output == .treeSoftmax {
            throw RunSpecificationError(.teacher, "\(names[.teacher]) needs a student whose output scores every item (a full softmax, "
                                        + "tied or over a compressed item matrix); the tree softmax cannot learn from a teacher yet")
        }
        if input == .blockAdaptive && given.isSuperset(of: [.inputRatio, .rankDivisor]) {
            throw RunSpecificationError(.inputRatio, "\(names[.inputRatio]) conflicts with the rank divisor (\(names[.rankDivisor])): "
                                        + "both size the block-adaptive input embedding; give one")
        }
        for (side, kind) in [(TableSide.input, input.table), (.output, output.table)] {
            guard let kind, given.isSuperset(of: [side.ratio, side.size(kind)]) else { continue }
            throw RunSpecificationError(side.ratio, "\(names[side.ratio]) conflicts with \(names[side.size(kind)]): both size the "
                                        + "\(kind.rawValue) \(side.part); give one")
        }
    }

    private func checkRanges(_ names: RunSettingNames) throws {
        func whole(_ setting: RunSetting, _ value: Int?, _ range: ClosedRange<Int>) throws {
            guard let value, !range.contains(value) else { return }
            let bound = range.upperBound == .max ? "at least \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
            throw RunSpecificationError(setting, "\(names[setting]) must be \(bound); got \(value)")
        }
        func number(_ setting: RunSetting, _ value: Double?, _ requirement: String, _ holds: (Double) -> Bool) throws {
            guard let value, !(value.isFinite && holds(value)) else { return }
            throw RunSpecificationError(setting, "\(names[setting]) must be \(requirement), found \(value)")
        }
        typealias Encoder = NextItNetConfiguration.Limits
        try whole(.embeddingSize, model.embeddingSize, 1...ModelConfiguration.Limits.embeddingSize)
        try whole(.maxLength, model.maxLength, 1...ModelConfiguration.Limits.maxLength)
        try whole(.kernelSize, model.kernelSize, 1...Encoder.kernelSize)
        guard (1...Encoder.blocks).contains(model.dilations.count) else {
            throw RunSpecificationError(.dilations, "\(names[.dilations]) must list from 1 to \(Encoder.blocks) dilations; got \(model.dilations.count)")
        }
        if let bad = model.dilations.first(where: { !(1...Encoder.dilation).contains($0) }) {
            throw RunSpecificationError(.dilations, "\(names[.dilations]) must each be from 1 to \(Encoder.dilation); got \(bad)")
        }
        typealias Transformer = SASRecConfiguration.Limits
        try whole(.layers, model.layers, 1...Transformer.layers)
        try whole(.heads, model.heads, 1...Transformer.heads)
        try whole(.innerSize, model.innerSize, 1...Transformer.innerSize)
        try number(.dropout, model.dropout, "a rate in [0, 1) such as 0.5") { $0 >= 0 && $0 < 1 }
        if model.encoder.kind == .sasrec, let sharing = model.sharing.kind, !sharing.appliesToSASRec {
            throw RunSpecificationError(.sharing, "\(names[.sharing]) \(sharing.rawValue) has no meaning for SASRec (a block's attention "
                                        + "and feed-forward network have different shapes); none, cross-layer, cross-block or adjacent-block apply")
        }
        if model.encoder.kind == .sasrec && model.embeddingSize % model.heads != 0 {
            throw RunSpecificationError(.heads, "\(names[.heads]) must divide the embedding size (\(model.embeddingSize)); got \(model.heads)")
        }
        // Not necessarily whole: 1.5 is one.
        try number(.rankDivisor, model.rankDivisor, "a number of at least 1") { $0 >= 1 }
        for (side, table) in [(TableSide.input, model.inputTable), (.output, model.outputTable)] {
            try number(side.ratio, table.ratio, "a ratio of at least 1, such as 16") { $0 >= 1 }
            try whole(side.buckets, table.buckets, 1...Int.max)
            try whole(side.qrCollisions, table.qrCollisions, 1...Int.max)
            try whole(side.rank, table.rank, 1...Int.max)
            try number(side.mixedAlpha, table.mixedAlpha, "a number ≥ 0 such as 0.3") { $0 >= 0 }
        }
        try whole(.jpqSplits, model.jpqSplits, 1...ModelConfiguration.Limits.embeddingSize)
        try whole(.epochs, training.epochs, 1...Int.max)
        try whole(.batchSize, training.batchSize, 1...Int.max)
        try number(.learningRate, training.learningRate, "a positive number such as 0.001") { $0 > 0 }
        try number(.weightDecay, training.weightDecay, "a number of at least 0") { $0 >= 0 }
        try number(.clipNorm, training.clipNorm, "a positive gradient norm") { $0 > 0 }
        try whole(.patience, training.patience, 1...Int.max)
        try number(.distillWeight, training.distillWeight, "a weight in [0, 1] such as 0.5") { $0 >= 0 && $0 <= 1 }
        try number(.temperature, training.temperature, "a positive temperature such as 1") { $0 > 0 && $0 <= 1000 }
    }
}
