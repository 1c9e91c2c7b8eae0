import Foundation

/// Where a training step's time goes: wall time per phase, summed over the steps it watched.
/// `Trainer.phaseClock` set, each `step` laps it; `compactrec benchmark` reports the sums per step.
public final class TrainingPhaseClock {
    public enum Phase: Int, CaseIterable, Sendable {
        /// Zeroing the gradients and the input embedding's forward.
        case input
        case encoderForward
        /// The output layer's forward, loss and backward (with a teacher's logits when distilling).
        case outputLayer
        case encoderBackward
        case embeddingBackward
        /// Gradient clipping and the optimizer's update.
        case optimizer

        public var name: String {
            switch self {
            case .input: "input"
            case .encoderForward: "encoder_forward"
            case .outputLayer: "output_layer"
            case .encoderBackward: "encoder_backward"
            case .embeddingBackward: "embedding_backward"
            case .optimizer: "optimizer"
            }
        }
    }

    /// Seconds per phase, indexed by `Phase.rawValue`.
    public private(set) var seconds = [Double](repeating: 0, count: Phase.allCases.count)
    /// Steps lapped through `.optimizer`.
    public private(set) var steps = 0
    private var last: UInt64 = 0

    public init() {}

    /// Starts a step's first phase.
    func start() { last = DispatchTime.now().uptimeNanoseconds }

    /// Ends `phase`: the time since the previous lap (or `start`) is added to it.
    func lap(_ phase: Phase) {
        let now = DispatchTime.now().uptimeNanoseconds
        seconds[phase.rawValue] += Double(now - last) / 1e9
        last = now
        if phase == .optimizer { steps += 1 }
    }

    /// Milliseconds per step, by phase name.
    public var millisecondsPerStep: [String: Double] {
        Dictionary(uniqueKeysWithValues: Phase.allCases.map { ($0.name, 1000 * seconds[$0.rawValue] / Double(max(steps, 1))) })
    }

    /// Forgets every lap so far (after warm-up steps).
    public func reset() {
        seconds = [Double](repeating: 0, count: Phase.allCases.count)
        steps = 0
    }
}
