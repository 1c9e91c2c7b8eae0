import CompactRecRuntime
import HTTPTypes
import Hummingbird
import Logging

/// Answers every request: finds its route (404 for an unknown path, 405 for a known path with
/// another method), runs it, turns every refusal into `{"error": "…"}` with its 4xx, and counts
/// and times the request.
struct ServerResponder: HTTPResponder {
    typealias Context = ServerRequestContext

    let settings: ServerSettings
    let slot: ModelSlot
    let reloader: ModelReloader
    let batcher: MicroBatcher?
    let metrics: ServerMetrics
    let logger: Logger

    func respond(to request: Request, context: Context) async throws -> Response {
        let start = ContinuousClock.now
        metrics.requestStarted()
        let route = Route(rawValue: request.uri.path)
        var response: Response
        do {
            response = try await answer(request, route: route, context: context)
        } catch let failure as HTTPFailure {
            response = APIResponses.error(failure)
        } catch {
            logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            response = APIResponses.error(HTTPFailure(.internalServerError, "the server failed to answer: \(error)"))
        }
        let elapsed = ContinuousClock.now - start
        let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        let label = route?.rawValue ?? Route.unmatchedLabel
        metrics.requestFinished(route: label, status: response.status.code, nanoseconds: nanoseconds)
        if response.status.code >= 500 {
            logger.error("\(request.method) \(request.uri.path) \(response.status.code)")
        } else {
            logger.debug("\(request.method) \(request.uri.path) \(response.status.code) \(elapsed)")
        }
        return response
    }

    private func answer(_ request: Request, route: Route?, context: Context) async throws -> Response {
        guard let route else {
            throw HTTPFailure(.notFound, "no route \(request.uri.path); expected one of \(Route.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard request.method == route.method else {
            throw HTTPFailure(.methodNotAllowed, "\(route.rawValue) answers \(route.method) only, not \(request.method)",
                              headers: [.allow: route.method.rawValue])
        }
        switch route {
        case .recommend: return try await recommend(request)
        case .recommendBatch: return try await recommendBatch(request)
        case .health:
            var json = JSONWriter()
            json.raw("{\"status\":\"ok\",\"model\":")
            json.string(slot.current.id)
            json.raw("}")
            return APIResponses.json(json.bytes)
        case .model: return APIResponses.json(slot.current.summaryJSON)
        case .metrics: return APIResponses.text(metrics.exposition(), contentType: "text/plain; version=0.0.4")
        case .openAPI: return APIResponses.text(Array(OpenAPIDocument.yaml.utf8), contentType: "application/yaml")
        case .reload: return try await reload(request, context: context)
        }
    }

    private func recommend(_ request: Request) async throws -> Response {
        batcher?.announce()
        var submitted = false
        defer { if !submitted { batcher?.withdraw() } }
        let body = try await RequestBodyReader.read(request, limit: settings.maxBodyBytes, timeout: settings.requestTimeout)
        let parsed = try RequestDecoding.decode(RecommendRequest.self, from: body, example: #"{"history": ["12", "7"], "k": 10}"#)
        let model = slot.current
        try parsed.validate(maxHistoryLength: settings.maxHistoryLength, catalogueSize: model.catalogueSize)
        let answer: Recommender.Answer
        if let batcher {
            submitted = true
            answer = await batcher.recommend(parsed.query, with: model)
        } else {
            answer = model.recommender.recommend([parsed.query])[0]
        }
        return try APIResponses.recommendation(answer, model: model)
    }

    private func recommendBatch(_ request: Request) async throws -> Response {
        let body = try await RequestBodyReader.read(request, limit: settings.maxBodyBytes, timeout: settings.requestTimeout)
        let parsed = try RequestDecoding.decode(BatchRequest.self, from: body,
                                                example: #"{"requests": [{"history": ["12", "7"], "k": 10}]}"#)
        guard !parsed.requests.isEmpty else {
            throw HTTPFailure(.badRequest, "requests is empty; expected 1 to \(settings.maxBatchHistories) requests")
        }
        guard parsed.requests.count <= settings.maxBatchHistories else {
            throw HTTPFailure(.badRequest, "requests holds \(parsed.requests.count) requests; expected at most \(settings.maxBatchHistories)")
        }
        let model = slot.current
        for (i, item) in parsed.requests.enumerated() {
            try item.validate(path: "requests[\(i)].", maxHistoryLength: settings.maxHistoryLength, catalogueSize: model.catalogueSize)
        }
        let answers = model.recommender.recommend(parsed.requests.map(\.query))
        return try APIResponses.batch(answers, model: model)
    }

    private func reload(_ request: Request, context: Context) async throws -> Response {
        if let token = settings.adminToken {
            guard request.headers[.authorization] == "Bearer \(token)" else {
                throw HTTPFailure(.unauthorized, "reloading needs the header 'Authorization: Bearer <token>' with the token given at start",
                                  headers: [.wwwAuthenticate: "Bearer"])
            }
        } else if !context.peerIsLoopback {
            throw HTTPFailure(.forbidden, "reloading is answered only on the loopback interface (start the server with an admin token to reload from elsewhere)")
        }
        switch await reloader.reload(trigger: "POST \(Route.reload.rawValue)") {
        case .swapped(let old, let new):
            var json = JSONWriter()
            json.raw("{\"status\":\"swapped\",\"previous\":")
            json.string(old.id)
            json.raw(",\"model\":")
            json.string(new.id)
            json.raw("}")
            return APIResponses.json(json.bytes)
        case .refused(let reason, let serving):
            throw HTTPFailure(.unprocessableContent, "reload refused, still serving model \(serving.id): \(reason)")
        }
    }
}
