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
        settings.inputEmbedding = "memcom"
        settings.inputRatio = 16
        settings.hash = "multiplicative"
        settings.outputLayer = "qr"
        settings.outputQrCollisions = 32
        settings.outputQrOperation = "add"
        #expect(settings.unsupported() == nil)
        let c = try settings.modelConfiguration(itemCount: N, frequencies: frequencies, maxLength: 20)
        #expect(c.inputTable == ItemTableSettings(buckets: 47, hash: .multiplicative))
        #expect(c.outputTable == ItemTableSettings(qrCollisions: 32, qrOperation: .add))

        settings.outputHash = "sha256"
        #expect(settings.unsupported()?.key == "outputHash")
        settings.outputHash = nil
        settings.buckets = 10
        #expect { _ = try settings.modelConfiguration(itemCount: N, frequencies: frequencies, maxLength: 20) } throws: {
            ($0 as? ExperimentSettingError)?.key == "inputRatio"
        }
        // Settings without table keys keep their fingerprints: nothing new is encoded.
        let encoded = try String(decoding: JSONEncoder().encode(ExperimentSettings()), as: UTF8.self)
        #expect(!encoded.contains("\"hash\"") && !encoded.contains("outputRatio") && !encoded.contains("mixedAlpha"))
    }
}
