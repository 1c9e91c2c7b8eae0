/// Parses `compactrec quantize --precision`: one format for the whole model (`fp16`, `int8`,
/// `int4`, `float32`), components one by one (`input=int4,output=int8,encoder=fp16`), or both (a
/// format first, then the components that differ: `int4,output=int8`).
///
/// A bare format applies to the input table, the output matrix and the encoder, except that the
/// encoder's matrices are never int4: `int4` alone means `input=int4,output=int4,encoder=int8`.
/// Components not named, with no bare format, stay float32. `head=` and `tails=` set the format of
/// CpRec's clusters (the head's and the tails' matrices of a block-adaptive input and of a tree
/// softmax) over their component's: `int8,tails=int4` keeps popular items at 8 bits.
public enum PrecisionSpecification {
    public static let components = ["input", "output", "encoder", "head", "tails"]

    public static func parse(_ text: String) throws -> ModelPrecision {
        func format(_ word: Substring, for what: String) throws -> WeightFormat {
            guard let format = WeightFormat(rawValue: String(word)) else {
                throw InputError(source: "--precision", "\(what): expected float32, fp16, int8 or int4, found '\(word)'")
            }
            return format
        }
        var precision = ModelPrecision(input: .float32, output: .float32, encoder: .float32)
        var named = Set<String>()
        let items = text.split(separator: ",", omittingEmptySubsequences: false)
        for (index, item) in items.enumerated() {
            let parts = item.split(separator: "=", omittingEmptySubsequences: false)
            if parts.count == 1 {
                guard index == 0 else {
                    throw InputError(source: "--precision", "'\(item)': a bare format comes first; name a component as component=format "
                                         + "(\(components.joined(separator: ", ")))")
                }
                let all = try format(parts[0], for: "the whole model")
                precision = ModelPrecision(input: all, output: all, encoder: all == .int4 ? .int8 : all)
                continue
            }
            let component = String(parts[0])
            guard parts.count == 2, components.contains(component) else {
                throw InputError(source: "--precision", "'\(item)': expected component=format with component one of "
                                     + "\(components.joined(separator: ", "))")
            }
            guard named.insert(component).inserted else {
                throw InputError(source: "--precision", "\(component) is given twice")
            }
            let value = try format(parts[1], for: component)
            switch component {
            case "input": precision.input = value
            case "output": precision.output = value
            case "head": precision.head = value
            case "tails": precision.tails = value
            default: precision.encoder = value
            }
        }
        do {
            try precision.validate()
        } catch let error as InputError {
            throw InputError(source: "--precision", "\(error.location ?? ""): \(error.message)")
        }
        return precision
    }
}
