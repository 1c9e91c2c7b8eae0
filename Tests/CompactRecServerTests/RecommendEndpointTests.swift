import CompactRecTestSupport
import Foundation
import HummingbirdTesting
import NIOCore
import Testing

@testable import CompactRecRuntime
@testable import CompactRecServer

/// The answers over HTTP are the Recommender's: item for item and score bit for bit without
/// micro-batching; up to float rounding with it and on the batch route (several histories in
/// one matrix product).
@Suite("Recommend over HTTP")
struct RecommendEndpointTests {
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func answersEqualTheRecommenders(microBatching: Bool, treeSoftmax: Bool) async throws {
        let directory = try DataTestDirectory()
        let bundle = try ServerTests.writeBundle(seed: 3, to: directory.path("model"), treeSoftmax: treeSoftmax)
        let recommender = Recommender(bundle: bundle)
        let histories = ServerTests.histories(120)
        try await ServerTests.withServer(directory: directory.path("model"), settings: ServerTests.settings(microBatching: microBatching)) {
            client, server in
            let modelId = server.currentModel.id
            // Eight connections at once, so that micro-batching has requests to put together.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for connection in 0..<8 {
                    group.addTask {
                        try await TestClient.withClient(host: "127.0.0.1", port: client.port!) { http in
                            for h in stride(from: connection, to: histories.count, by: 8) {
                                let k = 1 + h % 15, exclude = h % 3 == 0
                                let body = try JSONSerialization.data(withJSONObject: ["history": histories[h], "k": k, "exclude_history": exclude])
                                let response = try await http.post("/v1/recommend", body: ByteBuffer(bytes: Array(body)))
                                #expect(response.status == .ok)
                                let json = try JSONAnswer(bytes: Array(buffer: response.body ?? ByteBuffer()))
                                #expect(json["model"] as? String == modelId)
                                let expected = recommender.recommend(history: histories[h], count: k, excludingHistory: exclude)
                                let answer = try JSONAnswer.answer(json.object)
                                if microBatching {
                                    #expect(agreeUpToRounding(answer, expected), "history \(h): \(answer) vs \(expected)")
                                } else {
                                    #expect(answer == expected, "history \(h)")
                                }
                                #expect(expected.items.count == k)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    @Test func theBatchRouteAnswersEachHistoryAsTheRecommenderDoes() async throws {
        let directory = try DataTestDirectory()
        let recommender = Recommender(bundle: try ServerTests.writeBundle(seed: 4, to: directory.path("model")))
        let histories = ServerTests.histories(8, seed: 5)
        try await ServerTests.withServer(directory: directory.path("model")) { client, server in
            let requests: [[String: Any]] = histories.enumerated().map { ["history": $1, "k": 2 + $0, "exclude_history": $0 % 2 == 0] }
            let response = try await client.post("/v1/recommend/batch", json: ["requests": requests])
            #expect(response.status == .ok)
            let json = try JSONAnswer(response)
            #expect(json["model"] as? String == server.currentModel.id)
            let results = try #require(json["results"] as? [[String: Any]])
            #expect(results.count == histories.count)
            for (i, result) in results.enumerated() {
                let expected = recommender.recommend(history: histories[i], count: 2 + i, excludingHistory: i % 2 == 0)
                #expect(agreeUpToRounding(try JSONAnswer.answer(result), expected))
                #expect(try JSONAnswer.answer(result).items.count == 2 + i)
            }
            #expect(try JSONAnswer.answer(results[0]).unknown == ["never-seen-0"])
        }
    }

    @Test func healthModelOpenAPIAndMetricsAnswer() async throws {
        let directory = try DataTestDirectory()
        try ServerTests.writeBundle(seed: 6, to: directory.path("model"))
        try await ServerTests.withServer(directory: directory.path("model")) { client, server in
            let id = server.currentModel.id
            #expect(id.count == 16 && id.allSatisfy(\.isHexDigit))
            let health = try JSONAnswer(try await client.execute(uri: "/healthz", method: .get))
            #expect(health["status"] as? String == "ok" && health["model"] as? String == id)

            let model = try JSONAnswer(try await client.execute(uri: "/v1/model", method: .get))
            #expect(model["model"] as? String == id)
            #expect(model["items"] as? Int == ServerTests.N - 1)
            #expect(model["precision"] as? String == "float32")
            #expect(model["verified"] as? Bool == true)
            let parameters = try #require(model["parameters"] as? [String: Int])
            let bytes = try #require(model["bytes"] as? [String: Int])
            #expect(parameters["input"] == ServerTests.N * 16)
            #expect(bytes["total"] == 4 * parameters["total"]!)
            #expect((model["configuration"] as? [String: Any])?["maxLength"] as? Int == ServerTests.T)

            // The document served is the one committed beside the server's sources.
            let served = try await client.execute(uri: "/openapi.yaml", method: .get)
            let committed = try String(contentsOfFile: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("../../Sources/CompactRecServer/openapi.yaml").path, encoding: .utf8)
            #expect(String(buffer: served.body) == committed)

            _ = try await client.post("/v1/recommend", json: ["history": ["item-3"], "k": 3])
            _ = try await client.post("/v1/recommend", json: ["history": [], "k": 3])
            _ = try await client.execute(uri: "/no/such/route", method: .get)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metricValue(metrics, #"compactrec_http_requests_total{route="/v1/recommend",status="200"}"#) == 1)
            #expect(metricValue(metrics, #"compactrec_http_requests_total{route="/v1/recommend",status="400"}"#) == 1)
            #expect(metricValue(metrics, #"compactrec_http_requests_total{route="unmatched",status="404"}"#) == 1)
            #expect(metricValue(metrics, #"compactrec_http_request_duration_seconds_count{route="/v1/recommend"}"#) == 2)
            // The request asking for the metrics is the one in flight.
            #expect(metricValue(metrics, "compactrec_http_requests_in_flight") == 1)
            #expect(metricValue(metrics, #"compactrec_model_reloads_total{outcome="swapped"}"#) == 0)
        }
    }
}
