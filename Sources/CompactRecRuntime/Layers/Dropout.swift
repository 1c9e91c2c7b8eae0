/// Inverted dropout whose mask is a pure function of `(seed, index)`: element `i` is kept with
/// probability `1 − rate` and then scaled by `1 / (1 − rate)`.
///
/// Nothing is stored between forward and backward: backward asks the same mask again. The
/// mask depends neither on the thread count nor on the order elements are visited in, so a
/// training run is bit-reproducible from its seed, and a resumed run draws the masks the
/// uninterrupted one would have (the trainer derives each step's seed from the run's seed,
/// epoch and step). Inference never applies dropout.
public struct Dropout: Sendable, Equatable {
    public let rate: Float
    public let seed: UInt64
    /// An element is kept when the top 32 bits of its hash are at least this.
    private let threshold: UInt64
    private let scale: Float

    public init(rate: Float, seed: UInt64) {
        precondition(rate >= 0 && rate < 1, "a dropout rate lies in [0, 1)")
        self.rate = rate
        self.seed = seed
        threshold = UInt64((Double(rate) * 4_294_967_296).rounded(.down))
        scale = 1 / (1 - rate)
    }

    /// The mask of another site of the same step (another layer or buffer): an independent stream.
    public func site(_ number: Int) -> Dropout {
        Dropout(rate: rate, seed: Dropout.mix(seed ^ (UInt64(truncatingIfNeeded: number) &* 0xD6E8_FEB8_6659_FD93)))
    }

    /// The same site at another rate (a layer whose rate differs from the step's default).
    public func with(rate other: Float) -> Dropout { Dropout(rate: other, seed: seed) }

    /// The factor element `index` is multiplied by: 0 or `1 / (1 − rate)`.
    @inline(__always)
    public func factor(_ index: Int) -> Float {
        rate == 0 || Dropout.mix(seed &+ UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15) >> 32 >= threshold
            ? scale : 0
    }

    /// x[i] *= factor(offset + i), in place; the backward is the same call on the gradient.
    public func apply(_ x: UnsafeMutablePointer<Float>, count: Int, offset: Int = 0) {
        if rate == 0 { return }
        for i in 0..<count { x[i] *= factor(offset + i) }
    }

    /// SplitMix64's finaliser: a bijection of 64-bit words that spreads every input bit.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
