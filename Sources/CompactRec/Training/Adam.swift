import CKernels

/// Adam with bias correction (Kingma & Ba), as `torch.optim.Adam`:
///
///     g += weightDecay · p                      (optional L2 penalty)
///     m = β1·m + (1-β1)·g ;  v = β2·v + (1-β2)·g²
///     p -= lr / (1-β1ᵗ) · m / (sqrt(v) / sqrt(1-β2ᵗ) + ε)
///
/// State is one `m` and one `v` per distinct weight, so a shared weight is updated once.
public final class Adam {
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float
    public var weightDecay: Float
    public let parameters: [Parameter]
    public private(set) var stepCount = 0
    /// First and second moments, aligned with `parameters`.
    public let firstMoments: [Tensor], secondMoments: [Tensor]

    public init(weights: [Weight], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0) {
        var seen = Set<ObjectIdentifier>()
        parameters = weights.filter { seen.insert(ObjectIdentifier($0)).inserted }.map(Parameter.init)
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        firstMoments = self.parameters.map { Tensor(shape: $0.shape) }
        secondMoments = self.parameters.map { Tensor(shape: $0.shape) }
    }

    /// Restores the step count (the moments are restored through `firstMoments`/`secondMoments`).
    public func restore(stepCount: Int) { self.stepCount = stepCount }

    /// One update from the accumulated gradients (which it leaves in place).
    public func step() {
        stepCount += 1
        let t = Float(stepCount)
        let stepSize = learningRate / (1 - _powf(beta1, t))
        let inverseCorrection2 = 1 / (1 - _powf(beta2, t)).squareRoot()
        for (i, p) in parameters.enumerated() {
            let w = p.value.data, g = p.gradient.data
            let m = firstMoments[i].data, v = secondMoments[i].data
            let b1 = beta1, b2 = beta2, eps = epsilon, wd = weightDecay
            Parallel.forEachChunk(p.count, minimumPerThread: 1 << 16) { range in
                let o = range.lowerBound
                ck_adam(w + o, g + o, m + o, v + o, range.count, b1, b2, eps, wd, stepSize, inverseCorrection2)
            }
        }
    }
}

/// Scales all gradients so their global L2 norm is at most `maxNorm`; returns the norm before.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
    var total = 0.0
    for p in parameters { total += Kernels.sumOfSquares(p.gradient.data, count: p.count) }
    let norm = Float(total.squareRoot())
    if norm > maxNorm {
        let factor = maxNorm / (norm + 1e-6)
        for p in parameters { Kernels.scale(p.gradient.data, count: p.count, by: factor) }
    }
    return norm
}
