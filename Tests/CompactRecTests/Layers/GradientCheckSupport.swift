import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// Central finite differences against an analytic gradient.
///
/// `loss` is a scalar computed from the *current* contents of the buffer being checked (the
/// layer runs its own Float forward; the loss is accumulated in Double). Each checked entry
/// `x` is set to `x + h` and `x - h`, and the numeric derivative is the loss difference over
/// the difference of the two Float values actually stored (which is not exactly `2h`).
/// An entry passes when `|a - n| <= atol + rtol · max(|a|, |n|)`.
struct GradientCheck {
    /// The perturbation. In Float32 a step of 1e-2 keeps the rounding noise of the forward
    /// (≈ 6e-8 · |the outputs the entry affects| / h) well below the tolerances, and for smooth
    /// layers the truncation error (≈ h² · |f‴| / 6) near 1e-5. Functions that are linear or
    /// quadratic in the checked buffer (convolution, embedding, affine parts) have no truncation
    /// error, so their tests use a larger step and tighter tolerances.
    var step: Float = 1e-2
    var absoluteTolerance: Double = 1e-4
    var relativeTolerance: Double = 1e-3
    /// Every entry is checked when a buffer has at most this many; otherwise a seeded random
    /// subset of this size.
    var maximumEntries = 64
    var seed: UInt64 = 0x6772_6164

    /// Set COMPACTREC_GRADCHECK_VERBOSE=1 to print how close every check came to its tolerance.
    static let verbose = ProcessInfo.processInfo.environment["COMPACTREC_GRADCHECK_VERBOSE"] != nil

    struct Mismatch: CustomStringConvertible {
        let index: Int
        let analytic: Double
        let numeric: Double
        var description: String { "[\(index)] analytic \(analytic), numeric \(numeric)" }
    }

    struct Report {
        var checked: [Int] = []
        var mismatches: [Mismatch] = []
        /// The largest |numeric| seen, to tell a real check from one where everything is 0.
        var largestNumeric = 0.0
        /// max over entries of |a - n| / (atol + rtol · max(|a|, |n|)); below 1 passes.
        var worstRatio = 0.0
    }

    /// The entries to check among `0..<count`: all, or a sorted seeded sample.
    func entries(count: Int) -> [Int] {
        if count <= maximumEntries { return Array(0..<count) }
        var rng = SeededGenerator(seed: seed &+ UInt64(count))
        var all = Array(0..<count)
        for i in 0..<maximumEntries {  // partial Fisher–Yates
            let j = i + Int(rng.next() % UInt64(count - i))
            all.swapAt(i, j)
        }
        return all[0..<maximumEntries].sorted()
    }

    /// d loss / d values[index], restoring the entry afterwards.
    func numericDerivative(at index: Int, of values: UnsafeMutablePointer<Float>, _ loss: () -> Double) -> Double {
        let original = values[index]
        let plus = original + step, minus = original - step
        values[index] = plus
        let up = loss()
        values[index] = minus
        let down = loss()
        values[index] = original
        return (up - down) / (Double(plus) - Double(minus))
    }

    func compare(
        values: UnsafeMutablePointer<Float>, analytic: [Double], entries indices: [Int], _ loss: () -> Double
    ) -> Report {
        var report = Report()
        report.checked = indices
        for i in indices {
            let a = analytic[i]
            let n = numericDerivative(at: i, of: values, loss)
            let allowed = absoluteTolerance + relativeTolerance * max(abs(a), abs(n))
            let ratio = abs(a - n) / allowed
            report.worstRatio = max(report.worstRatio, ratio.isNaN ? .infinity : ratio)
            report.largestNumeric = max(report.largestNumeric, abs(n))
            if !(ratio <= 1) { report.mismatches.append(Mismatch(index: i, analytic: a, numeric: n)) }
        }
        return report
    }

    /// Records an issue for every mismatch, and (unless `mayBeZero`) if the whole gradient is
    /// numerically zero, which would make the comparison vacuous.
    @discardableResult
    func expectMatches(
        _ name: String, values: Tensor, analytic: [Double], entries indices: [Int]? = nil, mayBeZero: Bool = false,
        sourceLocation: SourceLocation = #_sourceLocation, _ loss: () -> Double
    ) -> Report {
        precondition(analytic.count == values.count, "\(name): \(analytic.count) analytic values for \(values.shape)")
        let report = compare(values: values.data, analytic: analytic, entries: indices ?? entries(count: values.count), loss)
        #expect(
            report.mismatches.isEmpty,
            "\(name): \(report.mismatches.count) of \(report.checked.count) entries differ, e.g. \(report.mismatches.prefix(4))",
            sourceLocation: sourceLocation)
        if GradientCheck.verbose {
            print("gradient check \(name) at \(sourceLocation.fileName):\(sourceLocation.line): \(report.checked.count) entries, worst ratio \(report.worstRatio), largest |numeric| \(report.largestNumeric)")
        }
        if !mayBeZero {
            #expect(report.largestNumeric > 1e-3, "\(name): the gradient is zero wherever checked", sourceLocation: sourceLocation)
        }
        return report
    }
}

/// Fixtures shared by the layer tests.
enum LayerTestSupport {
    /// A tensor of N(0, std²) values.
    static func normal(_ shape: [Int], std: Float = 1, _ rng: inout SeededGenerator) -> Tensor {
        let t = Tensor(shape: shape)
        t.fillNormal(std: std, using: &rng)
        return t
    }

    /// The linear probe loss Σ out ⊙ R in Double, whose gradient with respect to `out` is `R`.
    static func probe(_ output: UnsafePointer<Float>, _ r: Tensor) -> Double {
        var total = 0.0
        for i in 0..<r.count { total += Double(output[i]) * Double(r.data[i]) }
        return total
    }

    /// Fills a parameter's gradient with random "earlier" contributions and returns them, so
    /// that `accumulated(_:since:)` checks that backward adds instead of overwriting.
    static func prefillGradient(_ p: Weight, _ rng: inout SeededGenerator) -> [Float] {
        p.gradient.fillNormal(std: 1, using: &rng)
        return p.gradient.values
    }

    /// What backward added to a gradient since `before`.
    static func accumulated(_ p: Weight, since before: [Float]) -> [Double] {
        (0..<p.count).map { Double(p.gradient.data[$0]) - Double(before[$0]) }
    }

    static func doubles(_ t: Tensor) -> [Double] { t.values.map(Double.init) }

    static func maxAbsDifference(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count)
        return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    /// Mean softmax cross-entropy, in Double, of `logits` rows ([M, N], Float) with `targets`.
    static func meanCrossEntropy(_ logits: UnsafePointer<Float>, rows M: Int, width N: Int, targets: [Int32]) -> Double {
        var total = 0.0
        for r in 0..<M {
            let row = logits + r * N
            var top = -Double.infinity
            for i in 0..<N { top = max(top, Double(row[i])) }
            var sum = 0.0
            for i in 0..<N { sum += exp(Double(row[i]) - top) }
            total += log(sum) + top - Double(row[Int(targets[r])])
        }
        return total / Double(M)
    }
}
