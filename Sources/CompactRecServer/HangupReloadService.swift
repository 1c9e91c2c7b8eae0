import ServiceLifecycle
import UnixSignals

/// Reloads the model on every SIGHUP until the server shuts down.
struct HangupReloadService: Service {
    let reloader: ModelReloader

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups.cancelOnGracefulShutdown() {
            _ = await reloader.reload(trigger: "SIGHUP")
        }
    }
}
