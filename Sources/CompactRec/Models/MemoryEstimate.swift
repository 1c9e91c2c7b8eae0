/// How much memory a configuration needs, estimated from the shapes before anything is
/// allocated, so that a run too large for the machine stops with a sentence instead of being
/// killed by the kernel an hour in.
///
/// Each part is an upper bound on what the code allocates for it (all Float32, 4 bytes):
/// - `parameters` P values, `gradients` P, `optimizer` Adam's m and v (2P); `bestWeights` a
///   copy of the best epoch's weights when validating (P);
/// - `activations`: what one batch keeps for backward, R = B·T rows: the embedding output and
///   gradient, per residual block five `[R, C]` activations, two `[R, C]` gradients, two conv
///   products `[R, k·C]` and the LayerNorm statistics, the encoder's two `[R, C]` gradient
///   buffers and the `[M, C]` rows that carry a target (M ≤ R); forward buffers are sized for
///   the larger of the training batch and the evaluation batch;
/// - `outputLayer`: a full softmax's `[M, N]` logits (M ≤ B·T; the dominant term for large
///   catalogues) and per-thread bias partials `[threads, N]` (a compressed item matrix's too,
///   plus its own buffers: bucket scores, a materialised QR table, low-rank products); a tree softmax's head logits
///   `[M, c_1 + n − 1]` and one tail's buffers at a time, `[M_j, k_j]` for the M_j targets in
///   tail j: all M at worst, or, given the training frequencies, twice the tail's share of the
///   interactions (plus 1024 rows) — what one batch holds with overwhelming probability;
/// - `evaluation`: the `[256, N]` score buffer of ranking by every item's score (not the tree's);
/// - `writing`: transient copies while saving (a bundle 2P; a checkpoint, whose optimizer file
///   holds m and v, 4P).
///
///     let estimate = MemoryEstimate.training(configuration: config, batchSize: 128, threads: 2,
///                                            validation: true, checkpoints: false)
///     try estimate.check(availableBytes: MachineInfo.availableMemoryBytes)
public struct MemoryEstimate: Sendable, Equatable {
    public var parameters: Int
    public var gradients: Int
    public var optimizer: Int
    public var bestWeights: Int
    public var activations: Int
    public var outputLayer: Int
    public var evaluation: Int
    public var writing: Int

    public var total: Int {
        [parameters, gradients, optimizer, bestWeights, activations, outputLayer, evaluation, writing]
            .reduce(0) { $0.addingReportingOverflow($1).overflow ? .max : $0 + $1 }
    }

    /// The evaluation batch (`Evaluator.evaluate`'s default).
    public static let evaluationBatch = 256

    /// Training with `batchSize` sequences per step: parameters, gradients, Adam, activations
    /// of a training step and of evaluation (validation and the final test), and saving.
    /// `configuration` must be valid.
    /// `frequencies` (per item index, as `Vocabulary.frequencies`) tighten a tree softmax's bound.
    public static func training(
        configuration c: ModelConfiguration, batchSize: Int, threads: Int, validation: Bool, checkpoints: Bool,
        frequencies: [Int]? = nil
    ) -> MemoryEstimate {
        let P = Double(ParameterAccounting(configuration: c).total)
        var estimate = forward(configuration: c, trainingBatch: batchSize, evaluationBatch: evaluationBatch, threads: threads,
                               frequencies: frequencies)
        estimate.parameters = bytes(P)
        estimate.gradients = bytes(P)
        estimate.optimizer = bytes(2 * P)
        estimate.bestWeights = validation ? bytes(P) : 0
        estimate.writing = bytes((checkpoints ? 4 : 2) * P)
        return estimate
    }

    /// Serving and evaluating a trained model: its weights (the model keeps a gradient buffer
    /// per parameter too) and the buffers of ranking `batchSize` histories at a time.
    public static func inference(configuration c: ModelConfiguration, batchSize: Int = evaluationBatch, threads: Int) -> MemoryEstimate {
        let P = Double(ParameterAccounting(configuration: c).total)
        var estimate = forward(configuration: c, trainingBatch: 0, evaluationBatch: batchSize, threads: threads, frequencies: nil)
        estimate.parameters = bytes(P)
        estimate.gradients = bytes(P)
        return estimate
    }

