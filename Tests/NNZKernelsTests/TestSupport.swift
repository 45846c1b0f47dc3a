import NNZKernels
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Deterministic generator (SplitMix64) so failures are reproducible.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [lo, hi).
    mutating func float(_ lo: Float = -1, _ hi: Float = 1) -> Float {
        let u = Float(next() >> 40) / Float(1 << 24)
        return lo + (hi - lo) * u
    }
    mutating func floats(_ n: Int, _ lo: Float = -1, _ hi: Float = 1) -> [Float] {
        (0..<n).map { _ in float(lo, hi) }
    }
}

/// All code paths this CPU supports, as (id, name).
let supportedPaths: [(Int32, String)] = [
    (Int32(NNZ_PATH_PORTABLE), "portable"), (Int32(NNZ_PATH_AVX2), "avx2"), (Int32(NNZ_PATH_AVX512), "avx512"),
].filter { nnz_kernels_path_supported($0.0) != 0 }

/// Runs `body` once per supported code path (forced), then restores automatic selection.
func forEachPath(file: StaticString = #filePath, line: UInt = #line, _ body: (String) throws -> Void) rethrows {
    defer { nnz_kernels_force_path(Int32(NNZ_PATH_AUTO)) }
    for (id, name) in supportedPaths {
        nnz_kernels_force_path(id)
        XCTAssertEqual(String(cString: nnz_kernels_path()), name, file: file, line: line)
        XCTAssertEqual(nnz_kernels_path_id(), id, file: file, line: line)
        try body(name)
    }
}

/// Unit roundoff of float32.
let u32 = Double(Float.ulpOfOne) / 2 // 2^-24

/// Sentinel written into padding / guard areas to detect out-of-range stores.
let sentinel: Float = -12345.5

let allActivations: [nnz_activation] = [NNZ_ACT_NONE, NNZ_ACT_RELU, NNZ_ACT_SIGMOID, NNZ_ACT_TANH]

func actName(_ a: nnz_activation) -> String {
    switch a {
    case NNZ_ACT_RELU: return "relu"
    case NNZ_ACT_SIGMOID: return "sigmoid"
    case NNZ_ACT_TANH: return "tanh"
    default: return "none"
    }
}

/// Activation in double precision (reference).
func refAct(_ v: Double, _ a: nnz_activation) -> Double {
    switch a {
    case NNZ_ACT_RELU: return v > 0 ? v : 0
    case NNZ_ACT_SIGMOID: return 1 / (1 + exp(-v))
    case NNZ_ACT_TANH: return tanh(v)
    default: return v
    }
}

/// Tolerance for a float32 result built from K float32 products plus an epilogue.
///
/// Any summation order of K float32 products (with or without FMA, blocked or not) has
/// |error| <= gamma_K * sum|a*b|, gamma_K = K*u/(1-K*u), u = 2^-24 (Higham, "Accuracy and
/// Stability of Numerical Algorithms", 2nd ed., eq. 3.5).  The epilogue (alpha scaling,
/// beta*C, +beta*C, +bias) adds at most 4 more roundings, so with
///   mag = |alpha|*sum|a*b| + |beta*c0| + |bias|
/// the rigorous bound is about (K + 4)*u*mag; we allow 2x that (covers the 1/(1-K*u) factor
/// and rounding of the final value) plus 1e-30 for exact zeros.  Sigmoid and tanh are
/// 1-Lipschitz, so the bound carries through them; their own evaluation error is <= 1e-6
/// absolute (see ActivationTests), which is added when an activation is involved.  A genuine
/// indexing bug changes a result by about mag/K, far above this bound for the K tested.
func gemmTol(k: Int, mag: Double, act: nnz_activation = NNZ_ACT_NONE) -> Double {
    var t = 2 * Double(k + 4) * u32 * mag + 1e-30
    if act == NNZ_ACT_SIGMOID || act == NNZ_ACT_TANH { t += 2e-6 }
    return t
}

/// Reference op(A)*op(B) in double; returns (value, sum|a*b|) per element, row-major M x N.
func refMatmul(transA: Bool, transB: Bool, M: Int, N: Int, K: Int, A: [Float], lda: Int, B: [Float], ldb: Int)
    -> (val: [Double], mag: [Double])
{
    var val = [Double](repeating: 0, count: M * N)
    var mag = [Double](repeating: 0, count: M * N)
    A.withUnsafeBufferPointer { a in
        B.withUnsafeBufferPointer { b in
            val.withUnsafeMutableBufferPointer { v in
                mag.withUnsafeMutableBufferPointer { g in
                    // Row of op(A) and column of op(B) gathered once to keep the debug build fast.
                    var arow = [Double](repeating: 0, count: K)
                    var bT = [Double](repeating: 0, count: N * K) // bT[j*K + k] = op(B)[k][j]
                    for k in 0..<K {
                        for j in 0..<N { bT[j * K + k] = Double(transB ? b[j * ldb + k] : b[k * ldb + j]) }
                    }
                    for i in 0..<M {
                        for k in 0..<K { arow[k] = Double(transA ? a[k * lda + i] : a[i * lda + k]) }
                        for j in 0..<N {
                            var s = 0.0, m = 0.0
                            let base = j * K
                            for k in 0..<K {
                                let p = arow[k] * bT[base + k]
                                s += p
                                m += abs(p)
                            }
                            v[i * N + j] = s
                            g[i * N + j] = m
                        }
                    }
                }
            }
        }
    }
    return (val, mag)
}

/// Distance in float32 ulps between x and a double reference (ulp taken at the reference).
func ulpDistance(_ x: Float, _ ref: Double) -> Double {
    let r = Float(ref)
    let ulp = Double(r == 0 ? Float.leastNonzeroMagnitude : r.ulp)
    return abs(Double(x) - ref) / ulp
}
