import NNZKernels
import XCTest

final class GemmTests: XCTestCase {
    static let sizes = [1, 3, 17, 63, 127, 130]
    /// (alpha, beta) pairs cycled over the shapes.
    static let alphaBeta: [(Float, Float)] = [(1, 0), (0.5, -1.25), (-2, 1), (1, 1), (0.75, 0)]

    /// Runs one sgemm check on every path: odd leading dimensions (padding filled with a sentinel
    /// that must survive), C prefilled with NaN when beta == 0 (must not propagate).
    func checkSgemm(_ tA: Int, _ tB: Int, _ M: Int, _ N: Int, _ K: Int, alpha: Float, beta: Float,
                    rng: inout SplitMix64, splitRows: Bool = false) {
        let lda = (tA == 0 ? K : M) + 3, ldb = (tB == 0 ? N : K) + 5, ldc = N + 7
        let aRows = tA == 0 ? M : K, bRows = tB == 0 ? K : N
        let A = rng.floats(aRows * lda), B = rng.floats(bRows * ldb)
        var C0 = rng.floats(M * ldc)
        for i in 0..<M { for j in N..<ldc { C0[i * ldc + j] = sentinel } }
        if beta == 0 { for i in 0..<M { for j in 0..<N { C0[i * ldc + j] = .nan } } }
        let (ref, mag) = refMatmul(transA: tA != 0, transB: tB != 0, M: M, N: N, K: K, A: A, lda: lda, B: B, ldb: ldb)
        forEachPath { path in
            var C = C0
            if splitRows && M > 1 {
                // As a threaded caller would: two row blocks, A and C offset.
                let m0 = M / 2 + 1
                A.withUnsafeBufferPointer { a in
                    C.withUnsafeMutableBufferPointer { c in
                        nnz_sgemm(Int32(tA), Int32(tB), Int32(m0), Int32(N), Int32(K), alpha, a.baseAddress!, Int32(lda),
                                  B, Int32(ldb), beta, c.baseAddress!, Int32(ldc))
                        let aOff = tA == 0 ? m0 * lda : m0
                        nnz_sgemm(Int32(tA), Int32(tB), Int32(M - m0), Int32(N), Int32(K), alpha, a.baseAddress! + aOff, Int32(lda),
                                  B, Int32(ldb), beta, c.baseAddress! + m0 * ldc, Int32(ldc))
                    }
                }
            } else {
                nnz_sgemm(Int32(tA), Int32(tB), Int32(M), Int32(N), Int32(K), alpha, A, Int32(lda), B, Int32(ldb), beta, &C, Int32(ldc))
            }
            var bad = 0
            for i in 0..<M {
                for j in 0..<N {
                    let c0 = beta == 0 ? 0.0 : Double(C0[i * ldc + j])
                    let r = Double(alpha) * ref[i * N + j] + Double(beta) * c0
                    let tol = gemmTol(k: K, mag: abs(Double(alpha)) * mag[i * N + j] + abs(Double(beta) * c0))
                    let got = C[i * ldc + j]
                    if !(abs(Double(got) - r) <= tol) {
                        if bad < 3 {
                            XCTFail("sgemm \(path) tA=\(tA) tB=\(tB) M=\(M) N=\(N) K=\(K) alpha=\(alpha) beta=\(beta) C[\(i)][\(j)]=\(got) ref=\(r) tol=\(tol)")
                        }
                        bad += 1
                    }
                }
                for j in N..<ldc where C[i * ldc + j] != sentinel {
                    XCTFail("sgemm \(path) wrote padding C[\(i)][\(j)] (M=\(M) N=\(N) K=\(K))")
                    return
                }
            }
        }
    }

    func testSgemmAllTransposesOddSizes() {
        var rng = SplitMix64(seed: 1)
        var n = 0
        for tA in 0...1 {
            for tB in 0...1 {
                for M in Self.sizes {
                    for N in Self.sizes {
                        for K in Self.sizes {
                            let (alpha, beta) = Self.alphaBeta[n % Self.alphaBeta.count]
                            n += 1
                            checkSgemm(tA, tB, M, N, K, alpha: alpha, beta: beta, rng: &rng)
                        }
                    }
                }
            }
        }
    }

