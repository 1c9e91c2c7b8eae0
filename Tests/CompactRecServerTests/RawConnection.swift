import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A bare TCP connection to the server, for clients no HTTP library would be: one that sends
/// half a request and stalls. Each blocking call runs on a thread of its own, off the task pool
/// the server answers on.
final class RawConnection: @unchecked Sendable {
    private let socket: Int32

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    deinit { close(socket) }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Everything the server sends until it closes the connection or `timeout` passes, and
    /// whether it closed it.
    func receiveAll(timeout: TimeInterval) async -> (text: String, closed: Bool) {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { [self] in
                var received: [UInt8] = []
                var closed = false
                let deadline = Date().addingTimeInterval(timeout)
                var buffer = [UInt8](repeating: 0, count: 4096)
                while Date() < deadline {
                    var wait = timeval(tv_sec: 0, tv_usec: 50_000)
                    setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
                    let count = recv(socket, &buffer, buffer.count, 0)
                    if count == 0 { closed = true; break }
                    if count > 0 { received += buffer[0..<count] }
                    if count < 0 && errno != EAGAIN && errno != EWOULDBLOCK { closed = true; break }
                }
                continuation.resume(returning: (String(decoding: received, as: UTF8.self), closed))
            }
        }
    }

    /// Reads until one whole response (head and a Content-Length body) has arrived, or `timeout`.
    func receiveResponse(timeout: TimeInterval) async -> String {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { [self] in
                var received: [UInt8] = []
                let deadline = Date().addingTimeInterval(timeout)
                var buffer = [UInt8](repeating: 0, count: 4096)
                while Date() < deadline {
                    var wait = timeval(tv_sec: 0, tv_usec: 50_000)
                    setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
                    let count = recv(socket, &buffer, buffer.count, 0)
                    if count == 0 { break }
                    if count > 0 { received += buffer[0..<count] }
                    let text = String(decoding: received, as: UTF8.self)
                    if let headEnd = text.range(of: "\r\n\r\n"),
                       let lengthLine = text[..<headEnd.lowerBound].split(separator: "\r\n")
                           .first(where: { $0.lowercased().hasPrefix("content-length:") }),
                       let length = Int(lengthLine.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)),
                       text.utf8.count - text.utf8.distance(from: text.startIndex, to: headEnd.upperBound) >= length
                    {
                        break
                    }
                }
                continuation.resume(returning: String(decoding: received, as: UTF8.self))
            }
        }
    }
}
