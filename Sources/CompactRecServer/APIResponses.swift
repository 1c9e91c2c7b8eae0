import CompactRecRuntime
import HTTPTypes
import Hummingbird

/// The JSON bodies the server answers with.
enum APIResponses {
    /// `{"items": [{"id": "…", "score": …}], "unknown": ["…"], "model": "<bundle id>"}`.
    static func recommendation(_ answer: Recommender.Answer, model: LoadedModel) throws -> Response {
        var json = JSONWriter()
        try write(answer, into: &json)
        json.raw(",\"model\":")
        json.string(model.id)
        json.raw("}")
        return Self.json(json.bytes)
    }

    /// `{"results": [{"items": […], "unknown": […]}, …], "model": "<bundle id>"}`.
    static func batch(_ answers: [Recommender.Answer], model: LoadedModel) throws -> Response {
        var json = JSONWriter(capacity: 256 * answers.count)
        json.raw("{\"results\":[")
        for (i, answer) in answers.enumerated() {
            if i > 0 { json.raw(",") }
            try write(answer, into: &json)
            json.raw("}")
        }
        json.raw("],\"model\":")
        json.string(model.id)
        json.raw("}")
        return Self.json(json.bytes)
    }

    /// Writes `{"items":[…],"unknown":[…]` (the caller closes the object).
    private static func write(_ answer: Recommender.Answer, into json: inout JSONWriter) throws {
        json.raw("{\"items\":[")
        for (i, item) in answer.items.enumerated() {
            guard item.score.isFinite else {
                throw HTTPFailure(.internalServerError, "the model gave a non-finite score (\(item.score)) to item '\(item.id)'")
            }
            if i > 0 { json.raw(",") }
            json.raw("{\"id\":")
            json.string(item.id)
            json.raw(",\"score\":")
            json.number(item.score)
            json.raw("}")
        }
        json.raw("],\"unknown\":")
        json.strings(answer.unknown)
    }

    /// `{"error": "…"}` with the failure's status and headers.
    static func error(_ failure: HTTPFailure) -> Response {
        var json = JSONWriter()
        json.raw("{\"error\":")
        json.string(failure.message)
        json.raw("}")
        var response = Self.json(json.bytes, status: failure.status)
        response.headers.append(contentsOf: failure.headers)
        return response
    }

    static func json(_ bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func text(_ bytes: [UInt8], contentType: String) -> Response {
        Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
