/// NextItNet's stack of residual blocks of dilated causal convolutions.
///
/// A block with dilation `r` computes
///
///     h = ReLU(LayerNorm(CausalConv(x, dilation: r)))
///     h = ReLU(LayerNorm(CausalConv(h, dilation: 2r)))
///     out = x + h
///
/// `dilations: [1, 4, 1, 4]` gives four blocks whose convolutions dilate 1,2 · 4,8 · 1,2 · 4,8.
public final class NextItNet: SequenceEncoder {
    public let dimensions: Int
    public let blocks: [ResidualBlock]
    package var batch = 0
    package var length = 0
    /// [B, T, C]: the forward input, kept for backward.
    package var input: UnsafePointer<Float>?
    /// [B, T, C]: gradient scratch passed between blocks.
    package let gradientA = Workspace(), gradientB = Workspace()
    /// forwardLast's bottom input rows, and its plans by length.
    private let lastInput = Workspace()
    private var lastPositionPlans: [Int: LastPositionPlan] = [:]

    /// Builds the stack; `convolution(block, position)` supplies each block's two convolutions,
    /// which is where weight-sharing schemes hook in.
    public init(
        dimensions: Int, dilations: [Int], kernelSize: Int, layerNormEpsilon: Float = 1e-5,
        convolution: (_ block: Int, _ position: Int, _ dilation: Int) -> CausalConv1d
    ) {
        precondition(!dilations.isEmpty, "NextItNet needs at least one block")
        self.dimensions = dimensions
        blocks = dilations.enumerated().map { i, r in
            ResidualBlock(
                conv1: convolution(i, 0, r), conv2: convolution(i, 1, 2 * r),
                norm1: LayerNorm(channels: dimensions, epsilon: layerNormEpsilon),
                norm2: LayerNorm(channels: dimensions, epsilon: layerNormEpsilon))
        }
    }

    /// A stack where every convolution has its own weights.
    public convenience init(
        dimensions: Int, dilations: [Int], kernelSize: Int, layerNormEpsilon: Float = 1e-5,
        rng: inout SeededGenerator
    ) {
        var convs: [CausalConv1d] = []
        for r in dilations {
            convs.append(CausalConv1d(channels: dimensions, kernelSize: kernelSize, dilation: r, rng: &rng))
            convs.append(CausalConv1d(channels: dimensions, kernelSize: kernelSize, dilation: 2 * r, rng: &rng))
        }
        self.init(dimensions: dimensions, dilations: dilations, kernelSize: kernelSize,
                  layerNormEpsilon: layerNormEpsilon) { block, position, _ in convs[2 * block + position] }
    }

    /// A replica: the same weights, shared and only read, with scratch of its own (see `Replica`).
    public init(replicating other: NextItNet) {
        dimensions = other.dimensions
        blocks = other.blocks.map { ResidualBlock(conv1: $0.conv1.replica(), conv2: $0.conv2.replica(),
                                                  norm1: $0.norm1.replica(), norm2: $0.norm2.replica()) }
    }

    public func replica() -> Self { NextItNet(replicating: self) as! Self }

    public func namedWeights(prefix: String) -> [NamedWeight] {
        blocks.enumerated().flatMap { i, block in block.namedWeights(prefix: join(prefix, "blocks.\(i)")) }
    }

    public func forward(input: UnsafePointer<Float>, ids: UnsafePointer<Int32>, batch B: Int, length T: Int) -> UnsafePointer<Float> {
        forward(input: input, batch: B, length: T)
    }

    /// The stack over [B, T, C]; padding needs no ids here, its embeddings are zeros.
    public func forward(input: UnsafePointer<Float>, batch B: Int, length T: Int) -> UnsafePointer<Float> {
        batch = B
        length = T
        self.input = input
        var x = input
        for block in blocks { x = block.forward(input: x, batch: B, length: T) }
        return x
    }

    public func forwardLast(input: UnsafePointer<Float>, ids: UnsafePointer<Int32>, batch B: Int, length T: Int) -> UnsafePointer<Float> {
        forwardLast(input: input, batch: B, length: T)
    }

    public func forwardLast(input: UnsafePointer<Float>, batch B: Int, length T: Int) -> UnsafePointer<Float> {
        let plan = lastPositionPlan(length: T)
        let C = dimensions, first = plan.blocks[0].inputs
        // The bottom block's input rows, compact: [B, first.count, C].
        let x0 = lastInput.ensure(B * first.count * C)
        for s in 0..<B {
            for (i, t) in first.enumerated() { (x0 + (s * first.count + i) * C).update(from: input + (s * T + t) * C, count: C) }
        }
        var x = UnsafePointer(x0)
        for (block, part) in zip(blocks, plan.blocks) {
            x = part.isComplete(length: T)
                ? block.forward(input: x, batch: B, length: T) : block.forwardAt(input: x, plan: part, batch: B)
        }
        return x  // the top block's only output position is T − 1: [B, C]
    }

