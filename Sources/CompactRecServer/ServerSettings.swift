/// What a `RecommendationServer` listens on and the limits it holds requests to.
///
/// Every limit is checked per request and answered with a 4xx and a JSON error naming it.
public struct ServerSettings: Sendable {
    /// The address to listen on; `127.0.0.1` keeps the server to this machine.
    public var host = "127.0.0.1"
    /// The port to listen on; 0 picks a free one (the running server reports it).
    public var port = 8080
    /// The most histories one `POST /v1/recommend/batch` may hold.
    public var maxBatchHistories = 256
    /// The most item ids one history may hold (the model reads only its last `maxLength`, but
    /// unknown ids and exclusions look at all of them).
    public var maxHistoryLength = 1_000
    /// The largest request body accepted, in bytes; a larger one gets 413.
    public var maxBodyBytes = 1 << 20
    /// How long a request's body may take to arrive once its head has; a slower one gets 408.
    public var requestTimeout: Duration = .seconds(10)
    /// How long a connection may stay silent (between requests, or mid-request) before it is closed.
    public var idleTimeout: Duration = .seconds(60)
    /// Whether concurrent `POST /v1/recommend` requests are scored together (see `MicroBatcher`).
    public var microBatching = true
    /// The longest a request waits for others to join its batch.
    public var batchWindow: Duration = .microseconds(1_000)
    /// The most requests scored in one batch.
    public var maxBatchSize = 32
    /// Threads that score batches (each scores one batch at a time).
    public var batchWorkers = 2
    /// If set, `POST /v1/admin/reload` needs `Authorization: Bearer <token>` from any address;
    /// if nil, it is answered only for clients on the loopback interface.
    public var adminToken: String?
    /// Whether SIGHUP reloads the model (as `POST /v1/admin/reload` does).
    public var reloadOnHangup = true

    public init() {}

    /// Checks every setting, naming the first that is out of range.
    /// - Throws: `ServerSettingsError` with a sentence that says what was expected.
    public func validate() throws {
        func require(_ condition: Bool, _ message: String) throws {
            if !condition { throw ServerSettingsError(message: message) }
        }
        try require(!host.isEmpty, "the host is empty; expected an address such as 127.0.0.1")
        try require((0...65_535).contains(port), "port \(port) is out of range; expected 0 to 65535")
        try require(maxBatchHistories >= 1, "the batch limit is \(maxBatchHistories); expected at least 1 history")
        try require(maxHistoryLength >= 1, "the history limit is \(maxHistoryLength); expected at least 1 item")
        try require(maxBodyBytes >= 64, "the body limit is \(maxBodyBytes) bytes; expected at least 64")
        try require(requestTimeout > .zero, "the request timeout must be positive")
        try require(idleTimeout > .zero, "the idle timeout must be positive")
        try require(batchWindow >= .zero, "the batch window must not be negative")
        try require(maxBatchSize >= 1, "the batch size is \(maxBatchSize); expected at least 1")
        try require(batchWorkers >= 1, "\(batchWorkers) batch workers; expected at least 1")
        if let adminToken { try require(!adminToken.isEmpty, "the admin token is empty; give a non-empty one or none") }
    }
}

/// A server setting out of range.
public struct ServerSettingsError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
