import CompactRecRuntime

/// Knowledge distillation from a trained teacher (Hinton et al. 2015; OD-Rec, SIGIR 2022, for
/// on-device recommenders): the student's loss at a position is
///
///     (1 − α)·CE(softmax(z), target) + α·τ²·KL(softmax(z_T / τ) ‖ softmax(z / τ))
///
/// over all N items, with `z` the student's logits, `z_T` the teacher's, `α` the `weight` and `τ`
/// the `temperature` (τ² keeps the soft term's gradient on the scale of the hard one's).
///
/// The teacher runs forward only, on the same batch, at the positions that carry a target; its
/// logits exist for one batch at a time and are never stored for the data set. Any bundle
/// trained on the same catalogue can teach; its output's scores are logits or log-probabilities,
/// which give the same softmax.
public final class Teacher {
    public let model: SequentialRecommender
    /// α: the share of the loss that is the KL term.
    public let weight: Float
    /// τ: both distributions are softened by it.
    public let temperature: Float
    /// [B, T, C_T]: the teacher's embedded inputs; [M, C_T] its hidden rows at the targets.
    private let embedded = Workspace(), targetHidden = Workspace()
    /// [M, N]: the teacher's logits at the targets (overwritten by the loss as scratch).
    private let logits = Workspace()

    public init(model: SequentialRecommender, weight: Float, temperature: Float) {
        precondition(weight >= 0 && weight <= 1 && temperature > 0, "α in [0, 1] and τ > 0")
        self.model = model
        self.weight = weight
        self.temperature = temperature
    }

    /// The teacher's logits `[M, N]` at the positions of `inputs` whose target is not padding,
    /// in row order (as the student's target rows). inputs, targets: [B, T].
    func logits(inputs: UnsafePointer<Int32>, targets: UnsafePointer<Int32>, batch B: Int, length T: Int, rows M: Int)
        -> UnsafeMutablePointer<Float>
    {
        let C = model.configuration.embeddingSize, N = model.configuration.itemCount
        let x = embedded.ensure(B * T * C)
        model.embedding.forward(ids: inputs, rows: B * T, output: x)
        let h = model.encoder.forward(input: x, ids: inputs, batch: B, length: T)
        let rows = targetHidden.ensure(M * C)
        var m = 0
        for r in 0..<(B * T) where targets[r] != 0 {
            (rows + m * C).update(from: h + r * C, count: C)
            m += 1
        }
        let z = logits.ensure(M * N)
        model.output.scores(hidden: rows, rows: M, output: z)
        return z
    }
}

/// The teacher's side of one batch, as an output layer's loss takes it.
public struct TeacherLogits {
    /// [M, N], used as scratch by the loss.
    public let logits: UnsafeMutablePointer<Float>
    public let weight: Float
    public let temperature: Float
}
