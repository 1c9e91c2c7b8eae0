import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

@Suite("SeededGenerator")
struct SeededGeneratorTests {
    @Test func seedingAndStreamMatchReferenceSplitMix64AndXoshiro256StarStar() {
        // Computed with an independent Python implementation of SplitMix64 seeding and
        // xoshiro256**, so a change of algorithm (and of every saved run's stream) is caught.
        var zero = SeededGenerator(seed: 0)
        #expect(zero.state == [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F, 0xF88B_B8A8_724C_81EC])
        #expect((0..<4).map { _ in zero.next() } == [
            0x99EC_5F36_CB75_F2B4, 0xBF6E_1F78_4956_452A, 0x1A5F_849D_4933_E6E0, 0x6AA5_94F1_262D_2D2C,
        ])
        var answer = SeededGenerator(seed: 42)
        #expect((0..<4).map { _ in answer.next() } == [
            0x1578_0B2E_0C2E_C716, 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1, 0xECB8_AD47_03B3_60A1,
        ])
    }

    @Test func sameSeedSameStreamDifferentSeedsDiffer() {
        var a = SeededGenerator(seed: 7), b = SeededGenerator(seed: 7), c = SeededGenerator(seed: 8)
        let sa = (0..<1000).map { _ in a.next() }
        let sb = (0..<1000).map { _ in b.next() }
        let sc = (0..<1000).map { _ in c.next() }
        #expect(sa == sb)
        #expect(zip(sa, sc).filter { $0 == $1 }.isEmpty)
        #expect(a == b && a != c)
        // A copied state continues the same stream (what checkpoint/resume relies on).
        var copy = a
        #expect((0..<10).map { _ in copy.next() } == (0..<10).map { _ in a.next() })
    }

    @Test func stateRoundTripsThroughCodable() throws {
        var g = SeededGenerator(seed: 99)
        _ = g.next()
        var restored = try JSONDecoder().decode(SeededGenerator.self, from: JSONEncoder().encode(g))
        #expect(restored == g)
        #expect(restored.nextNormal() == g.nextNormal())
    }

    @Test func splitGivesAnIndependentStream() {
        var parent = SeededGenerator(seed: 5)
        var child = parent.split()
        let p = (0..<100).map { _ in parent.next() }
        let c = (0..<100).map { _ in child.next() }
        #expect(Set(p).isDisjoint(with: c))
    }

    @Test func uniformIsInUnitIntervalWithTheRightMoments() {
        var g = SeededGenerator(seed: 123)
        let n = 100_000
        var sum = 0.0, sumSquares = 0.0, low = Float.infinity, high = -Float.infinity
        for _ in 0..<n {
            let u = g.nextUniform()
            sum += Double(u); sumSquares += Double(u) * Double(u)
            low = min(low, u); high = max(high, u)
        }
        #expect(low >= 0 && high < 1)
        #expect(low < 1e-3 && high > 1 - 1e-3)
        let mean = sum / Double(n), variance = sumSquares / Double(n) - mean * mean
        // Standard errors: 0.289/√n ≈ 9e-4 for the mean, ≈ 2.7e-4 for the variance; bounds ≈ 5σ.
        #expect(abs(mean - 0.5) < 4.6e-3, "mean \(mean)")
        #expect(abs(variance - 1.0 / 12) < 1.4e-3, "variance \(variance)")
    }

    @Test func uniformTopValueIsBelowOne() {
        // The largest 24-bit draw, (2²⁴ - 1) / 2²⁴, must not round up to 1.
        #expect(Float(UInt64(0xFF_FFFF)) * (1.0 / 16_777_216.0) < 1)
    }

    @Test func normalHasZeroMeanAndUnitVariance() {
        var g = SeededGenerator(seed: 321)
        let n = 100_000
        var sum = 0.0, sumSquares = 0.0, sumFourth = 0.0, nonFinite = 0
        for _ in 0..<n {
            let z = Double(g.nextNormal())
            if !z.isFinite { nonFinite += 1 }
            sum += z; sumSquares += z * z; sumFourth += z * z * z * z
        }
        #expect(nonFinite == 0)
        let mean = sum / Double(n), variance = sumSquares / Double(n) - mean * mean
        // Standard errors 1/√n ≈ 3.2e-3 (mean) and √(2/n) ≈ 4.5e-3 (variance); bounds ≈ 5σ.
        #expect(abs(mean) < 0.016, "mean \(mean)")
        #expect(abs(variance - 1) < 0.023, "variance \(variance)")
        // A normal's kurtosis is 3 (a uniform's 1.8): SE ≈ √(96/n) ≈ 0.031.
        #expect(abs(sumFourth / Double(n) - 3) < 0.16)
    }

    @Test func fillUniformAndFillNormalUseTheirScale() {
        var g = SeededGenerator(seed: 11)
        let u = Tensor(shape: [20_000])
        u.fillUniform(bound: 0.3, using: &g)
        #expect(u.values.allSatisfy { abs($0) <= 0.3 })
        #expect(u.values.contains { $0 < -0.29 } && u.values.contains { $0 > 0.29 })
        let z = Tensor(shape: [20_000])
        z.fillNormal(std: 2, using: &g)
        let variance = z.values.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(z.count)
        #expect(abs(variance - 4) < 0.2)
    }
}
