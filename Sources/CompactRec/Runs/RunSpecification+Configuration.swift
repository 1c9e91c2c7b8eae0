/// What a validated specification builds: the model's configuration for the data's catalogue,
/// and the training options.
extension RunSpecification {
    /// The model for a catalogue of `itemCount` items (with padding) whose training frequencies
    /// (by item index) are given: cut-offs from the frequencies, each side's table from the
    /// knobs it uses (a ratio asked of a block-adaptive input picks the rank divisor, unless the
    /// rank divisor itself was given). Call on a specification ``validate(given:names:)`` passed.
    /// - Throws: ``RunSpecificationError`` naming the setting at fault.
    public func modelConfiguration(itemCount: Int, frequencies: [Int], given: Set<RunSetting>,
                                   names: RunSettingNames) throws -> ModelConfiguration {
        guard let input = model.inputEmbedding.kind, let output = model.outputLayer.kind, let sharing = model.sharing.kind,
              model.encoder.kind != nil else {
            throw unsupportedVariant()!
        }
        var config = ModelConfiguration(
            itemCount: itemCount, embeddingSize: model.embeddingSize, maxLength: model.maxLength,
            encoder: encoderConfiguration(sharing: sharing), inputEmbedding: input, outputLayer: output,
            rankDivisor: model.rankDivisor, tiedEmbeddings: model.tiesEmbeddings)
        if config.usesClusters {
            do {
                config.cutoffs = try ItemClusters.parse(model.cutoffs, frequencies: frequencies).cutoffs
            } catch let error as InputError {
                throw RunSpecificationError(.cutoffs, "\(names[.cutoffs]): \(error.message)")
            }
        }
        var inputKnobs = model.inputTable.used(on: .input, input: input, output: output, given: given)
        let outputKnobs = model.outputTable.used(on: .output, input: input, output: output, given: given)
        if input == .blockAdaptive, let ratio = inputKnobs.ratio {
            inputKnobs.ratio = nil
            if !given.contains(.rankDivisor) || given.contains(.inputRatio) {
                guard let clusters = config.clusters else {
                    throw RunSpecificationError(.inputRatio, "\(names[.inputRatio]): the block-adaptive input embedding needs cut-offs")
                }
                do {
                    config.rankDivisor = try TableSizing.rankDivisor(ratio: ratio, clusters: clusters, dimensions: model.embeddingSize,
                                                                     source: names[.inputRatio])
                } catch let error as InputError {
                    throw RunSpecificationError(.inputRatio, error.description)
                }
            }
        }
        config.inputTable = try input.table.map {
            if $0 == .jpq { return model.jpqTable }
            return try inputKnobs.resolve($0, side: .input, names: names, itemCount: itemCount, dimensions: model.embeddingSize,
                                   clusters: config.clusters, frequencies: frequencies)
        }
        config.outputTable = try output.table.map {
            if $0 == .jpq { return model.jpqTable }
            return try outputKnobs.resolve($0, side: .output, names: names, itemCount: itemCount, dimensions: model.embeddingSize,
                                    clusters: config.clusters, frequencies: frequencies)
        }
        do {
            try config.validate()
        } catch let error as InputError {
            throw RunSpecificationError(nil, error.description)
        }
        return config
    }

    /// The backbone's configuration from the specification's encoder settings.
    func encoderConfiguration(sharing: SharingScheme) -> EncoderConfiguration {
        switch model.encoder.kind! {
        case .nextitnet:
            .nextItNet(NextItNetConfiguration(dilations: model.dilations, kernelSize: model.kernelSize, sharing: sharing))
        case .sasrec:
            .sasRec(SASRecConfiguration(layers: model.layers, heads: model.heads, innerSize: model.innerSize,
                                        dropout: Float(model.dropout), attentionDropout: Float(model.dropout), sharing: sharing))
        }
    }

    /// How to train, as the trainer and a model bundle's `config.json` take it.
    public var trainingOptions: TrainingOptions {
        var options = TrainingOptions()
        options.epochs = training.epochs
        options.batchSize = training.batchSize
        options.learningRate = Float(training.learningRate)
        options.weightDecay = Float(training.weightDecay)
        options.gradientClipNorm = training.clipNorm.map(Float.init)
        options.patience = training.patience
        options.seed = training.seed
        return options
    }
}
