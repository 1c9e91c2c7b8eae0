import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// The registry of compressed item tables: each kind's descriptor, and what the run
/// specification derives from the descriptors (which settings apply to which tables).
@Suite struct ItemTableVariantTests {
    @Test(arguments: ItemTableKind.allCases)
    func eachKindsDescriptorIsItsOwnAndNamesItsKnobs(kind: ItemTableKind) {
        let variant = kind.variant
        #expect(variant.kind == kind)
        #expect(variant.knobs.contains(variant.sizeKnob) || !variant.sizedByRatio, "\(kind): size knob \(variant.sizeKnob)")
        #expect(kind.inputEmbedding.table == kind && kind.outputLayer.table == kind)
        // Every knob is a run setting on each side, and that setting applies to this table.
        for knob in variant.knobs {
            for side in [TableSide.input, .output] {
                let setting = side.setting(knob: knob)
                #expect(setting.tableKnob?.name == knob)
                let scope = setting.scope
                #expect(side == .input ? scope?.inputs.contains(kind.inputEmbedding) == true
                                       : scope?.outputs.contains(kind.outputLayer) == true, "\(setting) on \(kind)")
            }
        }
    }

    /// The scopes the descriptors give are the ones the run specification always had (its
    /// messages list the tables in this order).
    @Test func theDerivedScopesAreTheSettingsScopes() {
        func scope(_ setting: RunSetting) -> [String] {
            guard let s = setting.scope else { return ["every model"] }
            return s.inputs.map(\.rawValue) + ["|"] + s.outputs.map(\.rawValue)
        }
        #expect(scope(.buckets) == ["memcom", "hashing", "|"])
        #expect(scope(.outputHash) == ["|", "memcom", "hashing"])
        #expect(scope(.qrOperation) == ["qr", "|"])
        #expect(scope(.outputRank) == ["|", "low-rank"])
        #expect(scope(.mixedAlpha) == ["mixed-dim", "|"])
        #expect(scope(.jpqCodes) == ["jpq", "|", "jpq"])
        #expect(scope(.cutoffs) == ["block-adaptive", "mixed-dim", "|", "tree-softmax", "mixed-dim"])
        #expect(scope(.inputRatio) == ["memcom", "hashing", "qr", "low-rank", "mixed-dim", "block-adaptive", "|"])
        #expect(scope(.outputRatio) == ["|", "memcom", "hashing", "qr", "low-rank", "mixed-dim"])
        #expect(scope(.rankDivisor) == ["block-adaptive", "|", "tree-softmax"])
        #expect(scope(.epochs) == ["every model"])
    }

    /// The memory estimate's table term is the descriptor's formula: hashing's `[B, m]` scores
    /// twice plus a weight gradient per worker, QR's materialised table when it is larger.
    @Test func outputScratchFollowsEachFormula() {
        let hashing = ItemTableSettings(buckets: 100)
        #expect(HashingVariant.outputScratchFloats(hashing, itemCount: 1000, dimensions: 8, rows: 10, workers: 2) == 2 * 10 * 100 + 2 * 1000)
        let qr = ItemTableSettings(qrCollisions: 10)
        #expect(QuotientRemainderVariant.outputScratchFloats(qr, itemCount: 1000, dimensions: 8, rows: 10, workers: 2)
                    == max(2 * 1000 * 8, 2 * 10 * (100 + 10)))
        #expect(JPQVariant.outputScratchFloats(ItemTableSettings(jpqSplits: 4), itemCount: 1000, dimensions: 8, rows: 10, workers: 2)
                    == 2 * 10 * 4 * 256)
    }
}
