import NNZKernels
import XCTest

/// The inference convolution kernels (NHWC views, packed weights): nnz_conv2d_nhwc,
/// nnz_conv3x3_winograd_nhwc, nnz_maxpool_nhwc and the layout changes, on every code path,
/// against plain double-precision references.
final class ConvNHWCTests: XCTestCase {
    /// An image in an NHWC view with a zero border of (ph, pw) and `slack` NaN floats at the end
    /// of every row plus a NaN row below: a read outside the padded image poisons the result.
    struct PaddedInput {
        var buffer: [Float]
        var rowStride: Int
        /// Index of element (-ph, -pw), the origin the kernels take.
        var origin: Int { 0 }

        init(_ img: [Float], inC: Int, H: Int, W: Int, ph: Int, pw: Int, slack: Int = 3) {
            rowStride = (W + 2 * pw) * inC + slack
            buffer = [Float](repeating: .nan, count: (H + 2 * ph + 1) * rowStride)
            for h in 0..<(H + 2 * ph) {
                for t in 0..<((W + 2 * pw) * inC) { buffer[h * rowStride + t] = 0 }
            }
            for c in 0..<inC {
                for h in 0..<H {
                    for w in 0..<W { buffer[(h + ph) * rowStride + (w + pw) * inC + c] = img[(c * H + h) * W + w] }
                }
            }
        }
    }

    /// Reference convolution in double: value and sum |products| (bias included), NHWC order.
    func refConv(_ img: [Float], _ weight: [Float], _ bias: [Float]?, _ c: ConvCase, _ oH: Int, _ oW: Int,
                 _ act: nnz_activation) -> (val: [Double], mag: [Double]) {
        var val = [Double](repeating: 0, count: oH * oW * c.outC), mag = val
        for oh in 0..<oH { for ow in 0..<oW { for o in 0..<c.outC {
            var s = bias.map { Double($0[o]) } ?? 0, m = abs(s)
            for ch in 0..<c.inC { for i in 0..<c.kh { for j in 0..<c.kw {
                let ih = oh * c.sh - c.ph + i, iw = ow * c.sw - c.pw + j
                if ih < 0 || ih >= c.H || iw < 0 || iw >= c.W { continue }
                let p = Double(weight[((o * c.inC + ch) * c.kh + i) * c.kw + j]) * Double(img[(ch * c.H + ih) * c.W + iw])
                s += p
                m += abs(p)
            } } }
            val[(oh * oW + ow) * c.outC + o] = refAct(s, act)
            mag[(oh * oW + ow) * c.outC + o] = m
        } } }
        return (val, mag)
    }

    /// The shared convolution cases plus shapes that exercise every strip height of the
    /// register tiles (output widths 1...30), one input channel at stride 1 (the 28-row tile),
    /// and output channel counts around the 16/32-wide weight groups.
    func nhwcCases() -> [ConvCase] {
        var cases = convCases()
        let outCs = [1, 15, 16, 17, 31, 32, 33, 48, 64, 70]
        for (t, w) in [1, 2, 3, 7, 13, 14, 15, 16, 17, 27, 28, 29, 30].enumerated() {
            cases.append((3, 3, 1, 1, 1, 1, 1 + t % 3, w, 1, outCs[t % outCs.count], 1))
            cases.append((3, 3, 1, 1, 1, 1, 2, w, 16, outCs[(t + 3) % outCs.count], 1))
            cases.append((2, 3, 1, 2, 0, 1, 3, w + 1, 5, outCs[(t + 6) % outCs.count], 1))
        }
        cases.append((3, 3, 1, 1, 1, 1, 28, 28, 1, 16, 1))   // cnn_small conv1
        cases.append((3, 3, 1, 1, 1, 1, 14, 14, 16, 32, 1))  // cnn_small conv2
        return cases
    }

