import CompactRecRuntime

extension ReLU {
    /// dInput = dOutput where the forward output was positive, else 0; in place on the gradient.
    public static func backward(output: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count where output[i] <= 0 { gradient[i] = 0 }
    }
}
