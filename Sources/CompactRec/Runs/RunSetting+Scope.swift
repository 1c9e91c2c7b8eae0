/// Which models a setting does something for. A setting the user gave for a model it does not
/// apply to is an error rather than silently ignored (`--cutoffs` on a full model); one left
/// at its default, or taken from a plan's `defaults`, is simply not used there.
extension RunSetting {
    /// The input embeddings and output layers that use the setting (either is enough), or nil
    /// for a setting every model uses.
    var scope: (inputs: [InputEmbeddingKind], outputs: [OutputLayerKind])? {
        func tables(_ rule: (any ItemTableVariant.Type) -> Bool) -> [ItemTableKind] {
            ItemTableKind.allCases.filter { rule($0.variant) }
        }
        if let knob = tableKnob {
            let kinds = tables { $0.knobs.contains(knob.name) }
            return (knob.input ? kinds.map(\.inputEmbedding) : [], knob.output ? kinds.map(\.outputLayer) : [])
        }
        switch self {
        case .cutoffs:
            let clustered = tables { $0.usesClusters }
            return ([.blockAdaptive] + clustered.map(\.inputEmbedding), [.treeSoftmax] + clustered.map(\.outputLayer))
        case .rankDivisor: return ([.blockAdaptive], [.treeSoftmax])
        case .inputRatio: return (tables { $0.sizedByRatio }.map(\.inputEmbedding) + [.blockAdaptive], [])
        case .outputRatio: return ([], tables { $0.sizedByRatio }.map(\.outputLayer))
        default: return nil
        }
    }

    /// The table knob (``ItemTableVariant/knobs``) this setting gives, and on which sides.
    var tableKnob: (name: String, input: Bool, output: Bool)? {
        for name in Set(ItemTableKind.allCases.flatMap { $0.variant.knobs }) {
            let input = TableSide.input.setting(knob: name) == self, output = TableSide.output.setting(knob: name) == self
            if input || output { return (name, input, output) }
        }
        return nil
    }

    /// The one backbone that uses the setting, or nil for a setting of every backbone.
    public var encoderScope: EncoderKind? {
        switch self {
        case .dilations, .kernelSize: .nextitnet
        case .layers, .heads, .innerSize, .dropout: .sasrec
        default: nil
        }
    }

    /// Whether a model with this backbone uses the setting.
    public func applies(encoder: EncoderKind) -> Bool { encoderScope.map { $0 == encoder } ?? true }

    /// Whether a model with this input embedding and output layer uses the setting.
    public func applies(input: InputEmbeddingKind, output: OutputLayerKind) -> Bool {
        guard let scope else { return true }
        return scope.inputs.contains(input) || scope.outputs.contains(output)
    }

    /// "applies to a memcom or hashing input embedding, and the input embedding is full".
    func misapplied(input: InputEmbeddingKind, output: OutputLayerKind) -> String {
        guard let scope else { return "applies to every model" }
        var targets: [String] = [], actual: [String] = []
        if !scope.inputs.isEmpty {
            targets.append("a \(Self.list(scope.inputs.map(\.rawValue))) input embedding")
            actual.append("the input embedding is \(input.rawValue)")
        }
        if !scope.outputs.isEmpty {
            targets.append("a \(Self.list(scope.outputs.map(\.rawValue))) output layer")
            actual.append("the output layer is \(output.rawValue)")
        }
        return "applies to \(targets.joined(separator: " or ")), and \(actual.joined(separator: " and "))"
    }

    /// "a", "a or b", "a, b or c".
    static func list(_ items: [String]) -> String {
        items.count <= 1 ? items.joined() : items.dropLast().joined(separator: ", ") + " or " + items.last!
    }
}
