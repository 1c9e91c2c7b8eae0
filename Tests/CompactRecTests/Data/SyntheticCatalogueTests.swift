import CompactRecTestSupport
import Foundation
import Testing

@testable import CompactRec

/// `compactrec synth`'s generator: seeded bytes, the Zipf shares and lengths it promises, the
/// successor structure, checked settings, and a file the `seq` reader takes.
@Suite("Synthetic catalogue")
struct SyntheticCatalogueTests {
    static func lines(_ text: [UInt8]) -> [[Int]] {
        String(decoding: text, as: UTF8.self).split(separator: "\n").map { $0.split(separator: " ").map { Int($0)! } }
    }

    @Test("the same settings give the same bytes; another seed other bytes")
    func seeded() throws {
        var catalogue = SyntheticCatalogue(items: 500, users: 300)
        let first = try catalogue.generate().text, again = try catalogue.generate().text
        #expect(first == again)
        catalogue.seed = 2
        #expect(try catalogue.generate().text != first)
    }

    @Test("independent draws follow the Zipf law: rank r has probability (r + 1)^−s / H(N, s)")
    func zipfShares() throws {
        var catalogue = SyntheticCatalogue(items: 1000, users: 20_000)
        catalogue.follow = 0
        let (text, summary) = try catalogue.generate()
        let lines = Self.lines(text)
        var counts: [Int: Int] = [:]
        for line in lines { for item in line { counts[item, default: 0] += 1 } }
        let total = Double(summary.interactions)
        #expect(total == Double(lines.reduce(0) { $0 + $1.count }))
        let harmonic = (1...1000).reduce(0.0) { $0 + 1 / Double($1) }
        let sorted = counts.values.sorted(by: >)
        // The most popular item: 1 / H(1000, 1) = 13.4 % of ~200,000 draws (σ ≈ 0.08 %).
        #expect(abs(Double(sorted[0]) / total - 1 / harmonic) < 0.004, "\(Double(sorted[0]) / total)")
        // The top fifth: H(200) / H(1000) = 78.5 %, as counted by rank in the summary.
        let fifth = (1...200).reduce(0.0) { $0 + 1 / Double($1) } / harmonic
        #expect(abs(summary.topFifthShare - fifth) < 0.005, "\(summary.topFifthShare) against \(fifth)")
        // Ids are shuffled: the most popular item is not id 1 (for this seed).
        #expect(counts.max { $0.value < $1.value }!.key != 1)
        // Histories: at least 3 items, mean 10 (3 + geometric with mean 7; σ of the mean ≈ 0.05).
        #expect(lines.allSatisfy { $0.count >= 3 })
        #expect(abs(total / Double(lines.count) - 10) < 0.2, "\(total / Double(lines.count))")
        #expect(summary.distinctItems == counts.count)
    }

    @Test("with follow 1 and one successor, each item is always followed by the same item")
    func successors() throws {
        var catalogue = SyntheticCatalogue(items: 5000, users: 2000)
        catalogue.follow = 1
        catalogue.successors = 1
        var next: [Int: Int] = [:]
        var pairs = 0
        for line in Self.lines(try catalogue.generate().text) {
            for (a, b) in zip(line, line.dropFirst()) {
                #expect(next[a, default: b] == b, "\(a) followed by \(next[a]!) and \(b)")
                next[a] = b
                pairs += 1
            }
        }
        #expect(pairs > 10_000)
    }

    @Test("settings that cannot make a usable file are refused, naming the flag")
    func refused() {
        func error(_ change: (inout SyntheticCatalogue) -> Void) -> String {
            var catalogue = SyntheticCatalogue(items: 100, users: 10)
            change(&catalogue)
            do { try catalogue.validate() } catch { return "\(error)" }
            return "accepted"
        }
        #expect(error { $0.items = 1 }.contains("--items"))
        #expect(error { $0.users = 0 }.contains("--users"))
        #expect(error { $0.meanLength = 2.5 }.contains("--mean-length"))
        #expect(error { $0.zipfExponent = -1 }.contains("--zipf"))
        #expect(error { $0.follow = 1.5 }.contains("--follow"))
        #expect(error { $0.successors = 0 }.contains("--successors"))
        #expect(error { _ in } == "accepted")
    }

    @Test("the file reads back as seq data: one sequence a user, the items it counted")
    func readsBack() throws {
        let directory = try DataTestDirectory()
        let (text, summary) = try SyntheticCatalogue(items: 300, users: 400).generate()
        let path = try directory.write("synth.txt", String(decoding: text, as: UTF8.self))
        var items = ItemTokenTable()
        let log = try InteractionLog.read(path: path, format: .auto, items: &items)
        #expect(log.layout.format == .seq)
        #expect(log.sequences.count == 400 && items.count == summary.distinctItems)
        #expect(log.sequences.reduce(0) { $0 + $1.count } == summary.interactions)
    }
}
