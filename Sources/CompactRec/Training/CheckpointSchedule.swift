/// How often training saves a checkpoint: every `n` steps, or every `n` epochs (after the
/// epoch's validation).
///
///     try CheckpointInterval(parsing: "500")      // .steps(500)
///     try CheckpointInterval(parsing: "500steps") // .steps(500)
///     try CheckpointInterval(parsing: "1epoch")   // .epochs(1)
public enum CheckpointInterval: Sendable, Equatable, CustomStringConvertible {
    case steps(Int)
    case epochs(Int)

    /// Parses `--checkpoint-every`: a positive whole number, optionally followed by `step`,
    /// `steps`, `epoch` or `epochs` (a bare number counts steps).
    public init(parsing text: String) throws {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        let unit = text.dropFirst(digits.count)
        guard let count = Int(digits), count >= 1 else {
            throw InputError(source: "--checkpoint-every",
                             "expected a positive number of steps or epochs such as 500, 500steps or 1epoch; got '\(text)'")
        }
        switch unit {
        case "", "step", "steps": self = .steps(count)
        case "epoch", "epochs": self = .epochs(count)
        default:
            throw InputError(source: "--checkpoint-every",
                             "expected the unit 'steps' or 'epochs' after the number, such as 500steps or 1epoch; got '\(text)'")
        }
    }

    public var description: String {
        switch self {
        case let .steps(n): return n == 1 ? "every step" : "every \(n) steps"
        case let .epochs(n): return n == 1 ? "every epoch" : "every \(n) epochs"
        }
    }
}

/// When to save and how: `Trainer.fit` calls `save` with itself at each interval, once every
/// parameter has been checked to be finite. `save` returns where the checkpoint went (named
/// in later errors); `CheckpointWriter.save` is the usual one.
public struct CheckpointSchedule {
    public var interval: CheckpointInterval
    public var save: (Trainer) throws -> String

    public init(interval: CheckpointInterval, save: @escaping (Trainer) throws -> String) {
        self.interval = interval
        self.save = save
    }
}
