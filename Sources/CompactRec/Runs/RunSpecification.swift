/// Everything that decides a training run: the data, the model and how to train it, with
/// every default here and nowhere else. `compactrec train` decodes it from its flags and an
/// experiment plan from each configuration's keys; ``TrainingRun`` checks it once and runs it.
///
/// Which settings the user gave, rather than left to these defaults, travels beside it as a
/// set of ``RunSetting``s: a setting given for a model it does not apply to is an error.
///
/// The defaults of the runtime's types (``ModelConfiguration``, ``ItemTableSettings``) are a
/// different thing: what a model bundle that lacks a key meant when it was written.
///
///     var specification = RunSpecification()
///     specification.data.file = "beauty.txt.gz"
///     specification.model.inputEmbedding = VariantName(.memcom)
///     specification.model.inputTable.ratio = 16
///     let run = try TrainingRun(specification, given: [.inputEmbedding, .inputRatio], names: .planKeys)
public struct RunSpecification: Codable, Equatable, Sendable {
    public var data = DataSpecification()
    public var model = ModelSpecification()
    public var training = TrainingSpecification()

    public init() {}

    /// Every setting at its default.
    public static let defaults = RunSpecification()
}

/// Where the sequences come from and how they are split.
public struct DataSpecification: Codable, Equatable, Sendable {
    /// The interaction file; a run needs one.
    public var file: String?
    /// A separate test file of sessions.
    public var test: String?
    public var format = DataFormat.auto
    /// Hold out a validation item per user (per-user data) or the last 5 % of sessions.
    public var validation = true

    public init() {}
}

/// The model's shape and its compression variants.
public struct ModelSpecification: Codable, Equatable, Sendable {
    /// C (the paper's d).
    public var embeddingSize = 64
    /// T, the longest history read.
    public var maxLength = 50
    /// The backbone: nextitnet or sasrec.
    public var encoder = VariantName(EncoderKind.nextitnet)
    /// NextItNet's residual blocks, one dilation each, its kernel size and CpRec's sharing of them.
    public var dilations = [1, 4, 1, 4]
    public var kernelSize = 3
    public var sharing = VariantName(SharingScheme.none)
    /// SASRec's Transformer blocks, attention heads and feed-forward width (RecBole's defaults).
    public var layers = 2
    public var heads = 2
    public var innerSize = 256
    /// SASRec's dropout, on hidden states and on attention weights alike (training only).
    public var dropout = 0.5
    /// Whether the output scores with the input table itself (full and full softmax, or jpq
    /// and jpq); nil is the backbone's custom (``tiesEmbeddings``).
    public var tieEmbeddings: Bool?

    /// Whether the model ties its tables: as asked, else as the backbone's papers do (SASRec
    /// ties, NextItNet does not) where both sides can be one table (``tablesCanTie``).
    public var tiesEmbeddings: Bool {
        tieEmbeddings ?? ((encoder.kind?.tiesTablesByDefault ?? false) && tablesCanTie)
    }

    /// Whether input and output can be one table: full and full softmax, or jpq and jpq.
    public var tablesCanTie: Bool {
        (inputEmbedding.kind == .full && outputLayer.kind == .fullSoftmax) || (inputEmbedding.kind == .jpq && outputLayer.kind == .jpq)
    }
    public var inputEmbedding = VariantName(InputEmbeddingKind.full)
    public var outputLayer = VariantName(OutputLayerKind.fullSoftmax)
    /// The item clusters, in ``ItemClusters/parse(_:frequencies:)``'s syntax.
    public var cutoffs = "auto:3"
    /// f in d_j = ⌊d / f^(j-1)⌋, for a block-adaptive input and a tree softmax.
    public var rankDivisor = 4.0
    /// The knobs of a compressed input table and of a compressed output item matrix; neither
    /// side falls back to the other's.
    public var inputTable = TableSpecification()
    public var outputTable = TableSpecification()
    /// m, a JPQ table's splits of the embedding (one code byte each), on either side; nil is
    /// ``defaultJpqSplits``.
    public var jpqSplits: Int?
    /// How a JPQ table's codes are assigned; nil is ``defaultJpqCodes``.
    public var jpqCodes: VariantName<JPQCodeAssignment>?

    public init() {}

    /// What the JPQ knobs without a value mean.
    public static let defaultJpqSplits = 8
    public static let defaultJpqCodes = JPQCodeAssignment.svd

    /// The settings of a JPQ table (either side, the same).
    public var jpqTable: ItemTableSettings {
        ItemTableSettings(jpqSplits: jpqSplits ?? Self.defaultJpqSplits, jpqCodes: jpqCodes?.kind ?? Self.defaultJpqCodes)
    }
}

/// One side's compressed-table knobs (memcom, hashing, qr, low-rank, mixed-dim); nil is
/// "not set". The size comes from the size knob or from `ratio`, not both.
public struct TableSpecification: Codable, Equatable, Sendable {
    /// The target ratio N·C / parameters; with a block-adaptive input it picks the rank divisor.
    public var ratio: Double?
    public var buckets: Int?
    public var hash: VariantName<ItemHash>?
    public var qrCollisions: Int?
    public var qrOperation: VariantName<QuotientRemainderOperation>?
    public var rank: Int?
    public var mixedAlpha: Double?

    public init() {}

    /// What the knobs without a value mean.
    public static let defaultHash = ItemHash.modulo
    public static let defaultQrOperation = QuotientRemainderOperation.multiply
    public static let defaultMixedAlpha = 0.3
}

/// How to train.
public struct TrainingSpecification: Codable, Equatable, Sendable {
    /// At most, with `patience`.
    public var epochs = 10
    public var batchSize = 128
    /// Adam's. 0.003: at 0.001 the backbones are far from converged after the epochs a user
    /// gives (docs/results/cprec-plan.md), and every shipped plan trains at 0.003.
    public var learningRate = 0.003
    /// L2, added to the gradient.
    public var weightDecay = 0.0
    /// Clip the global gradient norm to this; nil = no clipping.
    public var clipNorm: Double?
    /// Stop after this many epochs without a better validation NDCG@10; nil = never.
    public var patience: Int?
    /// The same seed, data and threads give the same model.
    public var seed: UInt64 = 1
    /// Cut training histories longer than T + 1 items into windows of T + 1
    /// (``SequenceDataset/withTrainingWindows(length:)``), so that every item is a target once;
    /// without it, on MovieLens-100K at T = 20, 80 % of the interactions are never a target.
    public var trainWindows = true
    /// A model bundle trained on the same data to distil from (``Teacher``); nil = no teacher.
    public var teacher: String?
    /// α: the KL term's share of the loss, with a teacher.
    public var distillWeight = 0.5
    /// τ: the temperature both distributions are softened by, with a teacher.
    public var temperature = 1.0

    public init() {}
}