    func testConv2dNHWCMatchesReference() {
        var rng = SplitMix64(seed: 31)
        for (idx, c) in nhwcCases().enumerated() {
            let (oH, oW) = outSize(c)
            let K = c.inC * c.kh * c.kw
            let img = rng.floats(c.inC * c.H * c.W), weight = rng.floats(c.outC * K), biasV = rng.floats(c.outC)
            let act = allActivations[idx % 4]
            let bias: [Float]? = (idx / 4) % 2 == 0 ? biasV : nil
            let (ref, mag) = refConv(img, weight, bias, c, oH, oW, act)
            let input = PaddedInput(img, inC: c.inC, H: c.H, W: c.W, ph: c.ph, pw: c.pw)
            var packed = [Float](repeating: sentinel, count: nnz_conv_pack_size(Int32(c.outC), Int32(c.inC), Int32(c.kh), Int32(c.kw)) + 5)
            nnz_conv_pack(Int32(c.outC), Int32(c.inC), Int32(c.kh), Int32(c.kw), weight, &packed)
            XCTAssertEqual(Array(packed.suffix(5)), [Float](repeating: sentinel, count: 5), "pack overran \(c)")
            let outStride = oW * c.outC + 5
            forEachPath { path in
                var out = [Float](repeating: sentinel, count: oH * outStride + 7)
                nnz_conv2d_nhwc(Int32(oH), Int32(oW), Int32(c.inC), Int32(c.kh), Int32(c.kw), Int32(c.sh), Int32(c.sw),
                                input.buffer, input.rowStride, packed, bias, Int32(c.outC), act, &out, outStride)
                var bad = 0
                for oh in 0..<oH {
                    for t in 0..<outStride {
                        let got = out[oh * outStride + t]
                        if t >= oW * c.outC {
                            if got != sentinel { XCTFail("conv nhwc \(path) \(c): wrote past a row"); return }
                            continue
                        }
                        let k = oh * oW * c.outC + t
                        let tol = gemmTol(k: K, mag: mag[k], act: act)
                        if !(abs(Double(got) - ref[k]) <= tol) {
                            if bad < 3 { XCTFail("conv nhwc \(path) \(c) act=\(actName(act)) [\(oh)][\(t)] = \(got), ref \(ref[k]), tol \(tol)") }
                            bad += 1
                        }
                    }
                }
                XCTAssertEqual(Array(out.suffix(7)), [Float](repeating: sentinel, count: 7), "conv nhwc \(path) \(c) overran")
            }
        }
    }

