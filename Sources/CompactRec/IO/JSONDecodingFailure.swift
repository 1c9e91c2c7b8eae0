import Foundation

/// Says which field of a JSON document a `Decodable` type failed on, for errors about files
/// people may edit or damage, such as a checkpoint's `state.json`.
enum JSONDecodingFailure {
    /// `progress.stepInEpoch: Expected to decode Int but found a string instead.`: the field,
    /// then what was wrong with it.
    static func describe<T: Decodable>(_ error: any Error, decoding type: T.Type, from data: Data) -> String {
        let context: DecodingError.Context
        switch error {
        case let DecodingError.keyNotFound(key, found):
            return "missing field \(fieldName(found.codingPath + [key]))"
        case let DecodingError.typeMismatch(_, found), let DecodingError.valueNotFound(_, found),
            let DecodingError.dataCorrupted(found):
            context = found
        default:
            return "\(error)"
        }
        if !context.codingPath.isEmpty { return "\(fieldName(context.codingPath)): \(context.debugDescription)" }
        if let misfit = numberThatDoesNotFit(type, in: data) {
            return "\(misfit.field): the number \(misfit.text) does not fit this field"
        }
        return context.debugDescription
    }

    /// `progress.orderGenerator.state[2]`.
    static func fieldName(_ path: [any CodingKey]) -> String {
        var name = ""
        for key in path {
            if let index = key.intValue {
                name += "[\(index)]"
            } else {
                name += (name.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return name
    }

    /// A number in `data` that keeps it from decoding as `T`, with its path.
    ///
    /// Foundation's `JSONDecoder` reports a number that does not fit its field (-1 for an
    /// unsigned one, 1e300 or 1.5 for a whole number) as "not valid JSON", without a path.
    /// Zero fits every numeric field, so with the first k numbers zeroed the document decodes
    /// exactly when no misfit is left after them: a binary search over k finds the last one.
    private static func numberThatDoesNotFit<T: Decodable>(_ type: T.Type, in data: Data) -> (field: String, text: String)? {
        guard let root = try? JSONSerialization.jsonObject(with: data) else { return nil }
        let numbers = numberPaths(in: root)
        func decodes(zeroingFirst count: Int) -> Bool {
            let patched = numbers.prefix(count).reduce(root) { replacing($1.path[...], in: $0, with: 0) }
            guard let bytes = try? JSONSerialization.data(withJSONObject: patched) else { return false }
            do {
                _ = try JSONDecoder().decode(T.self, from: bytes)
                return true
            } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
                return false
            } catch {
                return true  // another kind of failure: no misfit number is left
            }
        }
        guard !numbers.isEmpty, decodes(zeroingFirst: numbers.count) else { return nil }
        var low = 0, high = numbers.count  // decodes(high) holds, decodes(low) does not
        while high - low > 1 {
            let middle = (low + high) / 2
            if decodes(zeroingFirst: middle) { high = middle } else { low = middle }
        }
        let misfit = numbers[high - 1]
        return (fieldName(misfit.path), misfit.text)
    }

    private struct Position: CodingKey {
        var stringValue: String
        var intValue: Int?
        init(stringValue: String) { self.stringValue = stringValue }
        init(intValue: Int) {
            stringValue = String(intValue)
            self.intValue = intValue
        }
    }

    /// Every number in a parsed document, in document order, with its path and its text;
    /// `true` and `false`, which parse as numbers too, are left out.
    private static func numberPaths(in value: Any, at path: [Position] = []) -> [(path: [Position], text: String)] {
        switch value {
        case let object as [String: Any]:
            return object.keys.sorted().flatMap { numberPaths(in: object[$0]!, at: path + [Position(stringValue: $0)]) }
        case let array as [Any]:
            return array.indices.flatMap { numberPaths(in: array[$0], at: path + [Position(intValue: $0)]) }
        case is NSNumber:
            let text = (try? JSONSerialization.data(withJSONObject: value, options: .fragmentsAllowed))
                .map { String(decoding: $0, as: UTF8.self) } ?? ""
            return text == "true" || text == "false" ? [] : [(path, text)]
        default:
            return []
        }
    }

    private static func replacing(_ path: ArraySlice<Position>, in value: Any, with replacement: Any) -> Any {
        guard let key = path.first else { return replacement }
        if let index = key.intValue, var array = value as? [Any] {
            array[index] = replacing(path.dropFirst(), in: array[index], with: replacement)
            return array
        }
        guard var object = value as? [String: Any], let inner = object[key.stringValue] else { return value }
        object[key.stringValue] = replacing(path.dropFirst(), in: inner, with: replacement)
        return object
    }
}
