import Hummingbird
import NIOCore

/// Reads a request's whole body within the server's size and time limits.
enum RequestBodyReader {
    /// The body's bytes.
    /// - Throws: `HTTPFailure` 413 when it is (or says it is) over `limit` bytes, 408 when it
    ///   has not arrived in full within `timeout`.
    static func read(_ request: Request, limit: Int, timeout: Duration) async throws -> [UInt8] {
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw tooLarge(limit)
        }
        let body: ByteBuffer? = try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask {
                do {
                    return try await request.body.collect(upTo: limit)
                } catch is NIOTooManyBytesError {
                    throw tooLarge(limit)
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
        guard let body else {
            throw HTTPFailure(.requestTimeout, "the request body did not arrive in full within \(timeout); send it at once")
        }
        return Array(buffer: body)
    }

    private static func tooLarge(_ limit: Int) -> HTTPFailure {
        HTTPFailure(.contentTooLarge, "the request body is over the limit of \(limit) bytes")
    }
}