    /// Winograd F(2x2, 3x3) against the direct double sum.  Its error is the GEMM's over
    /// transformed operands: the input transform adds up to 4 inputs per value, the weight
    /// transform up to 9 weights times 1/4..1, the output transform 9 products per output, so
    /// the magnitudes the roundings act on are at most ~4x the direct sum|products|.  The
    /// tolerance is 4x the direct bound with K = 9*inC + 16 (measured worst: ~6e-7 relative).
    func testWinogradMatchesReference() {
        var rng = SplitMix64(seed: 32)
        var cases: [(H: Int, W: Int, inC: Int, outC: Int, ph: Int, pw: Int)] = [
            (14, 14, 16, 32, 1, 1), (7, 7, 16, 32, 1, 1), (28, 28, 1, 16, 1, 1), (9, 7, 3, 17, 1, 1), (12, 11, 5, 33, 0, 1),
            (3, 3, 20, 5, 1, 0), (13, 31, 7, 48, 2, 0), (1, 8, 17, 40, 1, 1), (30, 3, 31, 64, 1, 1), (3, 63, 2, 127, 1, 1),
            (5, 6, 16, 16, 0, 0), (8, 8, 64, 70, 1, 1), (4, 5, 33, 1, 2, 2), (6, 1, 8, 15, 1, 1),
        ]
        cases.append((2, 2, 9, 31, 0, 0))
        var idx = 0
        for w in cases {
            for pool in [false, true] {
                let c: ConvCase = (3, 3, 1, 1, w.ph, w.pw, w.H, w.W, w.inC, w.outC, 1)
                let (oH, oW) = outSize(c)
                if oH < 1 || oW < 1 || (pool && (oH < 2 || oW < 2)) { continue }
                let img = rng.floats(w.inC * w.H * w.W), weight = rng.floats(w.outC * w.inC * 9), biasV = rng.floats(w.outC)
                let act = allActivations[idx % 4]
                let bias: [Float]? = (idx / 4) % 2 == 0 ? biasV : nil
                idx += 1
                let (conv, mag) = refConv(img, weight, bias, c, oH, oW, act)
                let pH = pool ? oH / 2 : oH, pW = pool ? oW / 2 : oW
                var ref = [Double](repeating: 0, count: pH * pW * w.outC), refMag = ref
                for y in 0..<pH { for x in 0..<pW { for o in 0..<w.outC {
                    let k = (y * pW + x) * w.outC + o
                    if pool {
                        var best = -Double.infinity, m = 0.0
                        for dy in 0..<2 { for dx in 0..<2 {
                            let q = ((2 * y + dy) * oW + 2 * x + dx) * w.outC + o
                            best = max(best, conv[q])
                            m = max(m, mag[q])
                        } }
                        ref[k] = best
                        refMag[k] = m
                    } else {
                        ref[k] = conv[k]
                        refMag[k] = mag[k]
                    }
                } } }
                let input = PaddedInput(img, inC: w.inC, H: w.H, W: w.W, ph: w.ph, pw: w.pw)
                var packed = [Float](repeating: sentinel, count: nnz_winograd_pack_size(Int32(w.outC), Int32(w.inC)) + 5)
                nnz_winograd_pack(Int32(w.outC), Int32(w.inC), weight, &packed)
                XCTAssertEqual(Array(packed.suffix(5)), [Float](repeating: sentinel, count: 5), "winograd pack overran")
                let workSize = nnz_winograd_work_size(Int32(w.inC), Int32(w.outC))
                let outStride = pW * w.outC + 5
                forEachPath { path in
                    var work = [Float](repeating: sentinel, count: workSize + 9)
                    var out = [Float](repeating: sentinel, count: pH * outStride + 7)
                    nnz_conv3x3_winograd_nhwc(Int32(oH), Int32(oW), Int32(w.inC), input.buffer, input.rowStride, packed, bias,
                                              Int32(w.outC), act, pool ? 2 : 0, &out, outStride, &work)
                    XCTAssertEqual(Array(work.suffix(9)), [Float](repeating: sentinel, count: 9), "winograd work overran \(w)")
                    XCTAssertEqual(Array(out.suffix(7)), [Float](repeating: sentinel, count: 7), "winograd output overran \(w)")
                    var bad = 0
                    for y in 0..<pH {
                        for t in 0..<outStride {
                            let got = out[y * outStride + t]
                            if t >= pW * w.outC {
                                if got != sentinel { XCTFail("winograd \(path) \(w): wrote past a row"); return }
                                continue
                            }
                            let k = y * pW * w.outC + t
                            let tol = 4 * gemmTol(k: 9 * w.inC + 16, mag: refMag[k], act: act)
                            if !(abs(Double(got) - ref[k]) <= tol) {
                                if bad < 3 { XCTFail("winograd \(path) \(w) pool=\(pool) act=\(actName(act)) [\(y)][\(t)] = \(got), ref \(ref[k]), tol \(tol)") }
                                bad += 1
                            }
                        }
                    }
                }
            }
        }
    }

    /// The fused 2x2 pool gives exactly nnz_maxpool_nhwc of the unpooled Winograd output
    /// (same values, same tie and NaN rules).
    func testWinogradFusedPoolEqualsSeparatePool() {
        var rng = SplitMix64(seed: 33)
        let (H, W, inC, outC) = (9, 11, 16, 21)
        let img = rng.floats(inC * H * W), weight = rng.floats(outC * inC * 9), bias = rng.floats(outC)
        let input = PaddedInput(img, inC: inC, H: H, W: W, ph: 1, pw: 1)
        var packed = [Float](repeating: 0, count: nnz_winograd_pack_size(Int32(outC), Int32(inC)))
        nnz_winograd_pack(Int32(outC), Int32(inC), weight, &packed)
        var work = [Float](repeating: 0, count: nnz_winograd_work_size(Int32(inC), Int32(outC)))
        forEachPath { path in
            for act in allActivations {
                var full = [Float](repeating: 0, count: H * W * outC)
                nnz_conv3x3_winograd_nhwc(Int32(H), Int32(W), Int32(inC), input.buffer, input.rowStride, packed, bias, Int32(outC),
                                          act, 0, &full, W * outC, &work)
                var pooled = [Float](repeating: 0, count: (H / 2) * (W / 2) * outC)
                nnz_maxpool_nhwc(Int32(outC), Int32(H), Int32(W), full, W * outC, 2, 2, 2, 2, 0, 0, Int32(H / 2), Int32(W / 2),
                                 &pooled, (W / 2) * outC)
                var fused = [Float](repeating: 0, count: pooled.count)
                nnz_conv3x3_winograd_nhwc(Int32(H), Int32(W), Int32(inC), input.buffer, input.rowStride, packed, bias, Int32(outC),
                                          act, 2, &fused, (W / 2) * outC, &work)
                XCTAssertEqual(fused, pooled, "\(path) \(actName(act))")
            }
        }
    }

