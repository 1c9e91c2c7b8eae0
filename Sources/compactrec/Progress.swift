import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Training progress on stderr: a redrawn bar with loss, speed and ETA on a terminal; in a log
/// (stderr not a terminal), one line per epoch and, between them, a line with the step, loss,
/// speed and ETA at most every `logInterval`, so a long epoch shows that it is alive.
final class ProgressDisplay {
    /// Nanoseconds between two step lines in a log.
    static let logInterval: UInt64 = 30_000_000_000

    private let enabled: Bool
    private let isTerminal: Bool
    private let write: (String) -> Void
    private let now: () -> UInt64
    private var lastDraw: UInt64

    init(enabled: Bool, isTerminal: Bool = isatty(2) != 0,
         write: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) },
         now: @escaping () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }) {
        self.enabled = enabled
        self.isTerminal = isTerminal
        self.write = write
        self.now = now
        lastDraw = now()
    }

    func step(epoch: Int, epochs: Int, step: Int, steps: Int, loss: Float, sequencesPerSecond: Double, batchSize: Int) {
        guard enabled else { return }
        let time = now()
        let secondsPerStep = Double(batchSize) / max(sequencesPerSecond, 1e-9)
        let epochLeft = Double(steps - step) * secondsPerStep
        if isTerminal {
            guard step == steps || time - lastDraw > 100_000_000 else { return }
            lastDraw = time
            let width = 24
            let filled = width * step / max(steps, 1)
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            let line = String(format: "epoch %d/%d %@ %d/%d  loss %.4f  %.0f seq/s  ETA %@",
                              epoch, epochs, bar, step, steps, loss, sequencesPerSecond, Self.duration(epochLeft))
            write("\r\u{1B}[2K" + line)
        } else {
            guard step < steps, time - lastDraw >= Self.logInterval else { return }
            lastDraw = time
            let runLeft = epochLeft + Double((epochs - epoch) * steps) * secondsPerStep
            write(String(format: "epoch %d/%d step %d/%d  loss %.4f  %.0f seq/s  ETA epoch %@, run %@ (training only)\n",
                         epoch, epochs, step, steps, loss, sequencesPerSecond, Self.duration(epochLeft), Self.duration(runLeft)))
        }
    }

    func line(_ text: String) {
        guard enabled else { return }
        lastDraw = now()
        write((isTerminal ? "\r\u{1B}[2K" : "") + text + "\n")
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s % 3600 / 60) : String(format: "%dm%02ds", s / 60, s % 60)
    }
}
