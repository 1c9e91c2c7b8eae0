import CKernels

/// ReLU, in place: x = max(x, 0).
public enum ReLU {
    public static func forward(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count where x[i] < 0 { x[i] = 0 }
    }

}

/// GELU, `x·Φ(x) = ½·x·(1 + erf(x/√2))` (the exact form, as BERT and RecBole's SASRec use,
/// not the tanh approximation); erf to within 1.5e-7.
public enum GELU {
    /// output[i] = gelu(input[i]); output may be input.
    public static func forward(_ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, count: Int) {
        ck_gelu(input, output, count)
    }
}
