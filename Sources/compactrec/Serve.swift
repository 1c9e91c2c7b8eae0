import ArgumentParser
import CompactRec
import CompactRecServer
import Foundation
import Logging

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a model over HTTP until SIGTERM or SIGINT (SIGHUP reloads it).",
        discussion: "Routes: POST /v1/recommend, POST /v1/recommend/batch, GET /healthz, GET /v1/model, GET /metrics, "
            + "GET /openapi.yaml, POST /v1/admin/reload. See \"Serving over HTTP\" in the README.")

    @Option(help: "Model directory written by 'compactrec train --output'.") var model: String
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0: a free one, printed at start).") var port = 8080
    @Option(help: "Most histories in one POST /v1/recommend/batch.") var maxBatchHistories = 256
    @Option(help: "Most item ids in one history.") var maxHistoryLength = 1_000
    @Option(help: "Largest request body, in bytes (larger: 413).") var maxBodyBytes = 1 << 20
    @Option(help: "Seconds a request body may take to arrive (slower: 408).") var requestTimeout = 10.0
    @Option(help: "Seconds a connection may stay silent before it is closed.") var idleTimeout = 60.0
    @Flag(inversion: .prefixedNo, help: "Score concurrent POST /v1/recommend requests together.") var microBatching = true
    @Option(help: "Longest wait, in microseconds, for other requests to join a batch.") var batchWindowMicroseconds = 1_000
    @Option(help: "Most requests scored in one batch.") var maxBatchSize = 32
    @Option(help: "Threads that score batches (default: the number of cores).") var batchWorkers: Int?
    @Option(help: "File whose first line is a token that POST /v1/admin/reload then needs as 'Authorization: Bearer <token>' (without one, reload answers loopback clients only).")
    var adminTokenFile: String?
    @Option(help: "Log level: trace, debug (every request), info, notice, warning, error, critical.") var logLevel = "info"

    func run() throws {
        FreedMemory.keepLargeBlocksMapped()
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level \(logLevel) is not a level; expected trace, debug, info, notice, warning, error or critical")
        }
        var settings = ServerSettings()
        settings.host = host
        settings.port = port
        settings.maxBatchHistories = maxBatchHistories
        settings.maxHistoryLength = maxHistoryLength
        settings.maxBodyBytes = maxBodyBytes
        settings.requestTimeout = .milliseconds(Int64(requestTimeout * 1000))
        settings.idleTimeout = .milliseconds(Int64(idleTimeout * 1000))
        settings.microBatching = microBatching
        settings.batchWindow = .microseconds(batchWindowMicroseconds)
        settings.maxBatchSize = maxBatchSize
        settings.batchWorkers = batchWorkers ?? ProcessInfo.processInfo.activeProcessorCount
        if let adminTokenFile {
            guard let text = try? String(contentsOfFile: adminTokenFile, encoding: .utf8) else {
                throw ValidationError("--admin-token-file \(adminTokenFile) cannot be read")
            }
            settings.adminToken = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        }
        do { try settings.validate() } catch { throw ValidationError("\(error)") }

        var logger = Logger(label: "compactrec.serve") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = level
        // Concurrency comes from requests answered at once, each on one thread.
        BLAS.threads = 1
        // The first model is held by the server alone (nothing here outlives the block), so that
        // a reload frees it as it frees every later one.
        let server: RecommendationServer, modelId: String
        do {
            let loaded = try LoadedModel.load(from: model)
            if let reason = loaded.unverifiedReason { Output.standardError("note: \(reason)") }
            modelId = loaded.id
            server = RecommendationServer(model: loaded, settings: settings, logger: logger)
        }
        let host = self.host
        let outcome = ServeOutcome()
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                try await server.run { port in
                    // One line a script can read for the port (useful with --port 0).
                    FileHandle.standardOutput.write(Data("listening on http://\(host):\(port) model \(modelId)\n".utf8))
                }
            } catch {
                outcome.error = error
            }
            done.signal()
        }
        done.wait()
        if let error = outcome.error { throw error }
    }
}

/// How the server's task ended, handed back to the waiting command.
private final class ServeOutcome: @unchecked Sendable {
    var error: (any Error)?
}