    /// The plan for length T, built once per length (like the workspaces, not for concurrent callers).
    func lastPositionPlan(length T: Int) -> LastPositionPlan {
        if let plan = lastPositionPlans[T] { return plan }
        let plan = LastPositionPlan(
            length: T, dilations: blocks.map { ($0.conv1.dilation, $0.conv2.dilation) }, kernelSize: blocks[0].conv1.kernelSize)
        lastPositionPlans[T] = plan
        return plan
    }

}

/// One residual block: two (conv → LayerNorm → ReLU) steps and a skip connection.
public final class ResidualBlock: WeightContainer {
    public let conv1: CausalConv1d, conv2: CausalConv1d
    public let norm1: LayerNorm, norm2: LayerNorm
    package var batch = 0, length = 0
    // Activations of the last forward, each [B, T, C].
    package let conv1Out = Workspace(), hidden1 = Workspace()
    package let conv2Out = Workspace(), hidden2 = Workspace()
    private let out = Workspace()
    // Gradient scratch, each [B, T, C].
    package let gradA = Workspace(), gradB = Workspace()

    init(conv1: CausalConv1d, conv2: CausalConv1d, norm1: LayerNorm, norm2: LayerNorm) {
        self.conv1 = conv1
        self.conv2 = conv2
        self.norm1 = norm1
        self.norm2 = norm2
    }

    public func namedWeights(prefix: String) -> [NamedWeight] {
        conv1.namedWeights(prefix: join(prefix, "conv1")) + norm1.namedWeights(prefix: join(prefix, "ln1"))
            + conv2.namedWeights(prefix: join(prefix, "conv2")) + norm2.namedWeights(prefix: join(prefix, "ln2"))
    }

    /// The last forward's output, [B, T, C].
    package var output: UnsafePointer<Float> { UnsafePointer(out.data) }

    func forward(input x: UnsafePointer<Float>, batch B: Int, length T: Int) -> UnsafePointer<Float> {
        batch = B
        length = T
        let rows = B * T, size = rows * conv1.channels
        let c1 = conv1Out.ensure(size), h1 = hidden1.ensure(size)
        let c2 = conv2Out.ensure(size), h2 = hidden2.ensure(size), y = out.ensure(size)
        conv1.forward(input: x, batch: B, length: T, output: c1)
        norm1.forward(input: c1, rows: rows, output: h1)
        ReLU.forward(h1, count: size)
        conv2.forward(input: h1, batch: B, length: T, output: c2)
        norm2.forward(input: c2, rows: rows, output: h2)
        ReLU.forward(h2, count: size)
        y.update(from: x, count: size)
        Kernels.add(h2, into: y, count: size)
        return UnsafePointer(y)
    }

    /// The block at `plan`'s positions only (serving): input [B, plan.inputs.count, C] compact,
    /// returns [B, plan.outputs.count, C]. Overwrites the activations kept for backward.
    func forwardAt(input x: UnsafePointer<Float>, plan: LastPositionPlan.Block, batch B: Int) -> UnsafePointer<Float> {
        let C = conv1.channels, R = plan.inputs.count, Q = plan.hidden.count, P = plan.outputs.count
        let c1 = conv1Out.ensure(B * Q * C), h1 = hidden1.ensure(B * Q * C)
        let c2 = conv2Out.ensure(B * P * C), h2 = hidden2.ensure(B * P * C), y = out.ensure(B * P * C)
        conv1.forward(input: x, inputRows: R, sources: plan.conv1Sources, outputRows: Q, batch: B, output: c1)
        norm1.forward(input: c1, rows: B * Q, output: h1)
        ReLU.forward(h1, count: B * Q * C)
        conv2.forward(input: h1, inputRows: Q, sources: plan.conv2Sources, outputRows: P, batch: B, output: c2)
        norm2.forward(input: c2, rows: B * P, output: h2)
        ReLU.forward(h2, count: B * P * C)
        for s in 0..<B {
            for (o, source) in plan.residualSources.enumerated() {
                let row = y + (s * P + o) * C
                row.update(from: x + (s * R + Int(source)) * C, count: C)
                Kernels.add(h2 + (s * P + o) * C, into: row, count: C)
            }
        }
        return UnsafePointer(y)
    }

}
