import HTTPTypes

/// A request the server refuses: a status and a sentence naming what was wrong and what was
/// expected, sent as `{"error": "…"}`.
struct HTTPFailure: Error {
    var status: HTTPResponse.Status
    var message: String
    /// Extra headers (`Allow` on a 405).
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }
}
