import HTTPTypes

/// The API's routes (the OpenAPI document in `openapi.yaml` describes each).
enum Route: String, CaseIterable, Sendable {
    case recommend = "/v1/recommend"
    case recommendBatch = "/v1/recommend/batch"
    case health = "/healthz"
    case model = "/v1/model"
    case metrics = "/metrics"
    case openAPI = "/openapi.yaml"
    case reload = "/v1/admin/reload"

    /// The one method each route answers.
    var method: HTTPRequest.Method {
        switch self {
        case .recommend, .recommendBatch, .reload: .post
        case .health, .model, .metrics, .openAPI: .get
        }
    }

    /// The label of requests to no route, in metrics (so unknown paths add no series).
    static let unmatchedLabel = "unmatched"
}
