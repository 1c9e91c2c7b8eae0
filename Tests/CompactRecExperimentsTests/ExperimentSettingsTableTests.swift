import CompactRec
import Foundation
import Testing

@testable import CompactRecExperiments

/// A plan's table keys become the same model settings as the command line's flags.
@Suite("ExperimentSettings, item tables")
struct ExperimentSettingsTableTests {
    static let N = 1001
    static let frequencies = [0] + (1..<1001).map { 2000 / $0 }
    let N = Self.N, frequencies = Self.frequencies

    @Test func planSettingsBuildTheTablesAsTheCommandLineDoes() throws {
        var settings = ExperimentSettings()
        settings.model.inputEmbedding = "memcom"
        settings.model.inputTable.ratio = 16
        settings.model.inputTable.hash = "multiplicative"
        settings.model.outputLayer = "qr"
        settings.model.outputTable.qrCollisions = 32
        settings.model.outputTable.qrOperation = "add"
        #expect(settings.specification.unsupportedVariant() == nil)
        let c = try settings.configuration(itemCount: N, frequencies: frequencies, maxLength: 20)
        #expect(c.inputTable == ItemTableSettings(buckets: 47, hash: .multiplicative))
        #expect(c.outputTable == ItemTableSettings(qrCollisions: 32, qrOperation: .add))

        settings.model.outputTable.hash = "sha256"
        #expect(settings.specification.unsupportedVariant()?.setting?.key == "outputHash")
        settings.model.outputTable.hash = nil
        settings.model.inputTable.buckets = 10
        #expect { _ = try settings.configuration(itemCount: N, frequencies: frequencies, maxLength: 20) } throws: {
            ($0 as? RunSpecificationError)?.setting?.key == "inputRatio"
        }
        // Settings without table keys keep their fingerprints: nothing new is encoded.
        let encoded = try String(decoding: JSONEncoder().encode(ExperimentSettings()), as: UTF8.self)
        #expect(!encoded.contains("\"hash\"") && !encoded.contains("outputRatio") && !encoded.contains("mixedAlpha"))
    }
}
