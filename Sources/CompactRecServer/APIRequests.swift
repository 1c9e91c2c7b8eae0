import CompactRecRuntime
import Foundation

/// The body of `POST /v1/recommend`: `{"history": ["12", "7", "31"], "k": 10, "exclude_history": false}`.
/// `history` is required; `k` defaults to 10 and `exclude_history` to false; other fields are refused.
struct RecommendRequest: Decodable {
    var history: [String]
    var k: Int
    var excludeHistory: Bool

    static let fields = ["history", "k", "exclude_history"]
    static let defaultK = 10

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: FieldName.self)
        try refuseUnknownFields(container, known: Self.fields)
        history = try container.decode([String].self, forKey: FieldName("history"))
        k = container.contains(FieldName("k")) ? try Self.wholeNumber(container, "k") : Self.defaultK
        excludeHistory = container.contains(FieldName("exclude_history"))
            ? try container.decode(Bool.self, forKey: FieldName("exclude_history")) : false
    }

    /// A field that must be a whole number, read as a JSON number so that 2.5 and 1e30 get a
    /// sentence about the field rather than about the body.
    private static func wholeNumber(_ container: KeyedDecodingContainer<FieldName>, _ name: String) throws -> Int {
        let value: Double
        do {
            value = try container.decode(Double.self, forKey: FieldName(name))
        } catch DecodingError.typeMismatch {
            throw HTTPFailure(.badRequest, "\(RequestDecoding.path(container.codingPath + [FieldName(name)])) must be an integer")
        } catch DecodingError.valueNotFound {
            throw HTTPFailure(.badRequest, "\(RequestDecoding.path(container.codingPath + [FieldName(name)])) is null; expected an integer")
        }
        guard value == value.rounded(), abs(value) < 1e15 else {
            throw HTTPFailure(.badRequest, "\(RequestDecoding.path(container.codingPath + [FieldName(name)])) is \(value); expected a whole number")
        }
        return Int(value)
    }

    /// Checks the values against the limits and the model's catalogue; `path` prefixes the
    /// field names in errors (`requests[3].` in a batch).
    func validate(path: String = "", maxHistoryLength: Int, catalogueSize: Int) throws {
        if history.isEmpty {
            throw HTTPFailure(.badRequest, "\(path)history is empty; expected at least one item id")
        }
        if history.count > maxHistoryLength {
            throw HTTPFailure(.badRequest, "\(path)history holds \(history.count) item ids; expected at most \(maxHistoryLength)")
        }
        if let index = history.firstIndex(where: \.isEmpty) {
            throw HTTPFailure(.badRequest, "\(path)history[\(index)] is an empty string; expected an item id")
        }
        if k < 1 || k > catalogueSize {
            throw HTTPFailure(.badRequest, "\(path)k is \(k); expected 1 to \(catalogueSize) (the model's catalogue)")
        }
    }

    var query: Recommender.Query { Recommender.Query(history: history, count: k, excludingHistory: excludeHistory) }
}

/// The body of `POST /v1/recommend/batch`: `{"requests": [<a /v1/recommend body>, …]}`.
struct BatchRequest: Decodable {
    var requests: [RecommendRequest]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: FieldName.self)
        try refuseUnknownFields(container, known: ["requests"])
        requests = try container.decode([RecommendRequest].self, forKey: FieldName("requests"))
    }
}



/// Any JSON object key, so unknown fields can be named.
struct FieldName: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

private func refuseUnknownFields(_ container: KeyedDecodingContainer<FieldName>, known: [String]) throws {
    if let unknown = container.allKeys.first(where: { !known.contains($0.stringValue) }) {
        let path = container.codingPath.isEmpty ? "" : " in \(RequestDecoding.path(container.codingPath))"
        throw HTTPFailure(.badRequest, "unknown field '\(unknown.stringValue)'\(path); expected only \(known.joined(separator: ", "))")
    }
}

/// Turns a request body into a request, or into a 400 whose message names the field and what
/// was expected of it.
enum RequestDecoding {
    static func decode<Request: Decodable>(_ type: Request.Type, from body: [UInt8], example: String) throws -> Request {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw HTTPFailure(.badRequest, "the body is empty; expected a JSON object such as \(example)")
        }
        do {
            return try JSONDecoder().decode(Request.self, from: Data(body))
        } catch let failure as HTTPFailure {
            throw failure
        } catch let error as DecodingError {
            throw HTTPFailure(.badRequest, message(error, example: example))
        } catch {
            throw HTTPFailure(.badRequest, "the body is not valid JSON (\(error)); expected a JSON object such as \(example)")
        }
    }

    /// `requests[3].history[0]` for a coding path.
    static func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text
    }

    private static func message(_ error: DecodingError, example: String) -> String {
        switch error {
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            return field.isEmpty
                ? "the body must be a JSON object such as \(example)"
                : "\(field) must be \(describe(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)) is null; expected \(describe(type))"
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return "missing field '\(field)'; expected a JSON object such as \(example)"
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            if field.isEmpty {
                let detail = context.underlyingError.map { "\($0)" } ?? context.debugDescription
                return "the body is not valid JSON (\(detail)); expected a JSON object such as \(example)"
            }
            return "\(field) is not valid: \(context.debugDescription)"
        @unknown default:
            return "the body could not be read: \(error)"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is Bool.Type: "true or false"
        case is [String].Type: "an array of strings (item ids)"
        case is [RecommendRequest].Type: "an array of request objects"
        case is Double.Type: "a number"
        default: String(describing: type).hasPrefix("Array") ? "an array" : "a JSON object"
        }
    }
}
