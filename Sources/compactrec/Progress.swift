import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Training progress on stderr: a redrawn bar with loss, speed and ETA on a terminal,
/// one line per epoch otherwise (logs stay readable).
final class ProgressDisplay {
    private let enabled: Bool
    private let isTerminal = isatty(2) != 0
    private var lastDraw: UInt64 = 0

    init(enabled: Bool) { self.enabled = enabled }

    func step(epoch: Int, epochs: Int, step: Int, steps: Int, loss: Float, sequencesPerSecond: Double, batchSize: Int) {
        guard enabled, isTerminal else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        guard step == steps || now - lastDraw > 100_000_000 else { return }
        lastDraw = now
        let width = 24
        let filled = width * step / max(steps, 1)
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let remaining = Double(steps - step) * Double(batchSize) / max(sequencesPerSecond, 1e-9)
        let line = String(format: "epoch %d/%d %@ %d/%d  loss %.4f  %.0f seq/s  ETA %@",
                          epoch, epochs, bar, step, steps, loss, sequencesPerSecond, Self.duration(remaining))
        FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
    }

    func line(_ text: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data(((isTerminal ? "\r\u{1B}[2K" : "") + text + "\n").utf8))
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s % 3600 / 60) : String(format: "%dm%02ds", s / 60, s % 60)
    }
}
