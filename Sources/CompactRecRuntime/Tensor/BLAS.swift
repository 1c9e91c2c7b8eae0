// The one file that talks to the platform BLAS. Everything else calls `BLAS.gemm`.
#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

public enum BLAS {
    /// C[M,N] = alpha · op(A) · op(B) + beta · C, all row-major.
    ///
    /// `lda`, `ldb`, `ldc` are row strides in elements, so a view of every `r`-th row or of a
    /// column block needs no copy. `transA` means A is stored `[K, M]`; `transB`, B is `[N, K]`.
    @inline(__always)
    public static func gemm(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        if m == 1 {
            // One row is a matrix-vector product. sgemm would first copy (pack) all of op(B),
            // which for one row costs as much as the product itself; sgemv streams B once.
            // y = op(B)ᵀ·x where x is A's only row (stride lda when A is stored transposed).
            if beta == 0 { c.update(repeating: 0, count: n) }  // so a NaN in C cannot survive 0·NaN
            cblas_sgemv(
                CblasRowMajor, transB ? CblasNoTrans : CblasTrans,
                blasInt(transB ? n : k), blasInt(transB ? k : n), alpha, b, blasInt(ldb),
                a, blasInt(transA ? lda : 1), beta, c, 1)
            return
        }
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasInt(m), blasInt(n), blasInt(k), alpha, a, blasInt(lda), b, blasInt(ldb), beta, c, blasInt(ldc))
    }

    /// Which kernels the BLAS runs (e.g. "OpenBLAS Zen", "Accelerate").
    public static var kernels: String {
        #if canImport(Accelerate)
        return "Accelerate"
        #else
        if let name = openblas_get_corename() { return "OpenBLAS " + String(cString: name) }
        return "OpenBLAS"
        #endif
    }

    /// Threads the BLAS may use for one product.
    public static var threads: Int {
        get {
            #if canImport(Accelerate)
            return 1
            #else
            return Int(openblas_get_num_threads())
            #endif
        }
        set {
            #if !canImport(Accelerate)
            openblas_set_num_threads(Int32(newValue))
            #endif
        }
    }

    #if canImport(Accelerate)
    @inline(__always) private static func blasInt(_ x: Int) -> Int32 { Int32(x) }
    #else
    @inline(__always) private static func blasInt(_ x: Int) -> Int32 { Int32(x) }
    #endif
}