    /// Shapes crossing the cache-blocking boundaries (KC = 256, MC = 120, NC = 512) and the
    /// 32-column panel / 6-row tile edges, plus row-split calls.
    func testSgemmBlockingBoundaries() {
        var rng = SplitMix64(seed: 2)
        let shapes = [(250, 70, 300), (121, 33, 513), (7, 530, 40), (1, 600, 260), (130, 545, 257), (2, 1, 700), (12, 45, 77), (13, 33, 31), (6, 97, 600)]
        var n = 0
        for tA in 0...1 {
            for tB in 0...1 {
                for (M, N, K) in shapes {
                    let (alpha, beta) = Self.alphaBeta[n % Self.alphaBeta.count]
                    n += 1
                    checkSgemm(tA, tB, M, N, K, alpha: alpha, beta: beta, rng: &rng, splitRows: n % 2 == 0)
                }
            }
        }
    }

    /// K == 0 or alpha == 0: C = beta*C, and beta == 0 clears C without reading it.
    func testSgemmDegenerate() {
        forEachPath { path in
            for (K, alpha, beta) in [(0, Float(1), Float(0)), (0, 1, 2), (5, 0, 0), (5, 0, -0.5)] {
                let M = 3, N = 4
                let A = [Float](repeating: 1, count: M * max(K, 1)), B = [Float](repeating: 1, count: max(K, 1) * N)
                var C = [Float](repeating: beta == 0 ? .nan : 3, count: M * N)
                nnz_sgemm(0, 0, Int32(M), Int32(N), Int32(K), alpha, A, Int32(max(K, 1)), B, Int32(N), beta, &C, Int32(N))
                for v in C { XCTAssertEqual(v, beta == 0 ? 0 : 3 * beta, "\(path) K=\(K) alpha=\(alpha) beta=\(beta)") }
            }
            // M == 0 / N == 0: nothing touched.
            var C: [Float] = [7]
            nnz_sgemm(0, 0, 0, 1, 1, 1, [1], 1, [1], 1, 0, &C, 1)
            nnz_sgemm(0, 0, 1, 0, 1, 1, [1], 1, [1], 1, 0, &C, 1)
            XCTAssertEqual(C, [7])
        }
    }

    func checkPacked(_ M: Int, _ N: Int, _ K: Int, bias: Bool, act: nnz_activation, rng: inout SplitMix64, splitRows: Bool = false) {
        let lda = K + 1, ldb = N + 2, ldc = N + 3
        let A = rng.floats(M * lda), B = rng.floats(K * ldb)
        let biasV = rng.floats(N)
        // Pack once (the layout is path independent), with guard floats after the buffer.
        let size = nnz_pack_b_size(Int32(K), Int32(N))
        XCTAssertEqual(size, (N + 31) / 32 * 32 * K)
        var packed = [Float](repeating: sentinel, count: size + 16)
        nnz_pack_b(Int32(K), Int32(N), B, Int32(ldb), &packed)
        for g in size..<(size + 16) { XCTAssertEqual(packed[g], sentinel, "nnz_pack_b overran") }
        let (ref, mag) = refMatmul(transA: false, transB: false, M: M, N: N, K: K, A: A, lda: lda, B: B, ldb: ldb)
        forEachPath { path in
            var C = [Float](repeating: .nan, count: M * ldc)
            for i in 0..<M { for j in N..<ldc { C[i * ldc + j] = sentinel } }
            let bp: [Float]? = bias ? biasV : nil
            if splitRows && M > 1 {
                let m0 = (M + 1) / 2
                A.withUnsafeBufferPointer { a in
                    C.withUnsafeMutableBufferPointer { c in
                        nnz_gemm_packed(Int32(m0), Int32(N), Int32(K), a.baseAddress!, Int32(lda), packed, bp, act, c.baseAddress!, Int32(ldc))
                        nnz_gemm_packed(Int32(M - m0), Int32(N), Int32(K), a.baseAddress! + m0 * lda, Int32(lda), packed, bp, act,
                                        c.baseAddress! + m0 * ldc, Int32(ldc))
                    }
                }
            } else {
                nnz_gemm_packed(Int32(M), Int32(N), Int32(K), A, Int32(lda), packed, bp, act, &C, Int32(ldc))
            }
            var bad = 0
            for i in 0..<M {
                for j in 0..<N {
                    let b = bias ? Double(biasV[j]) : 0
                    let r = refAct(ref[i * N + j] + b, act)
                    let tol = gemmTol(k: K, mag: mag[i * N + j] + abs(b), act: act)
                    let got = C[i * ldc + j]
                    if !(abs(Double(got) - r) <= tol) {
                        if bad < 3 {
                            XCTFail("gemm_packed \(path) M=\(M) N=\(N) K=\(K) bias=\(bias) act=\(actName(act)) C[\(i)][\(j)]=\(got) ref=\(r) tol=\(tol)")
                        }
                        bad += 1
                    }
                }
                for j in N..<ldc where C[i * ldc + j] != sentinel {
                    XCTFail("gemm_packed \(path) wrote padding C[\(i)][\(j)] (M=\(M) N=\(N) K=\(K))")
                    return
                }
            }
        }
    }

