/// Turning one side's knobs into the ``ItemTableSettings`` a model is built with.
extension TableSpecification {
    /// Whether the knob that sets a `kind` table's size has a value (a jpq table's splits are
    /// the model's `jpqSplits`, not a knob of a side).
    func hasSize(_ kind: ItemTableKind) -> Bool {
        switch kind.sizeKnob {
        case "buckets": buckets != nil
        case "qrCollisions": qrCollisions != nil
        case "rank": rank != nil
        case "mixedAlpha": mixedAlpha != nil
        default: false
        }
    }

    /// The knobs a model with this input embedding and output layer uses on `side`: those that
    /// apply to it, and of a size knob and a ratio that both have a value, the one given when
    /// only one was (a plan's configuration over its `defaults`). Two given for a model they do
    /// not apply to, or two given that both size the table, are ``RunSpecification/validate(given:names:)``'s errors.
    func used(on side: TableSide, input: InputEmbeddingKind, output: OutputLayerKind, given: Set<RunSetting>) -> TableSpecification {
        func keep(_ setting: RunSetting) -> Bool { setting.applies(input: input, output: output) }
        var knobs = TableSpecification()
        if keep(side.ratio) { knobs.ratio = ratio }
        if keep(side.buckets) { knobs.buckets = buckets }
        if keep(side.hash) { knobs.hash = hash }
        if keep(side.qrCollisions) { knobs.qrCollisions = qrCollisions }
        if keep(side.qrOperation) { knobs.qrOperation = qrOperation }
        if keep(side.rank) { knobs.rank = rank }
        if keep(side.mixedAlpha) { knobs.mixedAlpha = mixedAlpha }
        let kind = side == .input ? input.table : output.table
        if let kind, knobs.ratio != nil, knobs.hasSize(kind) {
            let ratioGiven = given.contains(side.ratio), sizeGiven = given.contains(side.size(kind))
            if ratioGiven && !sizeGiven { knobs.clearSize(kind) }
            if sizeGiven && !ratioGiven { knobs.ratio = nil }
        }
        return knobs
    }

    private mutating func clearSize(_ kind: ItemTableKind) {
        switch kind.sizeKnob {
        case "buckets": buckets = nil
        case "qrCollisions": qrCollisions = nil
        case "rank": rank = nil
        case "mixedAlpha": mixedAlpha = nil
        default: break
        }
    }

    /// The settings of a `kind` table on `side` of a model of `itemCount` items (with padding)
    /// and `dimensions` C. The size comes from the size knob, or from the ratio
    /// (``TableSizing``), not both; mixed-dim widths come from α and the training frequencies
    /// over `clusters`.
    /// - Throws: ``RunSpecificationError`` naming the knob at fault.
    public func resolve(_ kind: ItemTableKind, side: TableSide, names: RunSettingNames, itemCount N: Int, dimensions C: Int,
                        clusters: ItemClusters?, frequencies: [Int]) throws -> ItemTableSettings {
        let size = side.size(kind)
        var settings = ItemTableSettings(
            buckets: buckets, hash: hash?.kind ?? Self.defaultHash, qrCollisions: qrCollisions,
            qrOperation: qrOperation?.kind ?? Self.defaultQrOperation, rank: rank, mixedAlpha: mixedAlpha ?? Self.defaultMixedAlpha)
        if kind.variant.usesClusters && clusters == nil {
            throw RunSpecificationError(.cutoffs, "a \(kind.rawValue) \(side.part) needs the popularity buckets (\(names[.cutoffs]))")
        }
        if let ratio {
            guard !hasSize(kind) else {
                throw RunSpecificationError(side.ratio, "\(names[side.ratio]) conflicts with \(names[size]): both size the "
                                            + "\(kind.rawValue) \(side.part); give one")
            }
            do {
                settings = try TableSizing.sized(kind, ratio: ratio, settings: settings, itemCount: N, dimensions: C,
                                                 clusters: clusters, frequencies: frequencies, source: names[side.ratio])
            } catch let error as InputError {
                throw RunSpecificationError(side.ratio, error.description)
            }
        } else if kind.variant.sizeHasDefault || hasSize(kind) {
            settings = kind.variant.completing(settings, dimensions: C, clusters: clusters, frequencies: frequencies)
        } else {
            throw RunSpecificationError(size, "\(names[size]) is missing: a \(kind.rawValue) \(side.part) needs \(names[size]) "
                                        + "or \(names[side.ratio])")
        }
        do {
            try settings.validate(kind, itemCount: N, dimensions: C, clusters: clusters, key: side == .input ? "inputTable" : "outputTable")
        } catch let error as InputError {
            throw RunSpecificationError(size, "\(names[size]): \(error.message)")
        }
        return settings
    }
}
