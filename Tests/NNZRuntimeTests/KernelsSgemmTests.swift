@testable import NNZRuntime
import XCTest

/// `Kernels.sgemm` (the threaded entry point over nnz_sgemm): every transpose combination,
/// split and unsplit, against a double-precision reference.
final class KernelsSgemmTests: XCTestCase {
    func reference(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: [Float], lda: Int,
                   b: [Float], ldb: Int, beta: Float, c0: [Float], ldc: Int) -> (val: [Double], mag: [Double]) {
        var val = [Double](repeating: 0, count: m * ldc), mag = val
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0, g = 0.0
                for p in 0..<k {
                    let x = Double(transA ? a[p * lda + i] : a[i * lda + p]) * Double(transB ? b[j * ldb + p] : b[p * ldb + j])
                    s += x
                    g += abs(x)
                }
                let prior = beta == 0 ? 0 : Double(beta) * Double(c0[i * ldc + j])
                val[i * ldc + j] = Double(alpha) * s + prior
                mag[i * ldc + j] = abs(Double(alpha)) * g + abs(prior)
            }
        }
        return (val, mag)
    }

    func testSplitAndUnsplitMatchReference() {
        var seed: UInt64 = 7
        func next() -> Float {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: seed) >> 40) / Float(1 << 23)
        }
        for (m, n, k) in [(301, 129, 97), (17, 3, 1), (64, 65, 300)] {
            for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
                let lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 1, ldc = n + 2
                let a = (0..<((transA ? k : m) * lda)).map { _ in next() }
                let b = (0..<((transB ? n : k) * ldb)).map { _ in next() }
                let c0 = (0..<(m * ldc)).map { _ in next() }
                let (alpha, beta): (Float, Float) = transA ? (0.5, 2) : (1, 0)
                let (val, mag) = reference(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                                           b: b, ldb: ldb, beta: beta, c0: c0, ldc: ldc)
                for threads in [1, 2, 3] {
                    var c = c0
                    a.withUnsafeBufferPointer { pa in
                        b.withUnsafeBufferPointer { pb in
                            c.withUnsafeMutableBufferPointer { pc in
                                // a split even at these sizes: the row-block logic is what is tested
                                Kernels.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: pa.baseAddress!,
                                              lda: lda, b: pb.baseAddress!, ldb: ldb, beta: beta, c: pc.baseAddress!, ldc: ldc,
                                              parts: threads)
                            }
                        }
                    }
                    for i in 0..<m {
                        for j in 0..<ldc {
                            let x = i * ldc + j
                            if j >= n { XCTAssertEqual(c[x], c0[x], "padding column written"); continue }
                            let tol = 2 * Double(k + 4) * Double(Float.ulpOfOne / 2) * mag[x] + 1e-30
                            if !(abs(Double(c[x]) - val[x]) <= tol) {
                                XCTFail("sgemm \(m)x\(n)x\(k) tA=\(transA) tB=\(transB) threads=\(threads) [\(i)][\(j)] \(c[x]) vs \(val[x])")
                                return
                            }
                        }
                    }
                }
            }
        }
    }
}
