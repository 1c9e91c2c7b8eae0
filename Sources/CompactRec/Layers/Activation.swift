/// ReLU, in place: x = max(x, 0).
public enum ReLU {
    public static func forward(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count where x[i] < 0 { x[i] = 0 }
    }

    /// dInput = dOutput where the forward output was positive, else 0; in place on the gradient.
    public static func backward(output: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count where output[i] <= 0 { gradient[i] = 0 }
    }
}
