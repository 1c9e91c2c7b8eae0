import CompactRecTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import CompactRecRuntime
@testable import CompactRecServer

/// A reload swaps in the bundle as it now is on disk; a damaged bundle is refused with the
/// reason and the previous model keeps serving; a request in flight finishes on its model.
@Suite("Hot reload")
struct ReloadTests {
    static let request = #"{"history": ["item-3", "item-30", "item-300"], "k": 5}"#

    static func answer(_ client: any TestClientProtocol) async throws -> (model: String, answer: Recommender.Answer) {
        let response = try await client.post("/v1/recommend", text: request)
        #expect(response.status == .ok)
        let json = try JSONAnswer(response)
        return (json["model"] as? String ?? "", try JSONAnswer.answer(json.object))
    }

    static func expected(_ bundle: ModelBundle) -> Recommender.Answer {
        Recommender(bundle: bundle).recommend(history: ["item-3", "item-30", "item-300"], count: 5)
    }

    /// A model nothing holds any more; polled for a moment, as the request that used it last
    /// may still be returning on another thread.
    static func released(_ model: WeakModel) -> Bool {
        for _ in 0..<200 where model.model != nil { usleep(5_000) }
        return model.model == nil
    }

    final class WeakModel: @unchecked Sendable {
        weak var model: LoadedModel?
        init(_ model: LoadedModel) { self.model = model }
    }

    @Test func aReloadSwapsTheModelAndADamagedBundleIsRefusedWhileTheOldOneServes() async throws {
        let directory = try DataTestDirectory()
        let path = directory.path("model")
        let firstExpected = Self.expected(try ServerTests.writeBundle(seed: 11, to: path))
        try await ServerTests.withServer(directory: path) { client, server in
            let firstId = server.currentModel.id
            let firstModel = WeakModel(server.currentModel)
            let before = try await Self.answer(client)
            #expect(before.model == firstId && before.answer == firstExpected)

            let secondExpected = Self.expected(try ServerTests.writeBundle(seed: 12, to: path))
            #expect(secondExpected != firstExpected)  // else the swap would go unseen
            let swapped = try JSONAnswer(try await client.execute(uri: "/v1/admin/reload", method: .post))
            #expect(swapped["status"] as? String == "swapped" && swapped["previous"] as? String == firstId)
            let secondId = try #require(swapped["model"] as? String)
            #expect(secondId != firstId && server.currentModel.id == secondId)
            let after = try await Self.answer(client)
            #expect(after.model == secondId && after.answer == secondExpected)
            // The replaced model is freed once no request holds it (a server reloading every
            // minute for days must not keep each model it served).
            #expect(Self.released(firstModel), "the first model is still held after the swap")

            // Damage the weights on disk: one byte in the middle of the tensor file.
            let weights = (path as NSString).appendingPathComponent("model.safetensors")
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: weights)))
            bytes[bytes.count / 2] ^= 0x5A
            try Data(bytes).write(to: URL(fileURLWithPath: weights))
            let refused = try await client.execute(uri: "/v1/admin/reload", method: .post)
            #expect(refused.status == .unprocessableContent)
            let reason = try #require(try JSONAnswer(refused)["error"] as? String)
            #expect(reason.hasPrefix("reload refused, still serving model \(secondId)"), "\(reason)")
            #expect(reason.contains("model.safetensors") && reason.contains("SHA-256"), "\(reason)")
            let stillSecond = try await Self.answer(client)
            #expect(stillSecond.model == secondId && stillSecond.answer == secondExpected)

            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metricValue(metrics, #"compactrec_model_reloads_total{outcome="swapped"}"#) == 1)
            #expect(metricValue(metrics, #"compactrec_model_reloads_total{outcome="refused"}"#) == 1)
        }
    }

    /// A request held in a micro-batch (its batch waits for a second request still sending its
    /// body) while the model is swapped is answered by the model it started with.
    @Test func aRequestInFlightFinishesOnTheModelItStartedWith() async throws {
        let directory = try DataTestDirectory()
        let path = directory.path("model")
        let firstExpected = Self.expected(try ServerTests.writeBundle(seed: 21, to: path))
        var settings = ServerTests.settings(microBatching: true)
        settings.batchWindow = .seconds(20)
        settings.maxBatchSize = 2
        settings.requestTimeout = .seconds(20)
        settings.idleTimeout = .seconds(20)
        try await ServerTests.withServer(directory: path, settings: settings) { client, server in
            let firstId = server.currentModel.id
            let port = try #require(client.port)
            let slow = try RawConnection(port: port)  // announced, body not yet sent
            slow.send("POST /v1/recommend HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(Self.request.utf8.count)\r\n\r\n")
            try await waitForBatcher(server, announced: 1, queued: 0)
            let held = try RawConnection(port: port)  // complete, so it waits in the batch for the slow one
            held.send("POST /v1/recommend HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(Self.request.utf8.count)\r\n\r\n\(Self.request)")
            try await waitForBatcher(server, announced: 2, queued: 1)  // held waits in the queue with its model

            let secondExpected = Self.expected(try ServerTests.writeBundle(seed: 22, to: path))
            let swapped = try JSONAnswer(try await client.execute(uri: "/v1/admin/reload", method: .post))
            #expect(swapped["status"] as? String == "swapped")
            #expect(server.currentModel.id != firstId)

            slow.send(Self.request)  // the batch is complete: both are scored
            let heldAnswer = await held.receiveResponse(timeout: 10)
            let slowAnswer = await slow.receiveResponse(timeout: 10)
            func body(_ response: String) throws -> JSONAnswer {
                let start = try #require(response.range(of: "\r\n\r\n"))
                return try JSONAnswer(bytes: Array(response[start.upperBound...].utf8))
            }
            let heldJSON = try body(heldAnswer), slowJSON = try body(slowAnswer)
            #expect(heldJSON["model"] as? String == firstId)
            #expect(try JSONAnswer.answer(heldJSON.object) == firstExpected)
            #expect(slowJSON["model"] as? String == server.currentModel.id)
            #expect(try JSONAnswer.answer(slowJSON.object) == secondExpected)
        }
    }

    @Test func reloadIsGuardedByTheTokenWhenOneIsGiven() async throws {
        let directory = try DataTestDirectory()
        try ServerTests.writeBundle(seed: 1, to: directory.path("model"))
        var settings = ServerTests.settings()
        settings.adminToken = "s3cret"
        try await ServerTests.withServer(directory: directory.path("model"), settings: settings) { client, _ in
            let without = try await client.execute(uri: "/v1/admin/reload", method: .post)
            #expect(without.status == .unauthorized)
            #expect((try JSONAnswer(without)["error"] as? String)?.contains("Authorization: Bearer") == true)
            let wrong = try await client.execute(uri: "/v1/admin/reload", method: .post, headers: [.authorization: "Bearer nope"])
            #expect(wrong.status == .unauthorized)
            let right = try await client.execute(uri: "/v1/admin/reload", method: .post, headers: [.authorization: "Bearer s3cret"])
            #expect(right.status == .ok)
        }
    }
}
