/// A seeded random number generator (xoshiro256**), so a run is reproducible from `--seed`.
///
/// Its state is four words and can be saved and restored exactly.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Codable, Equatable {
    public var state: [UInt64]

    public init(seed: UInt64) {
        // SplitMix64 spreads a small seed over the whole state, as the xoshiro authors advise.
        var z = seed
        var s = [UInt64](repeating: 0, count: 4)
        for i in 0..<4 {
            z &+= 0x9E37_79B9_7F4A_7C15
            var x = z
            x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
            x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
            s[i] = x ^ (x >> 31)
        }
        state = s
    }

    public mutating func next() -> UInt64 {
        let result = rotl(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = rotl(state[3], 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1) with 24 bits of precision.
    public mutating func nextUniform() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Standard normal (Box–Muller).
    public mutating func nextNormal() -> Float {
        let u1 = max(Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0), 1e-300)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return Float((-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2))
    }

    /// A derived generator for an independent stream (e.g. one per parameter).
    public mutating func split() -> SeededGenerator { SeededGenerator(seed: next()) }
}

extension Tensor {
    /// True while a model is built only to receive stored weights (`ModelBundle.read` sets it
    /// for its own task): the random fills below leave the values as they are, since every one
    /// is overwritten. A Beauty model's fills took a third of its load time.
    @TaskLocal public static var skipsRandomFill = false

    /// Fills with U(-bound, bound).
    public func fillUniform(bound: Float, using rng: inout SeededGenerator) {
        guard !Tensor.skipsRandomFill else { return }
        for i in 0..<count { data[i] = (2 * rng.nextUniform() - 1) * bound }
    }

    /// Fills with N(0, std²).
    public func fillNormal(std: Float, using rng: inout SeededGenerator) {
        guard !Tensor.skipsRandomFill else { return }
        for i in 0..<count { data[i] = rng.nextNormal() * std }
    }
}