    func testGemmPackedOddSizesBiasActivations() {
        var rng = SplitMix64(seed: 3)
        var n = 0
        for M in Self.sizes {
            for N in Self.sizes {
                for K in Self.sizes {
                    let act = allActivations[n % 4]
                    checkPacked(M, N, K, bias: (n / 4) % 2 == 0, act: act, rng: &rng)
                    n += 1
                }
            }
        }
        // Every activation x bias on a few shapes, including M = 1 (GEMV path).
        for (M, N, K) in [(1, 10, 64), (1, 128, 64), (1, 33, 1), (5, 40, 9), (64, 130, 17)] {
            for act in allActivations {
                for bias in [false, true] { checkPacked(M, N, K, bias: bias, act: act, rng: &rng) }
            }
        }
    }

    func testGemmPackedBlockingBoundariesAndRowSplit() {
        var rng = SplitMix64(seed: 4)
        for (M, N, K) in [(250, 70, 300), (121, 545, 33), (7, 530, 600), (1, 600, 513), (13, 64, 257)] {
            checkPacked(M, N, K, bias: true, act: NNZ_ACT_TANH, rng: &rng, splitRows: true)
            checkPacked(M, N, K, bias: false, act: NNZ_ACT_RELU, rng: &rng)
        }
    }

    /// K == 0: C = act(bias).
    func testGemmPackedZeroK() {
        forEachPath { path in
            let bias: [Float] = [-1, 0.5, 2]
            var C = [Float](repeating: .nan, count: 6)
            nnz_gemm_packed(2, 3, 0, [0], 1, [0], bias, NNZ_ACT_RELU, &C, 3)
            XCTAssertEqual(C, [0, 0.5, 2, 0, 0.5, 2], path)
            nnz_gemm_packed(2, 3, 0, [0], 1, [0], nil, NNZ_ACT_SIGMOID, &C, 3)
            XCTAssertEqual(C, [Float](repeating: 0.5, count: 6), path)
        }
    }

    /// gemm_packed is bitwise batch invariant: a row's result does not depend on M, on the row's
    /// position in the batch, or on how a caller splits the rows across threads (GEMV path for
    /// M == 1, 6-row tiles and remainder tiles all accumulate each element in the same order).
    func testGemmPackedBatchInvariance() {
        var rng = SplitMix64(seed: 5)
        for (M, N, K) in [(13, 10, 64), (7, 64, 128), (9, 130, 300), (8, 33, 600), (130, 40, 17)] {
            let A = rng.floats(M * K), B = rng.floats(K * N), bias = rng.floats(N)
            var packed = [Float](repeating: 0, count: nnz_pack_b_size(Int32(K), Int32(N)))
            nnz_pack_b(Int32(K), Int32(N), B, Int32(N), &packed)
            for act in allActivations {
                forEachPath { path in
                    var full = [Float](repeating: 0, count: M * N)
                    nnz_gemm_packed(Int32(M), Int32(N), Int32(K), A, Int32(K), packed, bias, act, &full, Int32(N))
                    A.withUnsafeBufferPointer { a in
                        // one row at a time
                        for i in 0..<M {
                            var row = [Float](repeating: 0, count: N)
                            nnz_gemm_packed(1, Int32(N), Int32(K), a.baseAddress! + i * K, Int32(K), packed, bias, act, &row, Int32(N))
                            for j in 0..<N where row[j].bitPattern != full[i * N + j].bitPattern {
                                XCTFail("\(path) M=\(M) N=\(N) K=\(K) act=\(actName(act)): row \(i) alone differs at \(j): \(row[j]) vs \(full[i * N + j])")
                                return
                            }
                        }
                        // odd split points
                        for split in [1, 5, M / 2 + 1] where split < M {
                            var part = [Float](repeating: 0, count: M * N)
                            part.withUnsafeMutableBufferPointer { c in
                                nnz_gemm_packed(Int32(split), Int32(N), Int32(K), a.baseAddress!, Int32(K), packed, bias, act, c.baseAddress!, Int32(N))
                                nnz_gemm_packed(Int32(M - split), Int32(N), Int32(K), a.baseAddress! + split * K, Int32(K), packed, bias, act,
                                                c.baseAddress! + split * N, Int32(N))
                            }
                            XCTAssertEqual(part.map(\.bitPattern), full.map(\.bitPattern), "\(path) split \(split) M=\(M) N=\(N) K=\(K)")
                        }
                    }
                }
            }
        }
    }
}
