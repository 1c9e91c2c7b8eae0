import CompactRecTestSupport
import Foundation
import HummingbirdTesting
import NIOCore
import Testing

@testable import CompactRecServer

/// Concurrent requests are scored together; a lone request does not wait for the window.
@Suite("Micro-batching")
struct MicroBatchingTests {
    @Test func fourRequestsAtOnceAreScoredInOneBatch() async throws {
        let directory = try DataTestDirectory()
        try ServerTests.writeBundle(seed: 2, to: directory.path("model"))
        var settings = ServerTests.settings(microBatching: true)
        settings.batchWindow = .seconds(20)  // only a full batch closes it before then
        settings.maxBatchSize = 4
        try await ServerTests.withServer(directory: directory.path("model"), settings: settings) { client, server in
            let start = Date()
            // Four heads first (four requests announced), then the four bodies.
            let port = try #require(client.port)
            let connections = try (0..<4).map { _ in try RawConnection(port: port) }
            let bodies = (0..<4).map { #"{"history": ["item-\#(3 * ($0 + 1))"]}"# }
            for (connection, body) in zip(connections, bodies) {
                connection.send("POST /v1/recommend HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(body.utf8.count)\r\n\r\n")
            }
            try await waitForBatcher(server, announced: 4, queued: 0)
            for (connection, body) in zip(connections, bodies) { connection.send(body) }
            for connection in connections {
                #expect(await connection.receiveResponse(timeout: 10).hasPrefix("HTTP/1.1 200"))
            }
            #expect(Date().timeIntervalSince(start) < 10)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metricValue(metrics, "compactrec_batch_size_count") == 1)
            #expect(metricValue(metrics, "compactrec_batch_size_sum") == 4)
        }
    }

    @Test func aLoneRequestDoesNotWaitForTheWindow() async throws {
        let directory = try DataTestDirectory()
        try ServerTests.writeBundle(seed: 2, to: directory.path("model"))
        var settings = ServerTests.settings(microBatching: true)
        settings.batchWindow = .seconds(20)
        try await ServerTests.withServer(directory: directory.path("model"), settings: settings) { client, _ in
            let start = Date()
            for _ in 0..<3 {
                #expect(try await client.post("/v1/recommend", text: #"{"history": ["item-3"]}"#).status == .ok)
                // A refused request is withdrawn from the count of those coming.
                #expect(try await client.post("/v1/recommend", text: #"{"history": []}"#).status == .badRequest)
            }
            #expect(Date().timeIntervalSince(start) < 5)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metricValue(metrics, "compactrec_batch_size_count") == 3)
        }
    }
}
