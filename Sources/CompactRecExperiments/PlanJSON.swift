import CompactRec
import Foundation

/// A JSON value as a plan file holds it, kept untyped so that a wrong type or an unknown key
/// can be reported with the plan file and the key's path instead of a decoder's generic message.
public enum PlanJSON: Equatable, Sendable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([PlanJSON])
    case object([String: PlanJSON])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([PlanJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: PlanJSON].self))
        }
    }

    /// Parses `data`; malformed JSON is an `InputError` naming `source`.
    public static func parse(_ data: Data, source: String) throws -> PlanJSON {
        do {
            return try JSONDecoder().decode(PlanJSON.self, from: data)
        } catch DecodingError.dataCorrupted {
            // JSONSerialization says where the syntax breaks; the decoder does not.
            var detail = ""
            do { _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
                if let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String { detail = ": " + text }
            }
            throw InputError(source: source, "is not valid JSON\(detail)")
        } catch {
            throw InputError(source: source, "is not valid JSON: \(error)")
        }
    }

    /// "a string", "a number", …: what was found, for error messages.
    public var kindDescription: String {
        switch self {
        case .null: return "null"
        case let .bool(b): return "\(b)"
        case let .number(n): return "the number \(PlanJSON.format(n))"
        case let .string(s): return "the string \(s.debugDescription)"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    static func format(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }
}

/// Written back as it was read: a run's key hashes a configuration's settings in this form.
extension PlanJSON: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case let .bool(b): try container.encode(b)
        case let .number(n): try container.encode(n)
        case let .string(s): try container.encode(s)
        case let .array(items): try container.encode(items)
        case let .object(fields): try container.encode(fields)
        }
    }
}

/// Reads typed values out of a plan's JSON, failing with the plan file and the key's path
/// (`configurations[2].sharing`) and what was expected.
struct PlanReader {
    let source: String

    func fail(_ path: String, _ message: String) -> InputError {
        InputError(source: source, location: path.isEmpty ? nil : path, message)
    }

    func object(_ value: PlanJSON, at path: String) throws -> [String: PlanJSON] {
        guard case let .object(fields) = value else { throw fail(path, "expected an object, found \(value.kindDescription)") }
        return fields
    }

    /// Refuses keys outside `allowed`, naming the first unknown one (alphabetically, so the
    /// message is the same every time) and the keys that are allowed.
    func checkKeys(_ fields: [String: PlanJSON], allowed: [String], at path: String) throws {
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw fail(join(path, unknown), "unknown key; expected one of \(allowed.joined(separator: ", "))")
        }
    }

    func required(_ fields: [String: PlanJSON], _ key: String, at path: String) throws -> PlanJSON {
        guard let value = fields[key] else { throw fail(join(path, key), "missing required key") }
        return value
    }

    func string(_ value: PlanJSON, at path: String) throws -> String {
        guard case let .string(s) = value else { throw fail(path, "expected a string, found \(value.kindDescription)") }
        return s
    }

    func bool(_ value: PlanJSON, at path: String) throws -> Bool {
        guard case let .bool(b) = value else { throw fail(path, "expected true or false, found \(value.kindDescription)") }
        return b
    }

    func number(_ value: PlanJSON, at path: String) throws -> Double {
        guard case let .number(n) = value else { throw fail(path, "expected a number, found \(value.kindDescription)") }
        return n
    }

    func integer(_ value: PlanJSON, at path: String, minimum: Int = .min) throws -> Int {
        guard case let .number(n) = value, n == n.rounded(), abs(n) < 1e15 else {
            throw fail(path, "expected a whole number, found \(value.kindDescription)")
        }
        guard Int(n) >= minimum else { throw fail(path, "expected a whole number of at least \(minimum), found \(Int(n))") }
        return Int(n)
    }

    func array(_ value: PlanJSON, at path: String) throws -> [PlanJSON] {
        guard case let .array(items) = value else { throw fail(path, "expected an array, found \(value.kindDescription)") }
        return items
    }

    func integers(_ value: PlanJSON, at path: String, minimum: Int = .min) throws -> [Int] {
        try array(value, at: path).enumerated().map { try integer($1, at: "\(path)[\($0)]", minimum: minimum) }
    }
}
