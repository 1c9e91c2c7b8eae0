import Foundation

/// A next-item recommender: item embedding → sequence encoder → output layer.
///
/// Each part sits behind a protocol (`ItemEmbedding`, `SequenceEncoder`, `OutputLayer`), so a
/// compressed embedding, another encoder or a tree softmax plugs in without touching the rest.
///
///     let model = SequentialRecommender(configuration: config, seed: 1)
///     let loss = model.trainingStep(inputs: x, targets: y, batch: B, length: T)  // gradients accumulate
public final class SequentialRecommender: WeightContainer {
    public let configuration: ModelConfiguration
    public let embedding: any ItemEmbedding
    public let encoder: any SequenceEncoder
    public let output: any OutputLayer

    /// [B, T, C]: embedded inputs, then their gradient.
    package let embedded = Workspace(), embeddedGradient = Workspace()
    /// [B, T, C]: dLoss/dHidden, zero at positions without a target.
    package let hiddenGradient = Workspace()
    /// [M, C] hidden rows that carry a target, and [M, C] their gradient.
    package let targetHidden = Workspace(), targetHiddenGradient = Workspace()
    /// [B, C]: the last position's hidden state, for scoring.
    private let lastHidden = Workspace()

    public init(configuration: ModelConfiguration, embedding: any ItemEmbedding, encoder: any SequenceEncoder, output: any OutputLayer) {
        precondition(embedding.dimensions == configuration.embeddingSize && encoder.dimensions == configuration.embeddingSize
                     && output.dimensions == configuration.embeddingSize, "parts disagree on C")
        precondition(embedding.itemCount == configuration.itemCount && output.itemCount == configuration.itemCount,
                     "parts disagree on N")
        self.configuration = configuration
        self.embedding = embedding
        self.encoder = encoder
        self.output = output
    }

    /// The model a configuration describes: its input embedding, its encoder and its output
    /// layer, initialised from `seed`.
    public convenience init(configuration c: ModelConfiguration, seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        var embeddingRNG = rng.split(), encoderRNG = rng.split(), outputRNG = rng.split()
        let embedding = Self.makeEmbedding(c, rng: &embeddingRNG)
        let encoder = c.encoder.makeEncoder(channels: c.embeddingSize, maxLength: c.maxLength, rng: &encoderRNG)
        let output = Self.makeOutputLayer(c, embedding: embedding, rng: &outputRNG)
        self.init(configuration: c, embedding: embedding, encoder: encoder, output: output)
    }

    /// The input embedding a configuration describes, initialised from `rng`.
    public static func makeEmbedding(_ c: ModelConfiguration, rng: inout SeededGenerator) -> any ItemEmbedding {
        let clusters = c.clusters
        precondition(!c.usesClusters || clusters != nil, "a clustered variant needs valid cut-offs; call validate() first")
        switch c.inputEmbedding {
        case .full:
            return Embedding(count: c.itemCount, dimensions: c.embeddingSize,
                             standardDeviation: c.encoder.itemEmbeddingStandardDeviation, rng: &rng)
        case .blockAdaptive:
            return BlockAdaptiveEmbedding(clusters: clusters!, dimensions: c.embeddingSize, divisor: c.rankDivisor, rng: &rng)
        case .table(let kind):
            guard let settings = c.inputTable else { preconditionFailure("a compressed input needs inputTable; call validate() first") }
            return settings.makeTable(kind, itemCount: c.itemCount, dimensions: c.embeddingSize,
                                      clusters: clusters, standardDeviation: c.encoder.itemEmbeddingStandardDeviation, rng: &rng)
        }
    }

    /// The output layer a configuration describes, initialised from `rng`; a tied one scores with
    /// `embedding`'s own table.
    public static func makeOutputLayer(_ c: ModelConfiguration, embedding: any ItemEmbedding, rng: inout SeededGenerator)
        -> any OutputLayer
    {
        let clusters = c.clusters
        precondition(!c.usesClusters || clusters != nil, "a clustered variant needs valid cut-offs; call validate() first")
        switch c.outputLayer {
        case .fullSoftmax where c.tiedEmbeddings:
            guard let table = embedding as? Embedding else { preconditionFailure("tied embeddings need the full table; call validate() first") }
            return TiedSoftmax(tiedTo: table)
        case .fullSoftmax:
            return FullSoftmax(itemCount: c.itemCount, dimensions: c.embeddingSize, rng: &rng)
        case .treeSoftmax:
            let ranks = clusters!.dimensions(embeddingSize: c.embeddingSize, divisor: c.rankDivisor)
            return TreeSoftmax(itemCount: c.itemCount, dimensions: c.embeddingSize, cutoffs: clusters!.cutoffs,
                               tailDimensions: Array(ranks.dropFirst()), rng: &rng)
        case .table(.jpq) where c.tiedEmbeddings:
            guard let table = embedding as? JPQEmbedding else { preconditionFailure("tied jpq needs a jpq input; call validate() first") }
            return CompressedSoftmax(items: table, rng: &rng)
        case .table(let kind):
            guard let settings = c.outputTable else { preconditionFailure("a compressed output needs outputTable; call validate() first") }
            let table = settings.makeTable(
                kind, itemCount: c.itemCount, dimensions: c.embeddingSize, clusters: clusters,
                standardDeviation: CompressedSoftmax.itemStandardDeviation(dimensions: c.embeddingSize), rng: &rng)
            return CompressedSoftmax(items: table, rng: &rng)
        }
    }

    /// The same model over the same weights, shared and only read, with scratch of its own.
    public func replica() -> SequentialRecommender {
        SequentialRecommender(configuration: configuration, embedding: embedding.replica(), encoder: encoder.replica(),
                              output: output.replica())
    }

    public func namedWeights(prefix: String) -> [NamedWeight] {
        embedding.namedWeights(prefix: join(prefix, "item_embedding"))
            + encoder.namedWeights(prefix: prefix)
            + output.namedWeights(prefix: join(prefix, "output"))
    }

    /// The hidden state at the last position of each history. inputs: [B, T]; returns [B, C].
    public func finalHidden(inputs: UnsafePointer<Int32>, batch B: Int, length T: Int) -> UnsafePointer<Float> {
        let C = configuration.embeddingSize
        let x = embedded.ensure(B * T * C)
        embedding.forward(ids: inputs, rows: B * T, output: x)
        let last = lastHidden.ensure(B * C)
        last.update(from: encoder.forwardLast(input: x, ids: inputs, batch: B, length: T), count: B * C)
        return UnsafePointer(last)
    }

    /// Scores of every item after each history. inputs: [B, T]; output: [B, N].
    public func scores(inputs: UnsafePointer<Int32>, batch B: Int, length T: Int, output scores: UnsafeMutablePointer<Float>) {
        output.scores(hidden: finalHidden(inputs: inputs, batch: B, length: T), rows: B, output: scores)
    }
}

extension SequentialRecommender {
    /// Drops what the output layer derived from the weights for ranking (a tree softmax's tail
    /// bounds). Training steps call it; so must any other code that writes parameter values
    /// after the model has ranked (restoring best weights, loading a checkpoint).
    public func weightsDidChange() {
        output.weightsDidChange()
    }
}
