import Foundation

/// A weight tensor and, once training asks for it, the gradient that accumulates into it.
///
/// A `Parameter` is an object so that one weight can be used at several places of a model
/// (CpRec's layer-wise sharing): every use adds its contribution to `gradient`, so the
/// gradient of a shared weight is the sum over its uses without any bookkeeping.
///
/// The gradient is allocated at its first use, so a model loaded to serve holds its weights
/// and nothing else: serving never asks for it.
public final class Parameter: @unchecked Sendable {
    public let value: Tensor
    private let gradientLock = NSLock()
    private var allocatedGradient: Tensor?

    public init(shape: [Int]) {
        value = Tensor(shape: shape)
    }

    /// Zero-filled at first use. Thread-safe, so backward workers may be the first to ask.
    public var gradient: Tensor {
        gradientLock.withLock {
            if let allocatedGradient { return allocatedGradient }
            let gradient = Tensor(shape: value.shape)
            allocatedGradient = gradient
            return gradient
        }
    }

    /// Whether the gradient has been allocated (training has used this parameter).
    public var hasGradient: Bool { gradientLock.withLock { allocatedGradient != nil } }

    public var shape: [Int] { value.shape }
    public var count: Int { value.count }
}

/// A parameter with its dotted path in the model, e.g. `blocks.0.conv1.weight`.
public struct NamedParameter: Sendable {
    public let name: String
    public let parameter: Parameter
    public init(_ name: String, _ parameter: Parameter) {
        self.name = name
        self.parameter = parameter
    }
}

/// Anything that owns parameters: a layer, a block, a whole model.
public protocol ParameterContainer: AnyObject {
    /// Every parameter use with its dotted path. A shared parameter appears once per use;
    /// `uniqueParameters` keeps the first name of each.
    func namedParameters(prefix: String) -> [NamedParameter]
}

extension ParameterContainer {
    /// Distinct parameter objects, each under the first name it is used by.
    public func uniqueParameters(prefix: String = "") -> [NamedParameter] {
        var seen = Set<ObjectIdentifier>()
        return namedParameters(prefix: prefix).filter { seen.insert(ObjectIdentifier($0.parameter)).inserted }
    }

    public var parameterCount: Int { uniqueParameters().reduce(0) { $0 + $1.parameter.count } }

    public func zeroGradients() {
        for p in uniqueParameters() { p.parameter.gradient.zero() }
    }
}

