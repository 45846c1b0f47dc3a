import NNZKernels
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class ElementwiseTests: XCTestCase {
    /// Inputs: a dense sweep over [-110, 110], random values at several scales, the polynomial /
    /// saturation boundaries, and specials.
    static func activationInputs() -> [Float] {
        var xs: [Float] = []
        var x: Float = -110
        while x <= 110 { xs.append(x); x += 0.0137 }
        var rng = SplitMix64(seed: 11)
        for scale: Float in [1e-6, 1e-3, 0.1, 1, 5, 20, 100, 1e4] { xs += rng.floats(2000, -scale, scale) }
        let specials: [Float] = [0, -0.0, 1e-30, -1e-30, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
                                 .leastNormalMagnitude, 0.625, -0.625, 0.62499997, -0.62499997, 0.62500006,
                                 8.9, 9.1, -9.1, 16.6, 17.5, -17.5, 43.67, -43.67, 87.33, -87.33, 87.34, -87.34, 88.7, -88.7,
                                 89, -89, 103.9, -103.9, 104, -104, 200, -200, 1e30, -1e30,
                                 .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .infinity, -.infinity]
        return xs + specials
    }

    func run(_ f: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void, _ x: [Float], inPlace: Bool = false) -> [Float] {
        if inPlace {
            var y = x
            y.withUnsafeMutableBufferPointer { p in f(p.baseAddress!, p.baseAddress!, x.count) }
            return y
        }
        // Guard area after the output must survive (masked tails).
        var y = [Float](repeating: sentinel, count: x.count + 19)
        f(x, &y, x.count)
        for g in x.count..<(x.count + 19) { XCTAssertEqual(y[g], sentinel, "write past end") }
        return Array(y[0..<x.count])
    }

    /// Sigmoid and tanh on every path: (a) <= 1e-6 absolute from the libm-based portable path and
    /// from a double reference, (b) relative error <= maxUlp ulps where the result is a normal
    /// float (SIMD exp is ~1 ulp; the division / 1-e steps add ~1-2 ulps), (c) exact saturation
    /// to 0 / 1 / +-1 for large |x| and no NaN/inf for any non-NaN input, (d) NaN -> NaN.
    func checkActivation(name: String, maxUlp: Double,
                         _ f: @escaping (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void,
                         ref: (Double) -> Double, saturation: [(Float, Float)]) {
        let xs = Self.activationInputs()
        nnz_kernels_force_path(Int32(NNZ_PATH_PORTABLE))
        let portable = run(f, xs)
        nnz_kernels_force_path(Int32(NNZ_PATH_AUTO))
        forEachPath { path in
            // every tail length 0..<40 and a few offsets exercise the masked remainders
            for len in 0..<40 {
                let sub = Array(xs[1000..<(1000 + len)])
                let y = run(f, sub)
                for i in 0..<len { XCTAssertLessThanOrEqual(abs(y[i] - portable[1000 + i]), 1e-6, "\(name) \(path) tail \(len)") }
            }
            let y = run(f, xs)
            let yi = run(f, xs, inPlace: true)
            var worstUlp = 0.0, worstX: Float = 0
            for (i, x) in xs.enumerated() {
                let r = ref(Double(x))
                XCTAssertTrue(y[i].isFinite, "\(name) \(path) x=\(x) -> \(y[i])")
                if abs(y[i] - portable[i]) > 1e-6 || abs(Double(y[i]) - r) > 1e-6 {
                    XCTFail("\(name) \(path) x=\(x) got \(y[i]) portable \(portable[i]) ref \(r)")
                }
                XCTAssertEqual(y[i].bitPattern, yi[i].bitPattern, "\(name) \(path) in-place differs at x=\(x)")
                if abs(r) >= Double(Float.leastNormalMagnitude) {
                    let d = ulpDistance(y[i], r)
                    if d > worstUlp { worstUlp = d; worstX = x }
                }
            }
            XCTAssertLessThanOrEqual(worstUlp, maxUlp, "\(name) \(path): worst \(worstUlp) ulp at x=\(worstX)")
            print("\(name) \(path): worst error \(worstUlp) ulp at x=\(worstX)")
            for (x, want) in saturation {
                let v = run(f, [x])[0]
                XCTAssertEqual(v, want, "\(name) \(path) saturation at \(x)")
            }
            let n = run(f, [.nan, 1, .nan])
            XCTAssertTrue(n[0].isNaN && n[2].isNaN && !n[1].isNaN, "\(name) \(path) NaN handling \(n)")
        }
    }

    func testSigmoid() {
        checkActivation(name: "sigmoid", maxUlp: 3, { nnz_sigmoid($0, $1, $2) },
                        ref: { 1 / (1 + exp(-$0)) },
                        saturation: [(17.5, 1), (200, 1), (.greatestFiniteMagnitude, 1), (.infinity, 1),
                                     (-104, 0), (-1e30, 0), (-.infinity, 0), (0, 0.5), (-0.0, 0.5)])
    }

    func testTanh() {
        checkActivation(name: "tanh", maxUlp: 3, { nnz_tanh($0, $1, $2) },
                        ref: { tanh($0) },
                        saturation: [(9.1, 1), (-9.1, -1), (200, 1), (-200, -1), (1e30, 1), (-1e30, -1),
                                     (.infinity, 1), (-.infinity, -1), (0, 0)])
        // odd symmetry is exact (sign copied)
        forEachPath { path in
            let xs = Self.activationInputs()
            let a = run({ nnz_tanh($0, $1, $2) }, xs), b = run({ nnz_tanh($0, $1, $2) }, xs.map { -$0 })
            for i in xs.indices where !(a[i] == -b[i]) { XCTFail("tanh \(path) not odd at \(xs[i])"); break }
            let z = run({ nnz_tanh($0, $1, $2) }, [-0.0])[0]
            XCTAssertTrue(z == 0 && z.sign == .minus, "tanh(-0) = \(z)")
        }
    }

    func testRelu() {
        var xs = Self.activationInputs()
        xs.append(.nan)
        forEachPath { path in
            let y = run({ nnz_relu($0, $1, $2) }, xs)
            let yi = run({ nnz_relu($0, $1, $2) }, xs, inPlace: true)
            for (i, x) in xs.enumerated() {
                let want: Float = x > 0 ? x : 0 // NaN -> 0
                XCTAssertEqual(y[i].bitPattern == want.bitPattern || (y[i] == 0 && want == 0), true, "relu \(path) x=\(x) got \(y[i])")
                XCTAssertEqual(y[i], yi[i], "relu \(path) in place")
            }
        }
    }

    /// Softmax against a double reference (<= 1e-6 absolute; each output is a quotient of float32
    /// exps summed over the row, relative error ~ (cols-independent few ulps) + cols*u for the
    /// sum, far below 1e-6 for the sizes tested), stability for huge inputs, in-place use.
    func testSoftmax() {
        var rng = SplitMix64(seed: 12)
        var cases: [(Int, Int, [Float])] = []
        for (rows, cols) in [(1, 1), (3, 17), (5, 130), (2, 1000), (4, 63), (1, 16), (7, 31)] {
            cases.append((rows, cols, rng.floats(rows * cols, -20, 20)))
        }
        cases.append((2, 5, [1e30, -1e30, 0, 1e30, 5, -3e38, -3e38, -3e38, -3e38, 3e38]))
        cases.append((1, 4, [-.infinity, 0, -.infinity, 1]))
        cases.append((1, 33, [Float](repeating: 88.5, count: 33)))
        for (rows, cols, x) in cases {
            // double reference
            var ref = [Double](repeating: 0, count: rows * cols)
            for r in 0..<rows {
                let row = x[(r * cols)..<((r + 1) * cols)].map(Double.init)
                let m = row.max()!
                let e = row.map { exp($0 - m) }
                let s = e.reduce(0, +)
                for c in 0..<cols { ref[r * cols + c] = e[c] / s }
            }
            forEachPath { path in
                var y = [Float](repeating: sentinel, count: rows * cols + 17)
                nnz_softmax_rows(x, &y, Int32(rows), Int32(cols))
                var yi = x
                nnz_softmax_rows(yi, &yi, Int32(rows), Int32(cols))
                for i in 0..<(rows * cols) {
                    XCTAssertTrue(y[i].isFinite, "softmax \(path) \(rows)x\(cols) non-finite at \(i)")
                    XCTAssertLessThanOrEqual(abs(Double(y[i]) - ref[i]), 1e-6, "softmax \(path) \(rows)x\(cols) at \(i)")
                    XCTAssertEqual(y[i], yi[i], "softmax \(path) in place")
                }
                for g in (rows * cols)..<(rows * cols + 17) { XCTAssertEqual(y[g], sentinel, "softmax wrote past end") }
                for r in 0..<rows {
                    let s = y[(r * cols)..<((r + 1) * cols)].reduce(Float(0), +)
                    XCTAssertEqual(s, 1, accuracy: 1e-5, "softmax \(path) row sum")
                }
            }
        }
    }

    /// y = x*scale[c] + shift[c]: one multiply-add, so <= 1 rounding apart from the exact value
    /// (fused or not): |err| <= 2u*(|x*scale| + |shift|).
    func testScaleShiftChannels() {
        var rng = SplitMix64(seed: 13)
        for (n, ch, sp) in [(1, 1, 1), (2, 3, 17), (3, 5, 130), (1, 7, 49), (2, 2, 1000)] {
            let x = rng.floats(n * ch * sp, -10, 10), scale = rng.floats(ch, -3, 3), shift = rng.floats(ch, -3, 3)
            for (useScale, useShift) in [(true, true), (false, true), (true, false), (false, false)] {
                forEachPath { path in
                    var y = [Float](repeating: sentinel, count: x.count + 5)
                    nnz_scale_shift_channels(x, &y, Int32(n), Int32(ch), Int32(sp), useScale ? scale : nil, useShift ? shift : nil)
                    var yi = x
                    nnz_scale_shift_channels(yi, &yi, Int32(n), Int32(ch), Int32(sp), useScale ? scale : nil, useShift ? shift : nil)
                    for i in 0..<n { for c in 0..<ch { for s in 0..<sp {
                        let k = (i * ch + c) * sp + s
                        let a = Double(x[k]) * (useScale ? Double(scale[c]) : 1), b = useShift ? Double(shift[c]) : 0
                        XCTAssertLessThanOrEqual(abs(Double(y[k]) - (a + b)), 2 * u32 * (abs(a) + abs(b)) + 1e-30, "\(path)")
                        XCTAssertEqual(y[k], yi[k], "\(path) in place")
                    } } }
                    for g in x.count..<(x.count + 5) { XCTAssertEqual(y[g], sentinel) }
                }
            }
        }
    }

    /// (x − offset) / divisor is one subtraction and one division, each correctly rounded:
    /// the kernel must give exactly the bits of the same two Float operations, per value or
    /// broadcast, in place or not, and leave the bytes after the output alone.
    func testNormalizeRowsIsExactlyTheTwoFloatOperations() {
        var rng = SplitMix64(seed: 17)
        for (rows, width) in [(1, 1), (3, 7), (5, 64), (2, 1000)] {
            let x = rng.floats(rows * width, -1e4, 1e4)
            let offset = rng.floats(width, -100, 100), divisor = rng.floats(width, 0.01, 50)
            for broadcast in [false, true] {
                var y = [Float](repeating: sentinel, count: x.count + 3)
                nnz_normalize_rows(x, &y, Int32(rows), Int32(width), offset, divisor, broadcast ? 1 : 0)
                var inPlace = x
                nnz_normalize_rows(inPlace, &inPlace, Int32(rows), Int32(width), offset, divisor, broadcast ? 1 : 0)
                for r in 0..<rows {
                    for i in 0..<width {
                        let k = r * width + i
                        let expected = broadcast ? (x[k] - offset[0]) / divisor[0] : (x[k] - offset[i]) / divisor[i]
                        XCTAssertEqual(y[k].bitPattern, expected.bitPattern, "row \(r) value \(i)")
                        XCTAssertEqual(inPlace[k].bitPattern, expected.bitPattern)
                    }
                }
                for g in x.count..<(x.count + 3) { XCTAssertEqual(y[g], sentinel) }
            }
        }
    }

    func testPathSelection() {
        XCTAssertEqual(nnz_kernels_path_supported(Int32(NNZ_PATH_PORTABLE)), 1)
        nnz_kernels_force_path(Int32(NNZ_PATH_PORTABLE))
        XCTAssertEqual(String(cString: nnz_kernels_path()), "portable")
        nnz_kernels_force_path(Int32(NNZ_PATH_AVX512))
        // falls back to the best supported path at or below the request
        let best = supportedPaths.last!
        XCTAssertEqual(String(cString: nnz_kernels_path()), best.1)
        nnz_kernels_force_path(Int32(NNZ_PATH_AUTO))
        XCTAssertEqual(nnz_kernels_path_id(), best.0)
        #if arch(x86_64)
        XCTAssertTrue(supportedPaths.count >= 1)
        #else
        XCTAssertEqual(supportedPaths.count, 1)
        #endif
    }
}
