import CompactRecRuntime
import Foundation

/// A weight under training: the model's `Weight`, which the forward passes read and the
/// optimizer writes, and the gradient the backward passes accumulate into. Adam keeps the
/// moments, aligned with its parameters.
///
/// The runtime's `Weight` holds values only; a weight's gradient lives in `Gradients`, on the
/// training side, so a model loaded to serve never holds one.
public struct Parameter: @unchecked Sendable {
    public let weight: Weight
    /// Same shape as the weight; zero-filled when first asked for, then accumulated into.
    public let gradient: Tensor

    public init(_ weight: Weight) {
        self.weight = weight
        gradient = weight.gradient
    }

    public var value: Tensor { weight.value }
    public var shape: [Int] { weight.shape }
    public var count: Int { weight.count }
}

extension Weight {
    /// The gradient that training accumulates into this weight (see `Gradients`). Every use of a
    /// shared weight adds to the same tensor, so its gradient is the sum over its uses.
    public var gradient: Tensor { Gradients.of(self) }
}

extension WeightContainer {
    public func zeroGradients() {
        for named in uniqueWeights() { named.weight.gradient.zero() }
    }
}

/// Where the gradients of trained weights live: one zero-filled tensor per weight, made at the
/// weight's first backward pass and dropped once the weight is gone.
///
/// Keyed by the weight's identity and holding it weakly, so a gradient never outlives its weight
/// by more than the next gradient's allocation (which first drops those of weights freed since).
/// Thread-safe: backward workers may be the first to ask.
public enum Gradients {
    private struct Entry {
        weak var weight: Weight?
        let gradient: Tensor
    }

    private final class Store: @unchecked Sendable {
        let lock = NSLock()
        var entries: [ObjectIdentifier: Entry] = [:]
    }

    private static let store = Store()

    /// The gradient of `weight`, allocated zero-filled at the first call.
    public static func of(_ weight: Weight) -> Tensor {
        store.lock.withLock {
            let key = ObjectIdentifier(weight)
            if let entry = store.entries[key], entry.weight === weight { return entry.gradient }
            store.entries = store.entries.filter { $0.value.weight != nil }
            let gradient = Tensor(shape: weight.shape)
            store.entries[key] = Entry(weight: weight, gradient: gradient)
            return gradient
        }
    }

    /// Whether `weight` has a gradient (a backward pass or an optimizer has asked for it).
    public static func isAllocated(for weight: Weight) -> Bool {
        store.lock.withLock { store.entries[ObjectIdentifier(weight)]?.weight === weight }
    }
}