    /// The direct convolution with the fused 2x2 max-pool gives bitwise nnz_maxpool_nhwc of
    /// nnz_conv2d_nhwc's output (same sums, same tie and NaN rules; NaN inputs included).
    func testConv2dNHWCFusedPoolEqualsSeparatePool() {
        var rng = SplitMix64(seed: 36)
        var cases = nhwcCases()
        cases.append((3, 3, 1, 1, 1, 1, 28, 29, 1, 16, 1))
        cases.append((5, 5, 2, 1, 2, 2, 19, 23, 3, 40, 1))
        for (idx, c) in cases.enumerated() {
            let (oH, oW) = outSize(c)
            if oH < 2 || oW < 2 { continue }
            let K = c.inC * c.kh * c.kw
            var img = rng.floats(c.inC * c.H * c.W)
            if idx % 5 == 0 { img[idx % img.count] = .nan }
            let weight = rng.floats(c.outC * K), bias = rng.floats(c.outC)
            let act = allActivations[idx % 4]
            let input = PaddedInput(img, inC: c.inC, H: c.H, W: c.W, ph: c.ph, pw: c.pw)
            var packed = [Float](repeating: 0, count: nnz_conv_pack_size(Int32(c.outC), Int32(c.inC), Int32(c.kh), Int32(c.kw)))
            nnz_conv_pack(Int32(c.outC), Int32(c.inC), Int32(c.kh), Int32(c.kw), weight, &packed)
            let pH = oH / 2, pW = oW / 2, outStride = pW * c.outC + 3
            forEachPath { path in
                var full = [Float](repeating: 0, count: oH * oW * c.outC)
                nnz_conv2d_nhwc(Int32(oH), Int32(oW), Int32(c.inC), Int32(c.kh), Int32(c.kw), Int32(c.sh), Int32(c.sw),
                                input.buffer, input.rowStride, packed, bias, Int32(c.outC), act, &full, oW * c.outC)
                var ref = [Float](repeating: 0, count: pH * outStride)
                nnz_maxpool_nhwc(Int32(c.outC), Int32(oH), Int32(oW), full, oW * c.outC, 2, 2, 2, 2, 0, 0, Int32(pH), Int32(pW),
                                 &ref, outStride)
                var fused = [Float](repeating: sentinel, count: pH * outStride)
                nnz_conv2d_nhwc_pool2(Int32(oH), Int32(oW), Int32(c.inC), Int32(c.kh), Int32(c.kw), Int32(c.sh), Int32(c.sw),
                                      input.buffer, input.rowStride, packed, bias, Int32(c.outC), act, &fused, outStride)
                for y in 0..<pH {
                    let row = (y * outStride)..<(y * outStride + pW * c.outC)
                    XCTAssertEqual(fused[row].map(\.bitPattern), ref[row].map(\.bitPattern), "conv+pool \(path) \(c) act=\(actName(act))")
                    for t in (pW * c.outC)..<outStride { XCTAssertEqual(fused[y * outStride + t], sentinel, "wrote past a row") }
                }
            }
        }
    }