    /// The activation, output-layer and evaluation parts.
    private static func forward(
        configuration c: ModelConfiguration, trainingBatch: Int, evaluationBatch: Int, threads: Int, frequencies: [Int]?
    ) -> MemoryEstimate {
        let T = Double(c.maxLength), C = Double(c.embeddingSize), N = Double(c.itemCount)
        let workers = Double(max(threads, 1))
        // Rows of a training step, and rows the forward buffers grow to: a scratch buffer grows
        // to at least 1.5 times what it held (see `ScratchBuffer`), so evaluation after
        // training may leave it that large.
        let R = Double(trainingBatch) * T, evaluationRows = Double(evaluationBatch) * T
        let forwardRows = evaluationRows > R ? max(evaluationRows, R > 0 ? 1.5 * R : 0) : R

        // Embedding output, then the encoder's activations.
        var floats = forwardRows * C + c.encoder.activationFloats(rows: forwardRows, channels: c.embeddingSize)
        // Backward: the embedding gradient, dHidden, the target rows and their gradient, then the encoder's own.
        floats += R * C * 4 + c.encoder.backwardFloats(rows: R, channels: c.embeddingSize)
        // A compressed input's gathered rows and projections (d_j, r ≤ C).
        if c.inputEmbedding != .full { floats += 2 * forwardRows * C }

        var output = 0.0
        switch c.outputLayer {
        case .fullSoftmax:
            output = R * N + workers * N
        case .treeSoftmax:
            let clusters = c.cutoffs.flatMap { try? ItemClusters(cutoffs: Array($0.dropLast()), itemCount: c.itemCount) }
            let headWidth = Double((clusters?.size(of: 0) ?? c.itemCount) + (clusters.map { $0.count - 1 } ?? 0))
            let rows = max(R, Double(evaluationBatch))
            let total = Double(frequencies?.reduce(0, +) ?? 0)
            // The largest [M_j, C + 2·d_j + k_j] of the tails (d_j ≤ C).
            var tailFloats = 0.0, widestTail = 0.0
            for j in 1..<(clusters?.count ?? 1) {
                let range = clusters!.range(of: j), size = Double(range.count)
                var tailRows = rows
                if let frequencies, frequencies.count == c.itemCount, total > 0 {
                    let share = Double(frequencies[range].reduce(0, +)) / total
                    tailRows = min(rows, 2 * share * rows + 1024)
                }
                tailFloats = max(tailFloats, tailRows * (3 * C + size))
                widestTail = max(widestTail, size)
            }
            // Head logits, one tail's buffers, per-thread bias partials and scratch.
            output = rows * headWidth + tailFloats + 2 * workers * max(headWidth, widestTail)
        case .table(let kind):
            // [M, N] scores and bias partials as a full softmax, plus the table's own buffers.
            let rows = max(R, Double(evaluationBatch))
            output = R * N + workers * N
                + kind.variant.outputScratchFloats(c.outputTable, itemCount: N, dimensions: C, rows: rows,
                                                                    workers: workers)
        }
        let evaluation = c.outputLayer == .treeSoftmax ? 0 : Double(evaluationBatch) * N
        return MemoryEstimate(parameters: 0, gradients: 0, optimizer: 0, bestWeights: 0, activations: bytes(floats),
                              outputLayer: bytes(output), evaluation: bytes(evaluation), writing: 0)
    }

    /// Bytes of `floats` Float32 values, saturating instead of overflowing.
    private static func bytes(_ floats: Double) -> Int {
        let bytes = floats * 4
        return bytes >= Double(Int.max) ? .max : Int(bytes)
    }

    /// The parts by name, in bytes, for `--json`.
    public var dictionary: [String: Int] {
        ["parameters": parameters, "gradients": gradients, "optimizer": optimizer, "best_weights": bestWeights,
         "activations": activations, "output_layer": outputLayer, "evaluation": evaluation, "writing": writing,
         "total": total]
    }

    /// One line for people: the total and its largest parts.
    public var summary: String {
        let weights = optimizer > 0 ? "parameters, gradients and Adam" : "parameters and gradients"
        let parts = [(weights, parameters + gradients + optimizer + bestWeights),
                     ("activations", activations), ("output layer", outputLayer), ("evaluation scores", evaluation),
                     ("saving", writing)]
        return "about \(Self.format(total)) (" + parts.filter { $0.1 > 0 }.map { "\($0.0) \(Self.format($0.1))" }.joined(separator: ", ") + ")"
    }

    /// Throws when the estimate exceeds `availableBytes` (nil: unknown, never throws), with a
    /// sentence saying what to change.
    public func check(availableBytes: Int?) throws {
        guard let availableBytes, total > availableBytes else { return }
        throw InputError(
            source: "memory",
            "this configuration needs \(summary), more than the \(Self.format(availableBytes)) available; "
                + "lower --batch-size or --max-len, use --output-layer tree-softmax for a large catalogue, "
                + "or pass --ignore-memory-limit to try anyway")
    }

    /// `1536` → `1.5 KiB`.
    public static func format(_ bytes: Int) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) bytes" : "\((value * 10).rounded() / 10) \(units[unit])"
    }
}
