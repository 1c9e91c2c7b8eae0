import CompactRecRuntime

extension SASRec: TrainableSequenceEncoder {
    public func trainingForward(input: UnsafePointer<Float>, ids: UnsafePointer<Int32>, batch B: Int, length T: Int,
                                dropoutSeed: UInt64) -> UnsafePointer<Float> {
        forward(input: input, ids: ids, batch: B, length: T, dropout: Dropout(rate: configuration.dropout, seed: dropoutSeed))
    }

    /// Backward through the last (training) forward: the blocks from the top, the input dropout
    /// and LayerNorm; accumulates the position table's gradient; writes dInput [B, T, C].
    public func backward(outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>) {
        let B = batch, T = length, C = dimensions, size = B * T * C
        let scratch = [gradientA.ensure(size), gradientB.ensure(size)]
        var upstream = outputGradient
        for l in stride(from: blocks.count - 1, through: 0, by: -1) {
            let blockInput = l == 0 ? UnsafePointer(normalized.data) : blocks[l - 1].output
            blocks[l].backward(input: blockInput, outputGradient: upstream, inputGradient: scratch[l % 2],
                               dropout: dropout?.site(l + 1))
            upstream = UnsafePointer(scratch[l % 2])
        }
        let dz = scratch[0]
        dropout?.site(0).apply(dz, count: size)
        inputNorm.backward(input: positioned.data, outputGradient: dz, rows: B * T, inputGradient: inputGradient)
        let dp = positions.gradient.data + (maxLength - T) * C
        for s in 0..<B { Kernels.add(inputGradient + s * T * C, into: dp, count: T * C) }
    }
}

extension TransformerBlock {
    /// Backward through the last forward (over whole windows): accumulates every parameter's
    /// gradient; writes dInput [B, T, C]. `dropout` is the block's mask of that forward.
    func backward(
        input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>, inputGradient dx: UnsafeMutablePointer<Float>,
        dropout: Dropout?
    ) {
        precondition(queryRows == length, "backward follows a forward over whole windows")
        let C = attention.dimensions, I = feedForwardIn.outputSize, rows = batch * length
        let g1 = gradA.ensure(rows * C), g2 = gradB.ensure(rows * C), gi = innerGradient.ensure(rows * I)
        // y = LayerNorm₂(a + dropout₂(W₂·GELU(W₁·a + b₁) + b₂))
        norm2.backward(input: feedForwardSum.data, outputGradient: dy, rows: rows, inputGradient: g1)
        g2.update(from: g1, count: rows * C)
        dropout?.site(2).apply(g2, count: rows * C)
        feedForwardOut.backward(input: innerOutput.data, rows: rows, outputGradient: g2, inputGradient: gi)
        GELU.backward(input: innerInput.data, outputGradient: gi, inputGradient: gi, count: rows * I)
        feedForwardIn.backward(input: attended.data, rows: rows, outputGradient: gi, inputGradient: g1, accumulate: true)
        // a = LayerNorm₁(x + dropout₁(Attention(x)))
        norm1.backward(input: attentionSum.data, outputGradient: g1, rows: rows, inputGradient: g2)
        dx.update(from: g2, count: rows * C)
        dropout?.site(1).apply(g2, count: rows * C)
        attention.backward(input: x, outputGradient: g2, addingInputGradientTo: dx,
                           dropout: dropout.map { $0.site(0).with(rate: attentionDropout) })
    }
}

extension CausalSelfAttention {
    /// Backward through the last forward (over whole windows). The attention weights are
    /// computed again, one sequence and head at a time, with the forward's dropout mask.
    /// Accumulates the projections' gradients and adds dInput to `dx` [B, T, C].
    func backward(
        input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>, addingInputGradientTo dx: UnsafeMutablePointer<Float>,
        dropout: Dropout?
    ) {
        let B = batch, T = length, C = dimensions, d = headSize, rows = B * T
        let scale = 1 / Float(d).squareRoot()
        let dctx = contextGradient.ensure(rows * C)
        let dq = queriesGradient.ensure(rows * C), dk = keysGradient.ensure(rows * C), dv = valuesGradient.ensure(rows * C)
        output.backward(input: context.data, rows: rows, outputGradient: dy, inputGradient: dctx)
        let q = queries.data, k = keys.data, v = values.data
        forEachSequence(B, buffersPerWorker: 3, squareSize: T * T) { s, scratch in
            let weights = scratch[0], dropped = scratch[1], weightsGradient = scratch[2]
            for h in 0..<heads {
                let offset = s * T * C + h * d
                attentionWeights(sequence: s, head: h, queryRows: T, into: weights)
                dropped.update(from: weights, count: T * T)
                if let dropout { dropWeights(dropped, sequence: s, head: h, queryRows: T, dropout: dropout) }
                // dV_h = dropout(A)ᵀ · dContext_h
                BLAS.gemm(transA: true, m: T, n: d, k: T, a: dropped, lda: T, b: dctx + offset, ldb: C, beta: 0, c: dv + offset, ldc: C)
                // d(dropout(A)) = dContext_h · V_hᵀ, then through the dropout: dA
                BLAS.gemm(transB: true, m: T, n: T, k: d, a: dctx + offset, lda: C, b: v + offset, ldb: C,
                          beta: 0, c: weightsGradient, ldc: T)
                if let dropout { dropWeights(weightsGradient, sequence: s, head: h, queryRows: T, dropout: dropout) }
                // Through the softmax: dS = A ⊙ (dA − Σ_j dA·A), into `dropped`.
                for i in 0..<T {
                    let a = weights + i * T, da = weightsGradient + i * T, ds = dropped + i * T
                    let centre = Kernels.dot(a, da, count: T)
                    for j in 0..<T { ds[j] = a[j] * (da[j] - centre) }
                }
                // dQ_h = scale · dS · K_h;  dK_h = scale · dSᵀ · Q_h
                BLAS.gemm(m: T, n: d, k: T, alpha: scale, a: dropped, lda: T, b: k + offset, ldb: C, beta: 0, c: dq + offset, ldc: C)
                BLAS.gemm(transA: true, m: T, n: d, k: T, alpha: scale, a: dropped, lda: T, b: q + offset, ldb: C,
                          beta: 0, c: dk + offset, ldc: C)
            }
        }
        query.backward(input: x, rows: rows, outputGradient: dq, inputGradient: dx, accumulate: true)
        key.backward(input: x, rows: rows, outputGradient: dk, inputGradient: dx, accumulate: true)
        value.backward(input: x, rows: rows, outputGradient: dv, inputGradient: dx, accumulate: true)
    }
}
