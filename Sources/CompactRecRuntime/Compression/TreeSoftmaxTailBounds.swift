// Per-tail upper bounds on the best log-softmax, for the early stop. Shape legend as in
// TreeSoftmax.swift; u = h · Q_j is a row's d_j-wide projection for tail j.
import Foundation

/// What the early stop needs to bound, for one row, the most probable item of a tail without
/// scoring it: a snapshot of each tail's weight spread, taken by `TreeSoftmax.tailBounds()`.
///
/// Tail j's logits are `z_i = u · W_i + b_i` over its k_j items. With `m` the mean column of
/// W_j and `β` the mean of b_j:
/// - Jensen's inequality gives `logsumexp(z) ≥ log k_j + u · m + β`;
/// - `u · (W_i − m)` is at most the box bound `Σ_c max(u_c · up_c, u_c · down_c)`, with up_c and
///   down_c the largest and smallest `W_ci − m_c`, and at most `|u| · max_i |W_i − m|`
///   (Cauchy–Schwarz); `b_i − β` is at most `max b − β`.
///
/// So for every item of the tail
///
///     log softmax_j(x) ≤ min(box, |u| · radius) + (max b − β) − log k_j  (+ margin)
///
/// in O(d_j) per row, after the projection's O(C · d_j), instead of O(d_j · k_j) and k_j
/// exponentials. The margin, 0.01 nats plus 10⁻⁴ of the logits' scale, stays far above the
/// rounding of the scored values (a Float sum of k_j exponentials is off by at most
/// k_j · 2⁻²⁴ relatively, under 0.003 for 50,000 items), so a tail the bound skips holds
/// nothing that full scoring would rank where it matters.
///
/// (Cutting a tail into blocks of consecutive items, each with its own mean, box and radius,
/// was tried on a trained Beauty model: it skipped no more tails than this.)
///
/// A snapshot: valid for the weights it was taken from. Take a new one after they change.
public struct TreeSoftmaxTailBounds: Sendable {
    struct Tail: Sendable {
        /// [d_j] each: max_i W_ci − m_c (≥ 0), min_i W_ci − m_c (≤ 0), max_i |W_ci|.
        var up: [Double], down: [Double], magnitude: [Double]
        /// max_i |W_i − m|, the centred columns' largest norm.
        var radius: Double
        /// max b − β, max |b|, log k_j.
        var biasUp: Double, biasMagnitude: Double, logCount: Double
    }

    let tails: [Tail]

    /// Margin terms: absolute nats, and relative to the logits' scale.
    static let absoluteMargin = 0.01, relativeMargin = 1e-4

    /// An upper bound on log softmax_j(x) for every item x of tail `t`, given the row's
    /// projection `u` [d_j]; never above 0. Infinite or NaN when `u` or the weights are.
    func bound(_ t: Int, projected u: UnsafePointer<Float>) -> Float {
        let tail = tails[t]
        var box = 0.0, squares = 0.0, scale = tail.biasMagnitude
        for c in tail.up.indices {
            let x = Double(u[c])
            box += x >= 0 ? x * tail.up[c] : x * tail.down[c]
            squares += x * x
            scale += abs(x) * tail.magnitude[c]
        }
        let spread = min(box, squares.squareRoot() * tail.radius) + tail.biasUp
        let bound = spread - tail.logCount + Self.absoluteMargin + Self.relativeMargin * scale
        return Float(min(bound, 0))
    }
}

extension TreeSoftmax {
    /// The bounds for the current weights: O(N · d_j) once, then O(d_j) per (row, tail).
    public func tailBounds() -> TreeSoftmaxTailBounds {
        TreeSoftmaxTailBounds(tails: tails.map { tail in
            let d = tail.dimensions, k = tail.items.count
            let w = tail.weight.value.data, b = tail.bias.value.data
            var up = [Double](repeating: 0, count: d), down = up, magnitude = up, mean = up
            for c in 0..<d {
                let row = w + c * k
                var sum = 0.0, high = -Double.infinity, low = Double.infinity
                for i in 0..<k {
                    let x = Double(row[i])
                    sum += x
                    high = max(high, x)
                    low = min(low, x)
                }
                mean[c] = sum / Double(k)
                up[c] = high - mean[c]
                down[c] = low - mean[c]
                magnitude[c] = max(abs(high), abs(low))
            }
            // Column norms, accumulated row by row of W so the reads stay sequential.
            var squares = [Double](repeating: 0, count: k)
            for c in 0..<d {
                let row = w + c * k
                for i in 0..<k {
                    let x = Double(row[i]) - mean[c]
                    squares[i] += x * x
                }
            }
            var sum = 0.0, high = -Double.infinity, largest = 0.0
            for i in 0..<k {
                let x = Double(b[i])
                sum += x
                high = max(high, x)
                largest = max(largest, abs(x))
            }
            return TreeSoftmaxTailBounds.Tail(
                up: up, down: down, magnitude: magnitude, radius: (squares.max() ?? 0).squareRoot(),
                biasUp: high - sum / Double(k), biasMagnitude: largest, logCount: Foundation.log(Double(k)))
        })
    }
}
