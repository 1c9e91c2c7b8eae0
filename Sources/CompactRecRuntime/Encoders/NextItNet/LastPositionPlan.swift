// Which positions each layer of a NextItNet must compute when only the last position's output is
// wanted (evaluation and recommendation). Shape legend: B batch, T length, C channels, k taps.

/// The receptive field of a NextItNet's last position, layer by layer.
///
/// Training needs every position's output; serving needs only position `T − 1`. Walking down
/// from it, a convolution with dilation `r` needs its input at `t, t − r, …, t − (k−1)·r` for
/// every output `t` it must produce, and a block's skip connection needs its input at the
/// block's outputs. The upper blocks of a dilated stack therefore need only a few positions:
/// with dilations 1,4,1,4 (convolutions 1,2 · 4,8 · 1,2 · 4,8), k = 3 and T = 20, the four
/// blocks compute 20+20, 20+20, 10+5 and 3+1 rows instead of 8 × 20.
///
/// Positions are ascending; a block's activations are held compactly, one row per listed
/// position, and a source of −1 is a position before the sequence start (zeros).
struct LastPositionPlan: Sendable, Equatable {
    struct Block: Sendable, Equatable {
        /// Positions of the block's input rows held: [B, inputs.count, C].
        var inputs: [Int]
        /// Positions at which the first convolution (and its norm) is computed.
        var hidden: [Int]
        /// Positions of the block's outputs: [B, outputs.count, C].
        var outputs: [Int]
        /// [hidden.count · k]: for hidden row q and tap j, the input row at `hidden[q] − j·r₁`.
        var conv1Sources: [Int32]
        /// [outputs.count · k]: for output row o and tap j, the hidden row at `outputs[o] − j·r₂`.
        var conv2Sources: [Int32]
        /// [outputs.count]: the input row each output adds (the skip connection).
        var residualSources: [Int32]

        /// Whether the block computes every position, so the full forward serves it as well.
        func isComplete(length T: Int) -> Bool { inputs.count == T && hidden.count == T && outputs.count == T }
    }

    let length: Int
    let blocks: [Block]

    /// `dilations`: each block's two convolution dilations, bottom block first.
    init(length T: Int, dilations: [(Int, Int)], kernelSize k: Int) {
        precondition(T >= 1 && k >= 1)
        func taps(_ positions: [Int], _ r: Int) -> [Int] {
            Array(Set(positions.flatMap { t in (0..<k).map { t - $0 * r }.filter { $0 >= 0 } })).sorted()
        }
        func rows(_ positions: [Int]) -> [Int: Int32] {
            Dictionary(uniqueKeysWithValues: positions.enumerated().map { ($1, Int32($0)) })
        }
        func sources(_ outputs: [Int], from inputs: [Int], _ r: Int) -> [Int32] {
            let row = rows(inputs)
            return outputs.flatMap { t in (0..<k).map { j in t - j * r < 0 ? -1 : row[t - j * r]! } }
        }
        var outputs = [T - 1]
        var blocks: [Block] = []
        for (r1, r2) in dilations.reversed() {
            let hidden = taps(outputs, r2)
            let inputs = Array(Set(taps(hidden, r1) + outputs)).sorted()
            let inputRow = rows(inputs)
            blocks.append(Block(
                inputs: inputs, hidden: hidden, outputs: outputs,
                conv1Sources: sources(hidden, from: inputs, r1), conv2Sources: sources(outputs, from: hidden, r2),
                residualSources: outputs.map { inputRow[$0]! }))
            outputs = inputs
        }
        length = T
        self.blocks = blocks.reversed()
    }

    /// Convolution rows computed, over both convolutions of every block: what serving pays
    /// against `2 · blocks · T` for the full forward.
    var convolutionRows: Int { blocks.reduce(0) { $0 + $1.hidden.count + $1.outputs.count } }
}
