import NNZKernels
import XCTest

/// nnz_avgpool_nhwc (every code path), nnz_avgpool_forward / _backward (NCHW, the trainer's)
/// and nnz_leaky_relu, against plain references.
final class AvgPoolTests: XCTestCase {
    /// Average pool in double, NCHW: the mean over each window's in-image values, divided by
    /// kh·kw when `includePad`; an empty window is 0.
    func refAvgpool(_ x: [Float], _ c: ConvCase, _ oH: Int, _ oW: Int, includePad: Bool) -> [Double] {
        var out: [Double] = []
        for pl in 0..<(c.n * c.inC) { for oh in 0..<oH { for ow in 0..<oW {
            var sum = 0.0, real = 0
            for i in 0..<c.kh { for j in 0..<c.kw {
                let h = oh * c.sh - c.ph + i, w = ow * c.sw - c.pw + j
                if h < 0 || h >= c.H || w < 0 || w >= c.W { continue }
                sum += Double(x[(pl * c.H + h) * c.W + w])
                real += 1
            } }
            out.append(real == 0 ? 0 : sum / Double(includePad ? c.kh * c.kw : real))
        } } }
        return out
    }

    /// Pooling cases: the convolution cases (paddings up to and beyond the kernel), the shapes of
    /// the fixture model, channel counts around the 8- and 16-lane vectors, and global pools.
    func poolCases() -> [ConvCase] {
        var cases = convCases()
        cases.append((3, 3, 2, 2, 1, 1, 9, 9, 4, 0, 2))     // cnn_avgpool_leaky layer 2
        cases.append((2, 3, 1, 2, 1, 1, 4, 4, 6, 0, 1))     // cnn_avgpool_leaky layer 4
        for C in [1, 7, 8, 9, 15, 16, 17, 33, 70] { cases.append((2, 2, 1, 1, 1, 0, 5, 4, C, 0, 1)) }
        for (H, W, C) in [(1, 1, 3), (7, 7, 16), (5, 9, 33), (14, 14, 64), (3, 31, 5)] { cases.append((H, W, 1, 1, 0, 0, H, W, C, 0, 2)) }
        return cases
    }

    /// Every path gives bitwise the NCHW kernel's values (adds in window order, one division),
    /// within 1e-6 relative of the double mean, reads only in-image elements (NaN around them)
    /// and writes nothing past a row.
    func testAvgpoolNHWCMatchesReferenceOnEveryPath() {
        var rng = SplitMix64(seed: 41)
        for (t, c) in poolCases().enumerated() {
            let (oH, oW) = outSize(c)
            let x = rng.floats(c.n * c.inC * c.H * c.W, -3, 5)
            for includePad in [false, true] {
                let ref = refAvgpool(x, c, oH, oW, includePad: includePad)
                var nchw = [Float](repeating: sentinel, count: ref.count + 3)
                nnz_avgpool_forward(Int32(c.n), Int32(c.inC), Int32(c.H), Int32(c.W), x, Int32(c.kh), Int32(c.kw), Int32(c.sh),
                                    Int32(c.sw), Int32(c.ph), Int32(c.pw), Int32(oH), Int32(oW), includePad ? 1 : 0, &nchw)
                XCTAssertEqual(Array(nchw[ref.count...]), [sentinel, sentinel, sentinel], "avgpool forward wrote past the end \(c)")
                for (i, r) in ref.enumerated() {
                    // a float32 sum of kh·kw values: (kh·kw + 1) roundings at most
                    let tolerance = 2 * Double(c.kh * c.kw + 2) * u32 * 5 + 1e-30
                    XCTAssertLessThanOrEqual(abs(Double(nchw[i]) - r), tolerance, "avgpool nchw \(c) include \(includePad) at \(i)")
                }
                forEachPath { path in
                    for b in 0..<c.n {
                        let inStride = c.W * c.inC + 2, outStride = oW * c.inC + 3
                        var nhwc = [Float](repeating: .nan, count: (c.H + 1) * inStride)
                        nnz_nchw_to_nhwc(Int32(c.inC), Int32(c.H), Int32(c.W), Array(x[(b * c.inC * c.H * c.W)...]), &nhwc, inStride)
                        var out = [Float](repeating: sentinel, count: oH * outStride)
                        nnz_avgpool_nhwc(Int32(c.inC), Int32(c.H), Int32(c.W), nhwc, inStride, Int32(c.kh), Int32(c.kw), Int32(c.sh),
                                         Int32(c.sw), Int32(c.ph), Int32(c.pw), Int32(oH), Int32(oW), includePad ? 1 : 0, &out, outStride)
                        var back = [Float](repeating: 0, count: c.inC * oH * oW)
                        nnz_nhwc_to_nchw(Int32(c.inC), Int32(oH), Int32(oW), out, outStride, &back)
                        let expected = Array(nchw[(b * c.inC * oH * oW)..<((b + 1) * c.inC * oH * oW)])
                        XCTAssertEqual(back.map(\.bitPattern), expected.map(\.bitPattern), "avgpool nhwc \(path) case \(t) \(c) include \(includePad)")
                        for h in 0..<oH {
                            for s in (oW * c.inC)..<outStride { XCTAssertEqual(out[h * outStride + s], sentinel, "avgpool nhwc wrote past a row") }
                        }
                    }
                }
            }
        }
    }

