import Foundation

/// A weight tensor of a model: what every forward pass reads.
///
/// A `Weight` is an object so that one tensor can be used at several places of a model
/// (CpRec's layer-wise sharing): every use reads the same values. The runtime only reads it
/// once built or loaded; training (the `CompactRec` library) writes it through the optimizer
/// and keeps each weight's gradient and Adam moments on its own side, so a model loaded to
/// serve holds its weights and nothing else.
public final class Weight: @unchecked Sendable {
    /// Float32, row-major. Quantized bundles keep their stored form beside it (`QuantizedWeight`).
    public let value: Tensor

    public init(shape: [Int]) {
        value = Tensor(shape: shape)
    }

    /// How the values are stored here: always full precision (a quantized layer keeps its rows
    /// in a `QuantizedWeight` and its `Weight` only as the layer's shape and training's copy).
    public var format: WeightFormat { .float32 }
    public var shape: [Int] { value.shape }
    public var count: Int { value.count }
}

/// A weight with its dotted path in the model, e.g. `blocks.0.conv1.weight`.
public struct NamedWeight: Sendable {
    public let name: String
    public let weight: Weight
    public init(_ name: String, _ weight: Weight) {
        self.name = name
        self.weight = weight
    }
}

/// Anything that owns weights: a layer, a block, a whole model.
public protocol WeightContainer: AnyObject {
    /// Every weight use with its dotted path. A shared weight appears once per use;
    /// `uniqueWeights` keeps the first name of each.
    func namedWeights(prefix: String) -> [NamedWeight]
}

extension WeightContainer {
    /// Distinct weight objects, each under the first name it is used by.
    public func uniqueWeights(prefix: String = "") -> [NamedWeight] {
        var seen = Set<ObjectIdentifier>()
        return namedWeights(prefix: prefix).filter { seen.insert(ObjectIdentifier($0.weight)).inserted }
    }

    /// Values in all distinct weights (a shared weight counts once).
    public var parameterCount: Int { uniqueWeights().reduce(0) { $0 + $1.weight.count } }
}
