import Hummingbird
import NIOCore

/// What the server keeps of each request's connection: its channel, for the peer's address
/// (`POST /v1/admin/reload` answers only loopback peers unless a token was given).
struct ServerRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// Whether the peer is on the loopback interface (127.0.0.0/8, ::1, or IPv4-mapped 127.x).
    var peerIsLoopback: Bool {
        guard let address = channel.remoteAddress?.ipAddress else { return false }
        return address.hasPrefix("127.") || address == "::1" || address.hasPrefix("::ffff:127.")
    }
}