    /// nnz_maxpool_nhwc gives bitwise what nnz_maxpool_forward gives (ties: first in window
    /// order; NaN: the first NaN), on every path.
    func testMaxpoolNHWCMatchesNCHW() {
        var rng = SplitMix64(seed: 34)
        var cases = convCases()
        cases.append((1, 1, 1, 1, 1, 1, 4, 3, 2, 0, 1))    // padding >= kernel: empty windows give 0
        cases.append((2, 2, 2, 2, 0, 0, 28, 28, 16, 0, 1)) // cnn_small pool1
        cases.append((2, 2, 2, 2, 0, 0, 14, 14, 33, 0, 1))
        cases.append((3, 3, 2, 2, 1, 1, 9, 9, 17, 0, 2))
        for (t, c) in cases.enumerated() {
            let (oH, oW) = outSize(c)
            var x = rng.floats(c.n * c.inC * c.H * c.W, -5, 5)
            if t % 2 == 1 { x = x.map { ($0 * 2).rounded(.down) / 2 } } // ties
            if t % 3 == 0 {
                for k in stride(from: t % 7, to: x.count, by: 11) {
                    // two NaN payloads: the first one in window order must win
                    x[k] = k % 2 == 0 ? .nan : Float(bitPattern: 0x7FC0_1234)
                }
            }
            var ref = [Float](repeating: 0, count: c.n * c.inC * oH * oW)
            nnz_maxpool_forward(Int32(c.n), Int32(c.inC), Int32(c.H), Int32(c.W), x, Int32(c.kh), Int32(c.kw), Int32(c.sh), Int32(c.sw),
                                Int32(c.ph), Int32(c.pw), Int32(oH), Int32(oW), &ref, nil)
            forEachPath { path in
                for b in 0..<c.n {
                    let inStride = c.W * c.inC + 2, outStride = oW * c.inC + 3
                    var nhwc = [Float](repeating: .nan, count: c.H * inStride)
                    nnz_nchw_to_nhwc(Int32(c.inC), Int32(c.H), Int32(c.W), Array(x[(b * c.inC * c.H * c.W)...]), &nhwc, inStride)
                    var out = [Float](repeating: sentinel, count: oH * outStride)
                    nnz_maxpool_nhwc(Int32(c.inC), Int32(c.H), Int32(c.W), nhwc, inStride, Int32(c.kh), Int32(c.kw), Int32(c.sh), Int32(c.sw),
                                     Int32(c.ph), Int32(c.pw), Int32(oH), Int32(oW), &out, outStride)
                    var back = [Float](repeating: 0, count: c.inC * oH * oW)
                    nnz_nhwc_to_nchw(Int32(c.inC), Int32(oH), Int32(oW), out, outStride, &back)
                    let expected = Array(ref[(b * c.inC * oH * oW)..<((b + 1) * c.inC * oH * oW)])
                    XCTAssertEqual(back.map(\.bitPattern), expected.map(\.bitPattern), "maxpool nhwc \(path) \(c)")
                    for h in 0..<oH {
                        for s in (oW * c.inC)..<outStride { XCTAssertEqual(out[h * outStride + s], sentinel, "maxpool nhwc wrote past a row") }
                    }
                }
            }
        }
    }

    func testLayoutChangesRoundTrip() {
        var rng = SplitMix64(seed: 35)
        for (C, H, W) in [(1, 1, 1), (1, 5, 7), (3, 4, 5), (8, 3, 3), (17, 2, 9), (33, 7, 1)] {
            let x = rng.floats(C * H * W)
            let stride = W * C + 4
            var nhwc = [Float](repeating: sentinel, count: H * stride)
            nnz_nchw_to_nhwc(Int32(C), Int32(H), Int32(W), x, &nhwc, stride)
            for h in 0..<H { for w in 0..<W { for c in 0..<C {
                XCTAssertEqual(nhwc[h * stride + w * C + c], x[(c * H + h) * W + w])
            } } }
            for h in 0..<H { for s in (W * C)..<stride { XCTAssertEqual(nhwc[h * stride + s], sentinel) } }
            var back = [Float](repeating: 0, count: C * H * W + 3)
            back[C * H * W] = sentinel
            nnz_nhwc_to_nchw(Int32(C), Int32(H), Int32(W), nhwc, stride, &back)
            XCTAssertEqual(Array(back[0..<(C * H * W)]), x)
            XCTAssertEqual(back[C * H * W], sentinel)
        }
    }
}
