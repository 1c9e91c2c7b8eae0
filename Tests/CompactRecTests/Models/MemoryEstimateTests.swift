import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

@Suite("Memory estimate")
struct MemoryEstimateTests {
    /// Every input × output × sharing combination on clusters [3, 7, 12, 20] of N = 20.
    static let variants: [ModelConfiguration] = [InputEmbeddingKind.full, .blockAdaptive].flatMap { input in
        [OutputLayerKind.fullSoftmax, .treeSoftmax].flatMap { output in
            SharingScheme.allCases.map { sharing in
                ModelConfiguration(itemCount: 20, embeddingSize: 8, dilations: [1, 2, 4], kernelSize: 3, maxLength: 6,
                                   inputEmbedding: input, outputLayer: output, sharing: sharing, cutoffs: [3, 7, 12, 20],
                                   rankDivisor: 2)
            }
        }
    }

    /// Every compressed table (METHODS §4, §5, and JPQ) as the input and as the output item matrix.
    static let tableVariants: [ModelConfiguration] = {
        let settings: [ItemTableKind: ItemTableSettings] = [
            .memcom: ItemTableSettings(buckets: 7), .hashing: ItemTableSettings(buckets: 5, hash: .multiplicative),
            .qr: ItemTableSettings(qrCollisions: 6), .lowRank: ItemTableSettings(rank: 3),
            .mixedDim: ItemTableSettings(mixedDimensions: [8, 5, 2, 1]), .jpq: ItemTableSettings(jpqSplits: 4),
        ]
        return InputEmbeddingKind.allCases.flatMap { input in
            OutputLayerKind.allCases.compactMap { output -> ModelConfiguration? in
                guard input.table != nil || output.table != nil else { return nil }
                return ModelConfiguration(
                    itemCount: 20, embeddingSize: 8, dilations: [1, 2], kernelSize: 3, maxLength: 6, inputEmbedding: input,
                    outputLayer: output, cutoffs: [3, 7, 12, 20], rankDivisor: 2,
                    inputTable: input.table.flatMap { settings[$0] }, outputTable: output.table.flatMap { settings[$0] })
            }
        }
    }()

    @Test(arguments: variants + tableVariants)
    func theFormulasCountWhatTheBuiltModelHolds(_ configuration: ModelConfiguration) throws {
        try configuration.validate()
        let model = SequentialRecommender(configuration: configuration, seed: 1)
        #expect(ParameterAccounting(configuration: configuration) == ParameterAccounting(model: model))
    }

    @Test func aBlockAdaptiveTreeSoftmaxModelCountedByHand() {
        // N = 20, C = 8, clusters [0,3) [3,7) [7,20), ranks 8, 4, 2 (divisor 2).
        let c = ModelConfiguration(itemCount: 20, embeddingSize: 8, dilations: [1], kernelSize: 2, maxLength: 4,
                                   inputEmbedding: .blockAdaptive, outputLayer: .treeSoftmax, cutoffs: [3, 7, 20], rankDivisor: 2)
        let accounting = ParameterAccounting(configuration: c)
        #expect(accounting.input == 3 * 8 + (4 * 4 + 4 * 8) + (13 * 2 + 2 * 8))
        #expect(accounting.middle == 2 * (2 * 8 * 8 + 8) + 2 * 2 * 8)
        // Head over 3 items and 2 tail nodes; tails C·d_j + d_j·k_j + k_j.
        #expect(accounting.output == 8 * 5 + 5 + (8 * 4 + 4 * 4 + 4) + (8 * 2 + 2 * 13 + 13))
    }

    @Test func aFullSoftmaxTrainingEstimateCountedByHand() {
        let c = ModelConfiguration(itemCount: 1000, embeddingSize: 16, dilations: [1, 2], kernelSize: 3, maxLength: 10)
        let P = ParameterAccounting(configuration: c).total
        let estimate = MemoryEstimate.training(configuration: c, batchSize: 32, threads: 2, validation: true, checkpoints: true)
        #expect(estimate.parameters == 4 * P && estimate.gradients == 4 * P && estimate.optimizer == 8 * P)
        #expect(estimate.bestWeights == 4 * P && estimate.writing == 16 * P)
        // Training rows R = 320; evaluation rows 2560 ≥ 1.5·R size the forward buffers.
        let R = 320, F = 2560, C = 16, blocks = 2
        let forward = F * C + blocks * (5 * F * C + 2 * F * 3 * C + 4 * F)
        let backward = R * C * (6 + 2 * blocks)
        #expect(estimate.activations == 4 * (forward + backward))
        #expect(estimate.outputLayer == 4 * (R * 1000 + 2 * 1000))  // [B·T, N] logits and bias partials
        #expect(estimate.evaluation == 4 * 256 * 1000)
        #expect(estimate.total == 4 * (9 * P + forward + backward + R * 1000 + 2000 + 256 * 1000))
        #expect(estimate.dictionary["total"] == estimate.total)

        let serving = MemoryEstimate.inference(configuration: c, threads: 2)
        #expect(serving.optimizer == 0 && serving.bestWeights == 0 && serving.writing == 0 && serving.parameters == 4 * P)
        #expect(serving.outputLayer == 4 * 2 * 1000)
        #expect(serving.total < estimate.total)
    }

