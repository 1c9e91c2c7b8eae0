import CompactRecRuntime

extension NextItNet: TrainableSequenceEncoder {
    /// NextItNet has no dropout: the training forward is the forward.
    public func trainingForward(input: UnsafePointer<Float>, ids: UnsafePointer<Int32>, batch B: Int, length T: Int,
                                dropoutSeed: UInt64) -> UnsafePointer<Float> {
        forward(input: input, batch: B, length: T)
    }

    public func backward(outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>) {
        guard let input else { preconditionFailure("backward before forward") }
        let size = batch * length * dimensions
        var upstream = outputGradient
        let scratch = [gradientA.ensure(size), gradientB.ensure(size)]
        for i in stride(from: blocks.count - 1, through: 0, by: -1) {
            let blockInput = i == 0 ? input : blocks[i - 1].output
            let destination = i == 0 ? inputGradient : scratch[i % 2]
            blocks[i].backward(input: blockInput, outputGradient: upstream, inputGradient: destination)
            upstream = UnsafePointer(destination)
        }
    }
}

extension ResidualBlock {
    /// dInput = dOutput + (the residual branch's backward).
    func backward(input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>, inputGradient dx: UnsafeMutablePointer<Float>) {
        let B = batch, T = length, rows = B * T, size = rows * conv1.channels
        let g1 = gradA.ensure(size), g2 = gradB.ensure(size)
        g1.update(from: dy, count: size)
        ReLU.backward(output: hidden2.data, gradient: g1, count: size)
        norm2.backward(input: conv2Out.data, outputGradient: g1, rows: rows, inputGradient: g2)
        conv2.backward(input: hidden1.data, outputGradient: g2, batch: B, length: T, inputGradient: g1)
        ReLU.backward(output: hidden1.data, gradient: g1, count: size)
        norm1.backward(input: conv1Out.data, outputGradient: g1, rows: rows, inputGradient: g2)
        conv1.backward(input: x, outputGradient: g2, batch: B, length: T, inputGradient: dx)
        Kernels.add(dy, into: dx, count: size)
    }
}