    /// The two divisors on numbers worked out by hand: a 3×3 image 1…9, 2×2 windows at stride 2
    /// with padding 1 hold {1}, {2, 3}, {4, 7}, {5, 6, 8, 9}.
    func testDivisorsOnAWorkedExample() {
        let x: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        forEachPath { path in
            for (includePad, want) in [(false, [1, 2.5, 5.5, 7] as [Float]), (true, [0.25, 1.25, 2.75, 7])] {
                var out = [Float](repeating: 0, count: 4)
                nnz_avgpool_nhwc(1, 3, 3, x, 3, 2, 2, 2, 2, 1, 1, 2, 2, includePad ? 1 : 0, &out, 2)
                XCTAssertEqual(out, want, "\(path) include \(includePad)")
            }
            // global: one 3×3 window, the mean 5
            var mean: [Float] = [0]
            nnz_avgpool_nhwc(1, 3, 3, x, 3, 3, 3, 1, 1, 0, 0, 1, 1, 0, &mean, 1)
            XCTAssertEqual(mean, [5], path)
        }
    }

    /// Average pooling is linear, so backward must be its adjoint: ⟨dy, A x⟩ = ⟨Aᵀ dy, x⟩,
    /// with both sides summed in double (float32 rounding of each pooled value: ~1e-6 relative).
    func testAvgpoolBackwardIsTheAdjointOfForward() {
        var rng = SplitMix64(seed: 42)
        for c in poolCases() {
            let (oH, oW) = outSize(c)
            let x = rng.floats(c.n * c.inC * c.H * c.W)
            let dy = rng.floats(c.n * c.inC * oH * oW)
            for includePad in [false, true] {
                var y = [Float](repeating: 0, count: dy.count)
                nnz_avgpool_forward(Int32(c.n), Int32(c.inC), Int32(c.H), Int32(c.W), x, Int32(c.kh), Int32(c.kw), Int32(c.sh),
                                    Int32(c.sw), Int32(c.ph), Int32(c.pw), Int32(oH), Int32(oW), includePad ? 1 : 0, &y)
                var dx = [Float](repeating: .nan, count: x.count + 2)
                dx[x.count] = sentinel; dx[x.count + 1] = sentinel
                nnz_avgpool_backward(Int32(c.n), Int32(c.inC), Int32(c.H), Int32(c.W), dy, Int32(c.kh), Int32(c.kw), Int32(c.sh),
                                     Int32(c.sw), Int32(c.ph), Int32(c.pw), Int32(oH), Int32(oW), includePad ? 1 : 0, &dx)
                XCTAssertEqual(Array(dx[x.count...]), [sentinel, sentinel], "backward wrote past the end")
                let left = zip(dy, y).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                let right = zip(dx, x).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                let scale = dy.reduce(0.0) { $0 + abs(Double($1)) } + 1
                XCTAssertEqual(left, right, accuracy: 1e-5 * scale, "adjoint \(c) include \(includePad)")
                XCTAssertFalse(dx[0..<x.count].contains { $0.isNaN }, "backward must overwrite every input gradient")
            }
        }
        // By hand: one 2×2 window over [[1, 2], [3, 4]] with padding 1 at stride 2, exclude pad:
        // the corner window holds only x[0], so dx[0] = dy[0] / 1.
        var dx = [Float](repeating: 0, count: 4)
        nnz_avgpool_backward(1, 1, 2, 2, [4, 8, 12, 16], 2, 2, 2, 2, 1, 1, 2, 2, 0, &dx)
        XCTAssertEqual(dx, [4, 8, 12, 16])
        nnz_avgpool_backward(1, 1, 2, 2, [4, 8, 12, 16], 2, 2, 2, 2, 1, 1, 2, 2, 1, &dx)
        XCTAssertEqual(dx, [1, 2, 3, 4])
    }

    /// Leaky ReLU is one comparison and at most one multiply: every path gives exactly
    /// `x >= 0 ? x : alpha * x` in float32, in place too, on every tail length, without writing
    /// past the end; NaN stays NaN and -0 stays -0.
    func testLeakyReluIsExactOnEveryPath() {
        var xs = ElementwiseTests.activationInputs()
        xs += [.nan, -.nan, -0.0, 0, -.leastNonzeroMagnitude]
        for alpha: Float in [0.01, 0.2, 0, 1, -1, 3.5] {
            let want = xs.map { $0 >= 0 ? $0 : alpha * $0 }
            forEachPath { path in
                for length in [0, 1, 7, 8, 9, 15, 16, 17, 31, 33, xs.count] {
                    var y = [Float](repeating: sentinel, count: length + 19)
                    nnz_leaky_relu(xs, &y, length, alpha)
                    for i in 0..<length {
                        XCTAssertTrue(y[i].bitPattern == want[i].bitPattern || (y[i].isNaN && want[i].isNaN),
                                      "leaky \(path) alpha \(alpha) x=\(xs[i]) got \(y[i]) want \(want[i])")
                    }
                    XCTAssertEqual(Array(y[length...]), [Float](repeating: sentinel, count: 19), "leaky \(path) wrote past the end")
                }
                var inPlace = xs
                inPlace.withUnsafeMutableBufferPointer { nnz_leaky_relu($0.baseAddress!, $0.baseAddress!, $0.count, alpha) }
                XCTAssertTrue(zip(inPlace, want).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }, "leaky \(path) in place")
            }
        }
        forEachPath { path in
            var y: [Float] = [1, 1]
            nnz_leaky_relu([-0.0, .nan], &y, 2, 0.5)
            XCTAssertTrue(y[0] == 0 && y[0].sign == .minus && y[1].isNaN, "leaky \(path): \(y)")
        }
    }
}