    @Test func theLogitsOfALargeCatalogueDominateAndATreeSoftmaxShrinksThem() {
        var c = ModelConfiguration(itemCount: 1_000_000, embeddingSize: 64, dilations: [1, 4, 1, 4], kernelSize: 3, maxLength: 50)
        let full = MemoryEstimate.training(configuration: c, batchSize: 128, threads: 2, validation: true, checkpoints: false)
        #expect(full.outputLayer >= 128 * 50 * 1_000_000 * 4)  // 25.6 GB of logits
        c.outputLayer = .treeSoftmax
        c.cutoffs = [20_000, 200_000, 1_000_000]
        // Without frequencies every target may fall in the 800,000-item tail.
        let worst = MemoryEstimate.training(configuration: c, batchSize: 128, threads: 2, validation: true, checkpoints: false)
        #expect(worst.outputLayer >= 6400 * 800_000 * 4)
        // A long tail: the last cluster holds about 4 % of the interactions, so its buffers are
        // sized for 2 · 4 % · 6400 + 1024 ≈ 1526 of a batch's 6400 target rows.
        var frequencies = [Int](repeating: 0, count: 1_000_000)
        for i in 1..<20_000 { frequencies[i] = 800 }
        for i in 20_000..<200_000 { frequencies[i] = 20 }
        for i in 200_000..<1_000_000 { frequencies[i] = 1 }
        let tree = MemoryEstimate.training(configuration: c, batchSize: 128, threads: 2, validation: true, checkpoints: false,
                                           frequencies: frequencies)
        let shareOfLastTail = 800_000.0 / Double(frequencies.reduce(0, +))
        let lastTailRows = 2 * shareOfLastTail * 6400 + 1024
        #expect(tree.outputLayer == Int(4 * (6400 * 20_002 + lastTailRows * (3 * 64 + 800_000) + 2 * 2 * 800_000)))
        #expect(tree.outputLayer * 4 < full.outputLayer)
    }

    @Test func anEstimateOverTheAvailableMemoryIsRefusedWithAdvice() throws {
        let c = ModelConfiguration(itemCount: 1000, embeddingSize: 16, dilations: [1, 2], kernelSize: 3, maxLength: 10)
        let estimate = MemoryEstimate.training(configuration: c, batchSize: 32, threads: 2, validation: false, checkpoints: false)
        try estimate.check(availableBytes: estimate.total)
        try estimate.check(availableBytes: nil)
        let error = try #require(throws: InputError.self) { try estimate.check(availableBytes: estimate.total - 1) }
        #expect(error.message.contains(MemoryEstimate.format(estimate.total)), "\(error)")
        #expect(error.message.contains("--batch-size") && error.message.contains("--ignore-memory-limit"), "\(error)")
    }

    @Test func hugeSettingsSaturateInsteadOfOverflowing() {
        let c = ModelConfiguration(itemCount: ModelConfiguration.Limits.itemCount, embeddingSize: ModelConfiguration.Limits.embeddingSize,
                                   dilations: [1], kernelSize: NextItNetConfiguration.Limits.kernelSize, maxLength: ModelConfiguration.Limits.maxLength)
        #expect((try? c.validate()) != nil)
        let estimate = MemoryEstimate.training(configuration: c, batchSize: Int.max / 2, threads: 2, validation: true, checkpoints: true)
        #expect(estimate.total == Int.max)
        #expect(estimate.parameters > 0 && estimate.parameters < Int.max)
    }

    @Test func sizesAreWrittenForPeople() {
        #expect(MemoryEstimate.format(512) == "512 bytes")
        #expect(MemoryEstimate.format(1536) == "1.5 KiB")
        #expect(MemoryEstimate.format(3 << 30) == "3.0 GiB")
    }

    @Test func memAvailableIsReadFromMeminfo() {
        let text = "MemTotal:       24576000 kB\nMemFree:        20000000 kB\nMemAvailable:   22000000 kB\nBuffers: 1 kB\n"
        #expect(MachineInfo.availableMemory(meminfo: text) == 22_000_000 * 1024)
        #expect(MachineInfo.availableMemory(meminfo: "MemTotal: 1 kB\n") == nil)
        #if os(Linux)
        #expect((MachineInfo.availableMemoryBytes ?? 0) > 0)
        #endif
    }
}
