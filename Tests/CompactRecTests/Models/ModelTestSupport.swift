import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// Fixtures shared by the model, training, evaluation and bundle tests.
enum ModelTestSupport {
    /// A tiny uncompressed NextItNet.
    static func model(
        items N: Int = 11, channels C: Int = 4, dilations: [Int] = [1, 2], kernelSize k: Int = 3,
        length T: Int = 6, seed: UInt64 = 3
    ) -> SequentialRecommender {
        SequentialRecommender(
            configuration: ModelConfiguration(itemCount: N, embeddingSize: C, dilations: dilations, kernelSize: k, maxLength: T),
            seed: seed)
    }

    /// `[B, T]` inputs and targets built row by row with `Batching.fillTrainingRow`.
    static func trainingBatch(_ sequences: [[Int32]], length T: Int) -> (inputs: [Int32], targets: [Int32]) {
        var inputs = [Int32](repeating: -1, count: sequences.count * T)
        var targets = [Int32](repeating: -1, count: sequences.count * T)
        inputs.withUnsafeMutableBufferPointer { x in
            targets.withUnsafeMutableBufferPointer { y in
                for (r, sequence) in sequences.enumerated() {
                    Batching.fillTrainingRow(sequence, length: T, inputs: x.baseAddress! + r * T, targets: y.baseAddress! + r * T)
                }
            }
        }
        return (inputs, targets)
    }

    /// The model's loss for one batch; gradients accumulate as `trainingStep` does.
    static func loss(_ model: SequentialRecommender, _ inputs: [Int32], _ targets: [Int32], batch B: Int, length T: Int) -> Float? {
        model.trainingStep(inputs: inputs, targets: targets, batch: B, length: T)
    }

    /// The encoder's hidden state at every position, `[B·T·C]`: embedding → encoder, as the model runs them.
    static func hiddenStates(_ model: SequentialRecommender, _ inputs: [Int32], batch B: Int, length T: Int) -> [Float] {
        let C = model.configuration.embeddingSize
        let x = Tensor(shape: [B, T, C])
        model.embedding.forward(ids: inputs, rows: B * T, output: x.data)
        let h = inputs.withUnsafeBufferPointer { model.encoder.forward(input: x.data, ids: $0.baseAddress!, batch: B, length: T) }
        return Array(UnsafeBufferPointer(start: h, count: B * T * C))
    }

    /// Output scores `[rows, N]` of hidden rows `[rows, C]`.
    static func scores(_ model: SequentialRecommender, hidden: [Float], rows: Int) -> [Float] {
        let out = Tensor(shape: [rows, model.configuration.itemCount])
        model.output.scores(hidden: hidden, rows: rows, output: out.data)
        return out.values
    }

    /// The model's scores after each history (left-padded / truncated to T), `[cases, N]`.
    static func scores(_ model: SequentialRecommender, histories: [[Int32]]) -> [Float] {
        let T = model.configuration.maxLength, N = model.configuration.itemCount
        var inputs = [Int32](repeating: 0, count: histories.count * T)
        inputs.withUnsafeMutableBufferPointer { x in
            for (r, history) in histories.enumerated() {
                HistoryWindow.fill(history, length: T, row: x.baseAddress! + r * T)
            }
        }
        let out = Tensor(shape: [histories.count, N])
        out.fill(.nan)
        model.scores(inputs: inputs, batch: histories.count, length: T, output: out.data)
        return out.values
    }

    /// Every distinct parameter's values, in `uniqueWeights` order.
    static func weights(_ container: any WeightContainer) -> [[Float]] {
        container.uniqueWeights().map(\.weight.value.values)
    }

    /// Row `r` of a row-major matrix of rows of `width`.
    static func row<Element>(_ values: [Element], _ r: Int, width: Int) -> [Element] {
        let start = r * width
        return Array(values[start..<(start + width)])
    }

    /// Bit patterns, so that comparisons are exact and NaN-safe.
    static func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }
    static func bits(_ values: [[Float]]) -> [[UInt32]] { values.map(bits) }
}
