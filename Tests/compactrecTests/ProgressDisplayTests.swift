import Testing

@testable import compactrec

/// Progress in a log: one line per epoch and, between them, a step line at most every 30 s.
@Suite("Progress display")
struct ProgressDisplayTests {
    final class Recorder {
        var lines: [String] = []
        var clock: UInt64 = 0
    }

    private static func display(_ recorder: Recorder, terminal: Bool) -> ProgressDisplay {
        ProgressDisplay(enabled: true, isTerminal: terminal, write: { recorder.lines.append($0) }, now: { recorder.clock })
    }

    @Test func aLogGetsAStepLineEveryIntervalWithTheEpochAndRunETA() {
        let recorder = Recorder()
        let progress = Self.display(recorder, terminal: false)
        // 10 sequences a step at 100 sequences/s: 0.1 s a step.
        func step(_ step: Int, at seconds: UInt64) {
            recorder.clock = seconds * 1_000_000_000
            progress.step(epoch: 2, epochs: 5, step: step, steps: 1000, loss: 3.25, sequencesPerSecond: 100, batchSize: 10)
        }
        step(1, at: 1)
        step(200, at: 29)
        #expect(recorder.lines.isEmpty, "nothing before the first 30 s")
        step(300, at: 30)
        // 700 steps left in the epoch (70 s), 3 more epochs of 1,000 steps (300 s).
        #expect(recorder.lines == ["epoch 2/5 step 300/1000  loss 3.2500  100 seq/s  ETA epoch 1m10s, run 6m10s (training only)\n"])
        step(301, at: 59)
        #expect(recorder.lines.count == 1)
        step(600, at: 60)
        #expect(recorder.lines.count == 2 && recorder.lines[1].hasPrefix("epoch 2/5 step 600/1000"))
        // The epoch's own line follows its last step; that step draws nothing.
        step(1000, at: 200)
        #expect(recorder.lines.count == 2)
        progress.line("epoch 2/5  loss 3.2000")
        step(10, at: 220)
        #expect(recorder.lines.count == 3, "the interval counts from the last line written")
    }

    @Test func aTerminalGetsARedrawnBarAndQuietGetsNothing() {
        let recorder = Recorder()
        let progress = Self.display(recorder, terminal: true)
        recorder.clock = 200_000_000
        progress.step(epoch: 1, epochs: 1, step: 500, steps: 1000, loss: 1, sequencesPerSecond: 100, batchSize: 10)
        #expect(recorder.lines.count == 1 && recorder.lines[0].hasPrefix("\r\u{1B}[2Kepoch 1/1 ") && recorder.lines[0].hasSuffix("ETA 0m50s"))

        let quiet = Recorder()
        let silent = ProgressDisplay(enabled: false, isTerminal: false, write: { quiet.lines.append($0) }, now: { quiet.clock })
        quiet.clock = 100_000_000_000
        silent.step(epoch: 1, epochs: 1, step: 5, steps: 10, loss: 1, sequencesPerSecond: 1, batchSize: 1)
        silent.line("x")
        #expect(quiet.lines.isEmpty)
    }
}
