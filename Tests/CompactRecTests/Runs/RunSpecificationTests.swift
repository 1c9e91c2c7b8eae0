import Foundation
import CompactRecTestSupport
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// The run specification's defaults, its checks, and the pipeline that runs it.
@Suite("RunSpecification")
struct RunSpecificationTests {
    /// Every default in one place: a change here changes what `train` and every plan run.
    @Test func theDefaultsAreTheOnesDocumented() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        #expect(String(decoding: try encoder.encode(RunSpecification.defaults), as: UTF8.self) == """
            {"data":{"format":"auto","validation":true},"model":{"cutoffs":"auto:3","dilations":[1,4,1,4],"dropout":0.5,\
            "embeddingSize":64,"encoder":"nextitnet","heads":2,"innerSize":256,"inputEmbedding":"full","inputTable":{},\
            "kernelSize":3,"layers":2,"maxLength":50,"outputLayer":"full-softmax","outputTable":{},"rankDivisor":4,"sharing":"none"},"training":{"batchSize":128,"distillWeight":0.5,"epochs":10,"learningRate":0.003,\
            "seed":1,"temperature":1,"trainWindows":true,"weightDecay":0}}
            """)
        // The runtime's conveniences agree with them but for the learning rate, whose runtime
        // default is what a bundle written without one meant (0.001).
        var options = TrainingOptions()
        options.learningRate = 0.003
        #expect(RunSpecification.defaults.trainingOptions == options)
        #expect((TableSpecification.defaultHash, TableSpecification.defaultQrOperation, TableSpecification.defaultMixedAlpha)
                == (.modulo, .multiply, 0.3))
    }

    @Test func aSettingLeftAtItsDefaultNeedNotApplyButOneGivenMust() throws {
        var specification = RunSpecification()
        specification.model.cutoffs = "2000,10000"
        specification.model.rankDivisor = 2
        try specification.validate(given: [], names: .planKeys)
        #expect { try specification.validate(given: [.cutoffs], names: .planKeys) } throws: {
            ($0 as? RunSpecificationError)?.setting == .cutoffs
        }
        specification.model.outputLayer = VariantName(.treeSoftmax)
        try specification.validate(given: [.cutoffs, .rankDivisor, .outputLayer], names: .planKeys)
        // Given at a value every model takes, a setting always applies.
        // (Distillation's weight and temperature need a teacher: see DistillationTests.)
        let everyModels = RunSetting.allCases.filter { $0.scope == nil && $0.encoderScope == nil && ![.distillWeight, .temperature].contains($0) }
        try specification.validate(given: Set(everyModels), names: .planKeys)
    }

    @Test func eachBackboneTakesItsOwnSettingsAndSASRecTiesItsTables() throws {
        var specification = RunSpecification()
        #expect { try specification.validate(given: [.layers], names: .planKeys) } throws: {
            ($0 as? RunSpecificationError)?.setting == .layers && "\($0)".contains("applies to a sasrec encoder, and the encoder is nextitnet")
        }
        #expect(!specification.model.tiesEmbeddings)
        specification.model.encoder = VariantName(.sasrec)
        try specification.validate(given: [.encoder, .layers, .heads, .innerSize, .dropout], names: .planKeys)
        #expect { try specification.validate(given: [.encoder, .dilations], names: .planKeys) } throws: {
            ($0 as? RunSpecificationError)?.setting == .dilations
        }
        #expect(specification.model.tiesEmbeddings)
        let configuration = try specification.modelConfiguration(itemCount: 30, frequencies: Array(repeating: 1, count: 30),
                                                                 given: [.encoder], names: .planKeys)
        #expect(configuration.tiedEmbeddings && configuration.encoder == .sasRec(SASRecConfiguration()))
        specification.model.heads = 5
        #expect { try specification.validate(given: [.encoder, .heads], names: .planKeys) } throws: {
            ($0 as? RunSpecificationError)?.setting == .heads
        }
        specification.model.heads = 2
        // A compressed side cannot be tied: not by default, and an error when asked for.
        specification.model.outputLayer = VariantName(.memcom)
        #expect(!specification.model.tiesEmbeddings)
        specification.model.tieEmbeddings = true
        #expect { try specification.validate(given: [.encoder, .tieEmbeddings], names: .planKeys) } throws: {
            ($0 as? RunSpecificationError)?.setting == .tieEmbeddings
        }
    }

    @Test func theChecksNameTheSettingAsTheUserWroteIt() {
        var specification = RunSpecification()
        specification.training.batchSize = 0
        #expect(throws: RunSpecificationError(.batchSize, "batchSize must be at least 1; got 0")) {
            try specification.validate(given: [.batchSize], names: .planKeys)
        }
        specification.training.batchSize = 1
        specification.model.dilations = [1, 0]
        #expect(throws: RunSpecificationError(.dilations, "dilations must each be from 1 to 65536; got 0")) {
            try specification.validate(given: [], names: .planKeys)
        }
        specification.model.dilations = [1]
        specification.model.sharing = "cross-everything"
        #expect(specification.unsupportedVariant()?.setting == .sharing)
        #expect(throws: RunSpecificationError(.file, "file is missing: a run needs a data file")) {
            _ = try TrainingRun(RunSpecification(), given: [], names: .planKeys)
        }
    }

    /// 30 users of 25 items each, T = 5, no validation: each trains on its first 24 items.
    @Test func theRunReadsTheDataCutsItsWindowsTrainsAndEvaluates() throws {
        let directory = try DataTestDirectory()
        let lines = (1...30).map { user in "\(user) " + (0..<25).map { String(($0 * 7 + user) % 40 + 1) }.joined(separator: " ") }
        var specification = RunSpecification()
        specification.data.file = try directory.write("users.txt", lines.joined(separator: "\n") + "\n")
        specification.data.format = .userSeq
        specification.data.validation = false
        specification.model.embeddingSize = 8
        specification.model.dilations = [1, 2]
        specification.model.maxLength = 5
        specification.training.epochs = 1
        specification.training.batchSize = 32
        specification.training.trainWindows = false
        let plain = try TrainingRun(specification, given: [.trainWindows], names: .planKeys)
        #expect(try plain.loadData().train.count == 30)
        specification.training.trainWindows = true
        let windowed = try TrainingRun(specification, given: [.trainWindows], names: .planKeys)
        let data = try windowed.loadData()
        // 23 targets a history, 5 a window of 6 items: 5 windows each.
        #expect(data.train.count == 30 * 5 && data.test.count == 30)

        let outcome = try windowed.perform(data: data)
        #expect(outcome.metrics.count == 30 && outcome.training.epochs.count == 1 && outcome.model.configuration.maxLength == 5)
        // The same specification, the same model.
        #expect(try windowed.perform(data: data).metrics == outcome.metrics)
        #expect(windowed.dataSummary(data)["training_sequences"] == "150" && windowed.dataSummary(data)["format"] == "user-seq")
    }
}
