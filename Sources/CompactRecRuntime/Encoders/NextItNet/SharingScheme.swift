/// CpRec's layer-wise parameter sharing over NextItNet's residual blocks (METHODS §3.4).
///
/// A shared "weight set" is a convolution's weight **and** bias; LayerNorm gains and biases
/// are never shared. Every convolution keeps its own dilation (`r` or `2r` for its block) and
/// only its parameters are the set's `Weight` objects, so a shared weight's gradient is the
/// sum over its uses (training keeps it: `Gradients`). With blocks numbered from 0 and each block's
/// convolutions `conv1`, `conv2`:
///
/// | scheme           | sets for B blocks | who shares                                          |
/// |------------------|-------------------|-----------------------------------------------------|
/// | `none`           | 2·B               | nobody                                              |
/// | `cross-layer`    | 1                 | every convolution (ALBERT)                          |
/// | `cross-block`    | 2                 | all `conv1`s; all `conv2`s                          |
/// | `adjacent-layer` | B                 | `conv1` and `conv2` of each block                   |
/// | `adjacent-block` | 2·⌈B/2⌉           | blocks (0,1), (2,3), … pairwise, `conv1` with `conv1` and `conv2` with `conv2`; an odd last block keeps its own |
///
/// A shared set appears in `uniqueWeights()` (and so in a bundle) once, under its first
/// use's name: `blocks.0.conv1.weight` for cross-layer, `blocks.0.conv1.*` and
/// `blocks.0.conv2.*` for cross-block, `blocks.{b}.conv1.*` for adjacent-layer,
/// `blocks.{2m}.conv1.*` and `blocks.{2m}.conv2.*` for adjacent-block.
///
///     let encoder = NextItNet(dimensions: 64, dilations: [1, 4, 1, 4], kernelSize: 3,
///                             sharing: .crossBlock, rng: &rng)
public enum SharingScheme: String, Codable, Sendable, CaseIterable {
    case none
    case crossLayer = "cross-layer"
    case crossBlock = "cross-block"
    case adjacentLayer = "adjacent-layer"
    case adjacentBlock = "adjacent-block"

    /// The weight set that convolution `position` (0 for `conv1`, 1 for `conv2`) of `block`
    /// uses. Sets are numbered in order of first use, so they are `0..<weightSetCount(blocks:)`.
    public func weightSet(block: Int, position: Int) -> Int {
        precondition(block >= 0 && (position == 0 || position == 1))
        switch self {
        case .none: return 2 * block + position
        case .crossLayer: return 0
        case .crossBlock: return position
        case .adjacentLayer: return block
        case .adjacentBlock: return 2 * (block / 2) + position
        }
    }

    /// How many distinct convolution weight sets a stack of `blocks` blocks holds.
    public func weightSetCount(blocks: Int) -> Int {
        precondition(blocks >= 1)
        switch self {
        case .none: return 2 * blocks
        case .crossLayer: return 1
        case .crossBlock: return 2
        case .adjacentLayer: return blocks
        case .adjacentBlock: return 2 * ((blocks + 1) / 2)
        }
    }

    /// The `2 × blocks` convolutions of a NextItNet, in order (block 0 conv1, block 0 conv2,
    /// block 1 conv1, …), convolution `2b + p` dilating `dilations[b] · (p + 1)`.
    ///
    /// Each set is initialised as `CausalConv1d`'s own initialiser does (U(±1/sqrt(C·k)) for
    /// weight and bias), drawn from `rng` when first used; so `.none` draws exactly what
    /// `NextItNet(dimensions:dilations:kernelSize:rng:)` draws.
    public func convolutions(dilations: [Int], channels C: Int, kernelSize k: Int, rng: inout SeededGenerator) -> [CausalConv1d] {
        var sets: [CausalConv1d] = []
        var convolutions: [CausalConv1d] = []
        for (block, r) in dilations.enumerated() {
            for position in 0..<2 {
                let set = weightSet(block: block, position: position), dilation = r * (position + 1)
                if set == sets.count {
                    let first = CausalConv1d(channels: C, kernelSize: k, dilation: dilation, rng: &rng)
                    sets.append(first)
                    convolutions.append(first)
                } else {
                    convolutions.append(CausalConv1d(channels: C, kernelSize: k, dilation: dilation,
                                                     weight: sets[set].weight, bias: sets[set].bias))
                }
            }
        }
        return convolutions
    }

    /// The middle layers' parameter count (METHODS §3.4 and §6): each distinct convolution set
    /// `k·C·C + C`, plus two LayerNorms of `2C` per block, never shared.
    public static func middleParameterCount(scheme: SharingScheme, blocks: Int, channels C: Int, kernelSize k: Int) -> Int {
        scheme.weightSetCount(blocks: blocks) * (k * C * C + C) + blocks * 2 * (2 * C)
    }
}

extension NextItNet {
    /// A stack whose convolutions share weights by `sharing` (`.none`: the same weights as
    /// `init(dimensions:dilations:kernelSize:layerNormEpsilon:rng:)` for the same generator).
    public convenience init(
        dimensions C: Int, dilations: [Int], kernelSize k: Int, layerNormEpsilon: Float = 1e-5,
        sharing: SharingScheme, rng: inout SeededGenerator
    ) {
        let convolutions = sharing.convolutions(dilations: dilations, channels: C, kernelSize: k, rng: &rng)
        self.init(dimensions: C, dilations: dilations, kernelSize: k, layerNormEpsilon: layerNormEpsilon) { block, position, dilation in
            let conv = convolutions[2 * block + position]
            precondition(conv.dilation == dilation)
            return conv
        }
    }
}
