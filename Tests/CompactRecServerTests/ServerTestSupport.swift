import CompactRec
import CompactRecTestSupport
import Foundation
import Testing
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore

@testable import CompactRecRuntime
@testable import CompactRecServer

/// Small trained-looking bundles on disk, and a live server over one, for the server's tests.
enum ServerTests {
    static let N = 300, T = 12

    /// A model whose weights are moved off their initial values (by `seed`), so that different
    /// seeds give different answers; item index i has the original id "item-<3i>".
    static func bundle(seed: UInt64, treeSoftmax: Bool = false) throws -> ModelBundle {
        let configuration = treeSoftmax
            ? ModelConfiguration(itemCount: N, embeddingSize: 16, dilations: [1, 2], maxLength: T,
                                 inputEmbedding: .blockAdaptive, outputLayer: .treeSoftmax, cutoffs: [40, 120, N], rankDivisor: 2)
            : ModelConfiguration(itemCount: N, embeddingSize: 16, dilations: [1, 2], maxLength: T)
        let model = SequentialRecommender(configuration: configuration, seed: seed)
        var rng = SeededGenerator(seed: seed + 100)
        for p in model.uniqueWeights() { for i in 0..<p.weight.count { p.weight.value.data[i] += 0.3 * rng.nextNormal() } }
        model.weightsDidChange()
        let ids = ["<pad>"] + (1..<N).map { "item-\($0 * 3)" }
        let vocabulary = try Vocabulary(originalIds: ids, frequencies: [0] + (1..<N).map { N - $0 })
        return ModelBundle(model: model, vocabulary: vocabulary, training: nil, data: ["path": "synthetic"])
    }

    /// Writes the bundle of `seed` into `directory` (replacing what is there) and returns it as read back.
    @discardableResult
    static func writeBundle(seed: UInt64, to directory: String, treeSoftmax: Bool = false) throws -> ModelBundle {
        try bundle(seed: seed, treeSoftmax: treeSoftmax).write(to: directory)
        return try ModelBundle.read(from: directory)
    }

    /// Limits small enough to test each one.
    static func settings(microBatching: Bool = false) -> ServerSettings {
        var settings = ServerSettings()
        settings.port = 0
        settings.maxBatchHistories = 8
        settings.maxHistoryLength = 50
        settings.maxBodyBytes = 4096
        settings.requestTimeout = .milliseconds(500)
        settings.idleTimeout = .seconds(1)
        settings.microBatching = microBatching
        settings.reloadOnHangup = false
        return settings
    }

    /// `history.count` histories of 1 to 2T known ids, with an unknown id in every fifth.
    static func histories(_ count: Int, seed: UInt64 = 9) -> [[String]] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { h in
            var history = (0..<(1 + Int(rng.next() % UInt64(2 * T)))).map { _ in "item-\(3 * (1 + Int(rng.next() % UInt64(N - 1))))" }
            if h % 5 == 0 { history.insert("never-seen-\(h)", at: history.count / 2) }
            return history
        }
    }

    /// Runs `test` against a live server on a free loopback port over the bundle in `directory`.
    static func withServer<Value: Sendable>(
        directory: String, settings: ServerSettings = settings(),
        _ test: @escaping @Sendable (any TestClientProtocol, RecommendationServer) async throws -> Value
    ) async throws -> Value {
        let server = RecommendationServer(model: try LoadedModel.load(from: directory), settings: settings)
        return try await server.makeApplication().test(.live) { client in try await test(client, server) }
    }
}

/// A parsed JSON answer.
struct JSONAnswer {
    let object: [String: Any]

    init(_ response: TestResponse) throws {
        guard let object = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any] else {
            throw TestSupportError("expected a JSON object, got \(String(buffer: response.body))")
        }
        self.object = object
    }

    init(bytes: [UInt8]) throws {
        guard let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw TestSupportError("expected a JSON object, got \(String(decoding: bytes, as: UTF8.self))")
        }
        self.object = object
    }

    subscript(key: String) -> Any? { object[key] }

    /// `{"items": [...], "unknown": [...]}` as the Recommender's answer type; scores are read back
    /// as Float, which the shortest representation the server writes gives exactly.
    static func answer(_ object: [String: Any]) throws -> Recommender.Answer {
        guard let items = object["items"] as? [[String: Any]], let unknown = object["unknown"] as? [String] else {
            throw TestSupportError("expected items and unknown in \(object)")
        }
        return Recommender.Answer(
            items: try items.map { item in
                guard let id = item["id"] as? String, let score = item["score"] as? Double else {
                    throw TestSupportError("expected id and score in \(item)")
                }
                return Recommender.Answer.Item(id: id, score: Float(score))
            },
            unknown: unknown)
    }
}

extension TestClientProtocol {
    /// POSTs a JSON value (anything `JSONSerialization` takes) or raw text.
    func post(_ uri: String, json: Any) async throws -> TestResponse {
        let data = try JSONSerialization.data(withJSONObject: json)
        return try await execute(uri: uri, method: .post, body: ByteBuffer(bytes: Array(data)))
    }

    func post(_ uri: String, text: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: text))
    }
}

/// Metric lines of the Prometheus text, by their name and labels as written.
func metricValue(_ exposition: String, _ series: String) -> Double? {
    for line in exposition.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.dropFirst(series.count + 1))
    }
    return nil
}

/// Whether two answers are the same up to float rounding: the same unknown ids and length, the
/// scores at each position within 1e-5 (relative, at least 1e-5 absolute), and the same item at
/// each position except where neighbours' scores are that close (a near-tie may swap). What
/// micro-batching promises: a product over B rows rounds differently from one over one row.
func agreeUpToRounding(_ a: Recommender.Answer, _ b: Recommender.Answer) -> Bool {
    guard a.unknown == b.unknown, a.items.count == b.items.count else { return false }
    func close(_ x: Float, _ y: Float) -> Bool { abs(x - y) <= 1e-5 * max(1, abs(x), abs(y)) }
    let x = a.items, y = b.items
    for i in x.indices {
        guard close(x[i].score, y[i].score) else { return false }
        if x[i].id != y[i].id {
            let nearTie = (i > 0 && close(x[i].score, x[i - 1].score)) || (i + 1 < x.count && close(x[i].score, x[i + 1].score))
            guard nearTie else { return false }
        }
    }
    return true
}

/// Waits (up to 10 s) until the server's micro-batcher has `announced` requests announced and
/// `queued` of them waiting in its queue: the server has read that far, however slow the machine.
func waitForBatcher(_ server: RecommendationServer, announced: Int, queued: Int) async throws {
    let batcher = try #require(server.batcher)
    let deadline = Date().addingTimeInterval(10)
    while batcher.counts != (announced, queued) && Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
    #expect(batcher.counts == (announced, queued))
}
