import CompactRecRuntime
import CKernels

extension ReLU {
    /// dInput = dOutput where the forward output was positive, else 0; in place on the gradient.
    public static func backward(output: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count where output[i] <= 0 { gradient[i] = 0 }
    }
}

extension GELU {
    /// dInput[i] = dOutput[i] · gelu'(input[i]), from the forward's input; dInput may be dOutput.
    public static func backward(
        input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
        count: Int
    ) {
        ck_gelu_backward(input, outputGradient, inputGradient, count)
    }
}
