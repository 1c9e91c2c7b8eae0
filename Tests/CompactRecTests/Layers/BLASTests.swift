import Testing

@testable import CompactRec
@testable import CompactRecRuntime

struct GemmCase: Sendable, CustomTestStringConvertible {
    let transA, transB: Bool
    let m, n, k: Int
    /// Extra elements at the end of each row of A, B and C (a strided view).
    let padding: Int
    var testDescription: String {
        "\(transA ? "Aᵀ" : "A")·\(transB ? "Bᵀ" : "B") m=\(m) n=\(n) k=\(k) pad=\(padding)"
    }

    static let all: [GemmCase] = [false, true].flatMap { ta in
        [false, true].flatMap { tb in
            [
                GemmCase(transA: ta, transB: tb, m: 3, n: 5, k: 4, padding: 0),
                GemmCase(transA: ta, transB: tb, m: 7, n: 2, k: 9, padding: 3),
                GemmCase(transA: ta, transB: tb, m: 1, n: 17, k: 33, padding: 1),
            ]
        }
    }
}

@Suite("BLAS.gemm")
struct BLASTests {
    @Test(arguments: GemmCase.all)
    func matchesNaiveProduct(_ g: GemmCase) {
        var rng = SeededGenerator(seed: 71)
        let m = g.m, n = g.n, k = g.k
        // Stored shapes: A is [m, k] or, transposed, [k, m]; B is [k, n] or [n, k].
        let (aRows, aCols) = g.transA ? (k, m) : (m, k)
        let (bRows, bCols) = g.transB ? (n, k) : (k, n)
        let lda = aCols + g.padding, ldb = bCols + g.padding, ldc = n + g.padding
        let a = LayerTestSupport.normal([aRows, lda], &rng)
        let b = LayerTestSupport.normal([bRows, ldb], &rng)
        let c = LayerTestSupport.normal([m, ldc], &rng)
        let c0 = c.values
        let alpha: Float = 0.75, beta: Float = -0.5

        func opA(_ i: Int, _ p: Int) -> Double { Double(g.transA ? a.data[p * lda + i] : a.data[i * lda + p]) }
        func opB(_ p: Int, _ j: Int) -> Double { Double(g.transB ? b.data[j * ldb + p] : b.data[p * ldb + j]) }
        var product = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n { for p in 0..<k { product[i * n + j] += opA(i, p) * opB(p, j) } }
        }

        BLAS.gemm(
            transA: g.transA, transB: g.transB, m: m, n: n, k: k, alpha: alpha, a: a.data, lda: lda, b: b.data,
            ldb: ldb, beta: beta, c: c.data, ldc: ldc)
        for i in 0..<m {
            for j in 0..<ldc {
                let got = c.data[i * ldc + j]
                if j < n {
                    let expected = Double(alpha) * product[i * n + j] + Double(beta) * Double(c0[i * ldc + j])
                    #expect(abs(Double(got) - expected) < 1e-5 * Double(k + 1), "[\(i), \(j)]")
                } else {
                    #expect(got == c0[i * ldc + j], "padding [\(i), \(j)] was written")
                }
            }
        }

        // beta = 0 overwrites C even where it held NaN (the layers rely on this for dInput).
        c.fill(.nan)
        BLAS.gemm(
            transA: g.transA, transB: g.transB, m: m, n: n, k: k, a: a.data, lda: lda, b: b.data, ldb: ldb,
            beta: 0, c: c.data, ldc: ldc)
        for i in 0..<m {
            for j in 0..<n {
                #expect(abs(Double(c.data[i * ldc + j]) - product[i * n + j]) < 1e-5 * Double(k + 1))
            }
        }
    }

    @Test func everyOtherRowViewNeedsNoCopy() {
        // A is every second row of a [6, 3] buffer: lda = 2·3.
        let buffer = Tensor(shape: [6, 3], values: (0..<18).map(Float.init))
        let b = Tensor(shape: [3, 1], values: [1, 10, 100])
        let c = Tensor(shape: [3, 1])
        BLAS.gemm(m: 3, n: 1, k: 3, a: buffer.data, lda: 6, b: b.data, ldb: 1, beta: 0, c: c.data, ldc: 1)
        #expect(c.values == [210, 876, 1542])  // rows [0 1 2], [6 7 8], [12 13 14]
    }

    @Test func emptyOutputIsANoOp() {
        let c = Tensor(shape: [2], values: [3, 4])
        let a = Tensor(shape: [4]), b = Tensor(shape: [4])
        BLAS.gemm(m: 0, n: 2, k: 2, a: a.data, lda: 2, b: b.data, ldb: 2, beta: 0, c: c.data, ldc: 2)
        BLAS.gemm(m: 2, n: 0, k: 2, a: a.data, lda: 2, b: b.data, ldb: 1, beta: 0, c: c.data, ldc: 1)
        #expect(c.values == [3, 4])
    }
}
