import CompactRec
import Foundation

/// One finished run as a line of `results.jsonl`: what ran, how large the model is, how well
/// it ranks, how fast it trained and serves, and where that was measured.
public struct RunResult: Codable, Equatable, Sendable {
    /// Where a run was measured. Runs on different machines (or with other BLAS kernels or
    /// thread counts) train and serve at different speeds, so the report never pools their times.
    public struct Machine: Codable, Hashable, Sendable {
        /// The CPU's model name.
        public var cpu: String
        /// The BLAS kernels in use, e.g. "OpenBLAS SkylakeX".
        public var blas: String
        public var threads: Int

        public init(cpu: String, blas: String, threads: Int) {
            self.cpu = cpu
            self.blas = blas
            self.threads = threads
        }

        /// `AMD EPYC, OpenBLAS Zen, 1 thread`.
        public var description: String { "\(cpu), \(blas), \(threads) thread\(threads == 1 ? "" : "s")" }

        /// This process's machine, with the threads CompactRec runs on.
        public static var current: Machine {
            Machine(cpu: MachineInfo.cpuName, blas: BLAS.kernels, threads: Parallel.threads)
        }
    }

    /// One epoch of a run's training: a point of its learning curve.
    public struct Epoch: Codable, Equatable, Sendable {
        /// 1-based.
        public var epoch: Int
        /// The mean training loss over the epoch's steps.
        public var loss: Double
        /// Seconds of training steps (validation excluded).
        public var seconds: Double
        /// Validation metrics after the epoch (`ndcg@10`, …); nil when the run held out no validation.
        public var validation: [String: Double]?

        public init(epoch: Int, loss: Double, seconds: Double, validation: [String: Double]?) {
            self.epoch = epoch
            self.loss = loss
            self.seconds = seconds
            self.validation = validation
        }

        public init(_ summary: EpochSummary) {
            self.init(epoch: summary.epoch, loss: Double(summary.loss), seconds: summary.seconds, validation: summary.validation)
        }
    }

    /// ``ExperimentRun/key``.
    public var key: String
    /// The plan's name.
    public var plan: String
    public var dataset: String
    /// The data file and test file as the plan names them.
    public var dataPath: String
    public var testPath: String?
    /// The format the data was read as.
    public var format: String
    /// T, the sequence length the model reads.
    public var length: Int
    public var configuration: String
    /// Every setting of the configuration, defaults included.
    public var settings: ExperimentSettings
    public var seed: UInt64

    /// Items without padding, training sequences and test cases.
    public var items: Int
    public var trainingSequences: Int
    public var testCases: Int

    /// Parameters per component and in total, as ``ParameterAccounting`` counts them.
    public var paramsInput: Int
    public var paramsMiddle: Int
    public var paramsOutput: Int
    public var params: Int
    /// The uncompressed model's total for the same N, C and depth, and the ratio to it.
    public var paramsUncompressed: Int
    public var compressionRatio: Double
    /// Bytes of the parameters as Float32.
    public var bytes: Int

    /// Test metrics: `hr@5`, `ndcg@10`, `mrr@20`, …
    public var metrics: [String: Double]
    /// The split and ranking protocol the metrics follow.
    public var evaluationProtocol: String

    public var epochs: Int
    /// The epoch whose weights were evaluated (the best on validation, else the last).
    public var bestEpoch: Int
    public var finalLoss: Double
    /// Every epoch's loss, time and validation metrics, so a reader can see whether training
    /// had converged; nil in records written before runs kept it.
    public var learningCurve: [Epoch]? = nil
    /// Training steps only, validation excluded; in total and per epoch.
    public var trainingSeconds: Double
    public var epochSeconds: [Double]
    public var sequencesPerSecond: Double
    /// Test cases ranked per second (full ranking, batches of 256).
    public var evalUsersPerSecond: Double
    /// The median time of one single-history top-10 recommendation, in milliseconds, and how
    /// many requests it is the median of.
    public var recommendLatencyP50Ms: Double
    public var recommendRequests: Int

    public var machine: Machine
    /// The CompactRec version and commit that made the run; nil in records written before it was kept.
    public var build: BuildInfo? = nil
    /// When the run finished, ISO 8601 in UTC.
    public var date: String

    /// Training time per epoch, the report's speed figure.
    public var secondsPerEpoch: Double { trainingSeconds / Double(max(epochs, 1)) }

    /// The record as one line of JSON (sorted keys, no line break inside).
    public func jsonLine() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return decoder
    }
}
