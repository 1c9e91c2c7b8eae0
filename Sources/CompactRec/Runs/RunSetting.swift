/// Every setting of a ``RunSpecification``, named by its key: the key an experiment plan's
/// configuration (or `defaults`) sets it with, and its name in the specification's JSON.
///
/// Errors name a setting as the user wrote it (``RunSettingNames``): a plan by this key, the
/// command line by its flag, which only the command line knows.
public enum RunSetting: String, CaseIterable, Codable, Sendable {
    // The model. The first is first in a plan's list of allowed keys.
    case inputEmbedding, outputLayer, sharing, cutoffs, rankDivisor, embeddingSize, dilations, kernelSize
    /// The backbone, and SASRec's knobs.
    case encoder, layers, heads, innerSize, dropout
    /// One item table for input and output.
    case tieEmbeddings
    /// T, the longest history read; a plan's grid gives it (`lengths`).
    case maxLength
    case inputRatio, buckets, hash, qrCollisions, qrOperation, rank, mixedAlpha
    case outputRatio, outputBuckets, outputHash, outputQrCollisions, outputQrOperation, outputRank, outputMixedAlpha
    /// A JPQ table's splits and code assignment, on either side (one table when tied).
    case jpqSplits, jpqCodes

    // Training.
    case epochs, batchSize, learningRate, weightDecay, clipNorm, patience
    /// Distillation: the teacher bundle, α and τ.
    case teacher, distillWeight, temperature
    /// A plan's grid gives the seed (`seeds`).
    case seed
    /// A plan's data set gives it (`windows`).
    case trainWindows

    // The data. A plan's data set gives the file, the test file and the format.
    case file, test, format, validation

    /// The key in a plan and in the specification's JSON.
    public var key: String { rawValue }

    /// Whether a plan's configuration (or its `defaults`) may set it; the others come from the
    /// plan's grid and data sets.
    public var isPlanConfigurationKey: Bool {
        switch self {
        case .maxLength, .seed, .trainWindows, .file, .test, .format: false
        default: true
        }
    }

    /// The keys a plan's configuration may set, in this order in messages.
    public static let planConfigurationKeys = allCases.filter(\.isPlanConfigurationKey).map(\.key)
}
