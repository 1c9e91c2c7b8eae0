import CompactRecTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import CompactRecServer

/// Every bad request gets its 4xx and a JSON error naming what was wrong; none gets a 5xx, and
/// the server answers the next good request as before.
@Suite("Bad requests")
struct BadRequestTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var method: HTTPRequest.Method = .post
        var path = "/v1/recommend"
        var body: String?
        var status: HTTPResponse.Status
        var error: String
        var testDescription: String { "\(method) \(path) \(body ?? "")" }
    }

    static let longHistory = "[" + (0..<51).map { "\"item-\($0 * 3)\"" }.joined(separator: ",") + "]"
    static let oneRequest = #"{"history": ["item-3"], "k": 2}"#

    static let cases: [Case] = [
        Case(body: #"{"history": ["item-3"], "k": 2"#, status: .badRequest, error: "the body is not valid JSON"),
        Case(body: "", status: .badRequest, error: "the body is empty; expected a JSON object"),
        Case(body: "[1, 2]", status: .badRequest, error: "the body must be a JSON object"),
        Case(body: #"{"history": ["item-3"], "k": "2"}"#, status: .badRequest, error: "k must be an integer"),
        Case(body: #"{"history": ["item-3"], "k": 2.5}"#, status: .badRequest, error: "k is 2.5; expected a whole number"),
        Case(body: #"{"history": ["item-3"], "k": null}"#, status: .badRequest, error: "k is null; expected an integer"),
        Case(body: #"{"history": [3, 6]}"#, status: .badRequest, error: "history[0] must be a string"),
        Case(body: #"{"history": "item-3"}"#, status: .badRequest, error: "history must be an array"),
        Case(body: #"{"history": ["item-3"], "exclude_history": "yes"}"#, status: .badRequest, error: "exclude_history must be true or false"),
        Case(body: #"{"k": 2}"#, status: .badRequest, error: "missing field 'history'"),
        Case(body: #"{"history": ["item-3"], "top": 2}"#, status: .badRequest, error: "unknown field 'top'; expected only history, k, exclude_history"),
        Case(body: #"{"history": []}"#, status: .badRequest, error: "history is empty; expected at least one item id"),
        Case(body: #"{"history": ["item-3", ""]}"#, status: .badRequest, error: "history[1] is an empty string"),
        Case(body: #"{"history": \#(longHistory)}"#, status: .badRequest, error: "history holds 51 item ids; expected at most 50"),
        Case(body: #"{"history": ["item-3"], "k": 0}"#, status: .badRequest, error: "k is 0; expected 1 to 299"),
        Case(body: #"{"history": ["item-3"], "k": -4}"#, status: .badRequest, error: "k is -4; expected 1 to 299"),
        Case(body: #"{"history": ["item-3"], "k": 300}"#, status: .badRequest, error: "k is 300; expected 1 to 299"),
        Case(body: #"{"history": ["item-3"], "k": 1e30}"#, status: .badRequest, error: "k is 1e+30; expected a whole number"),
        Case(body: #"{"history": ["\#(String(repeating: "x", count: 5000))"]}"#, status: .contentTooLarge,
             error: "the request body is over the limit of 4096 bytes"),
        Case(path: "/v1/recommend/batch", body: #"{"requests": []}"#, status: .badRequest, error: "requests is empty; expected 1 to 8"),
        Case(path: "/v1/recommend/batch", body: #"{"requests": [\#(Array(repeating: oneRequest, count: 9).joined(separator: ","))]}"#,
             status: .badRequest, error: "requests holds 9 requests; expected at most 8"),
        Case(path: "/v1/recommend/batch", body: #"{"requests": [\#(oneRequest), \#(oneRequest), {"history": ["item-3"], "k": 0}]}"#,
             status: .badRequest, error: "requests[2].k is 0; expected 1 to 299"),
        Case(path: "/v1/recommend/batch", body: #"{"requests": [\#(oneRequest), {"history": [1]}]}"#,
             status: .badRequest, error: "requests[1].history[0] must be a string"),
        Case(path: "/v1/recommend/batch", body: #"{"requests": [{"history": ["a"], "x": 1}]}"#,
             status: .badRequest, error: "unknown field 'x' in requests[0]"),
        Case(path: "/v1/recommend/batch", body: #"{"history": ["item-3"]}"#, status: .badRequest, error: "unknown field 'history'"),
        Case(method: .get, path: "/v2/recommend", status: .notFound, error: "no route /v2/recommend; expected one of /v1/recommend"),
        Case(path: "/v1/recommend/", body: oneRequest, status: .notFound, error: "no route /v1/recommend/"),
        Case(method: .get, path: "/v1/recommend", status: .methodNotAllowed, error: "/v1/recommend answers POST only, not GET"),
        Case(method: .delete, path: "/healthz", status: .methodNotAllowed, error: "/healthz answers GET only, not DELETE"),
        Case(method: .put, path: "/v1/admin/reload", status: .methodNotAllowed, error: "/v1/admin/reload answers POST only, not PUT"),
    ]

    @Test func eachBadRequestGetsItsStatusAndAJSONErrorNamingWhatWasWrong() async throws {
        let directory = try DataTestDirectory()
        try ServerTests.writeBundle(seed: 1, to: directory.path("model"))
        try await ServerTests.withServer(directory: directory.path("model")) { client, _ in
            for testCase in Self.cases {
                let response = try await client.execute(uri: testCase.path, method: testCase.method,
                                                        body: testCase.body.map { ByteBuffer(string: $0) })
                #expect(response.status == testCase.status, "\(testCase.testDescription)")
                #expect(response.headers[.contentType] == "application/json")
                let error = try JSONAnswer(response)["error"] as? String
                #expect(error?.contains(testCase.error) == true, "\(testCase.testDescription): \(error ?? "no error field")")
                if testCase.status == .methodNotAllowed {
                    #expect(response.headers[.allow] == (testCase.path == "/healthz" ? "GET" : "POST"))
                }
                // And the server still answers.
                let good = try await client.post("/v1/recommend", text: Self.oneRequest)
                #expect(good.status == .ok)
            }
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(!metrics.contains(#"status="5"#))
        }
    }

    @Test func aBodyThatStallsGets408AndAClientThatSendsNothingIsDisconnected() async throws {
        let directory = try DataTestDirectory()
        try ServerTests.writeBundle(seed: 1, to: directory.path("model"))
        try await ServerTests.withServer(directory: directory.path("model")) { client, _ in
            let port = try #require(client.port)
            // The head and 10 of the 40 bytes promised, then nothing.
            let stalledBody = try RawConnection(port: port)
            stalledBody.send("POST /v1/recommend HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{\"history\"")
            let start = Date()
            let answer = await stalledBody.receiveResponse(timeout: 5)
            #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
            #expect(answer.contains(#"{"error":"the request body did not arrive in full within"#))
            #expect(Date().timeIntervalSince(start) < 3)

            // Half a head, then nothing: the connection is closed once it has been idle 1 s.
            let stalledHead = try RawConnection(port: port)
            stalledHead.send("POST /v1/recommend HTTP/1.1\r\nHost: local")
            let (_, closed) = await stalledHead.receiveAll(timeout: 5)
            #expect(closed)

            // A chunked body (no Content-Length) that grows past the limit gets 413.
            let chunked = try RawConnection(port: port)
            let chunk = String(repeating: "x", count: 3000)
            chunked.send("POST /v1/recommend HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                         + "bb8\r\n\(chunk)\r\nbb8\r\n\(chunk)\r\n0\r\n\r\n")
            let tooLarge = await chunked.receiveResponse(timeout: 5)
            #expect(tooLarge.hasPrefix("HTTP/1.1 413"), "\(tooLarge)")
            #expect(tooLarge.contains(#"{"error":"the request body is over the limit of 4096 bytes"}"#))

            // (The test client's own connection has been idle too long: a new one.)
            try await TestClient.withClient(host: "127.0.0.1", port: port) { http in
                let response = try await http.post("/v1/recommend", body: ByteBuffer(string: Self.oneRequest))
                #expect(response.status == .ok)
            }
        }
    }
}
