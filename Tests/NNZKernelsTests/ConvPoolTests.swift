import NNZKernels
import XCTest

/// (kh, kw, sh, sw, ph, pw, H, W, inC, outC, n)
typealias ConvCase = (kh: Int, kw: Int, sh: Int, sw: Int, ph: Int, pw: Int, H: Int, W: Int, inC: Int, outC: Int, n: Int)

/// Convolution / pooling configurations: kernels 1/2/3/5 (square and not), strides 1/2/3
/// (equal and not), paddings 0/1/2 (equal and not, including padding >= kernel), odd image sizes.
func convCases() -> [ConvCase] {
    let kernels = [(1, 1), (2, 2), (3, 3), (5, 5), (3, 1), (2, 5), (1, 3)]
    let strides = [(1, 1), (2, 2), (3, 3), (1, 2), (3, 2)]
    let pads = [(0, 0), (1, 1), (2, 2), (0, 1), (2, 1)]
    let images = [(7, 9), (5, 5), (12, 11), (1, 8), (9, 4), (16, 16)]
    let inCs = [1, 3, 2, 5]
    let outCs = [1, 5, 17, 33, 4]
    var out: [ConvCase] = []
    var n = 0
    for (kh, kw) in kernels {
        for (sh, sw) in strides {
            for (ph, pw) in pads {
                let (H, W) = images[n % images.count]
                n += 1
                if H + 2 * ph < kh || W + 2 * pw < kw { continue }
                out.append((kh, kw, sh, sw, ph, pw, H, W, inCs[n % inCs.count], outCs[n % outCs.count], 1 + n % 2))
            }
        }
    }
    return out
}

func outSize(_ c: ConvCase) -> (Int, Int) {
    ((c.H + 2 * c.ph - c.kh) / c.sh + 1, (c.W + 2 * c.pw - c.kw) / c.sw + 1)
}

final class ConvPoolTests: XCTestCase {
    /// Reference im2col (straight from the definition).
    func refIm2col(_ img: [Float], _ c: ConvCase, _ oH: Int, _ oW: Int) -> [Float] {
        var cols = [Float](repeating: 0, count: c.inC * c.kh * c.kw * oH * oW)
        for ch in 0..<c.inC { for i in 0..<c.kh { for j in 0..<c.kw {
            let r = (ch * c.kh + i) * c.kw + j
            for oh in 0..<oH { for ow in 0..<oW {
                let ih = oh * c.sh - c.ph + i, iw = ow * c.sw - c.pw + j
                if ih >= 0 && ih < c.H && iw >= 0 && iw < c.W {
                    cols[r * oH * oW + oh * oW + ow] = img[(ch * c.H + ih) * c.W + iw]
                }
            } }
        } } }
        return cols
    }

    func testIm2colExactAndCol2imAdjoint() {
        var rng = SplitMix64(seed: 21)
        for c in convCases() {
            let (oH, oW) = outSize(c)
            let img = rng.floats(c.inC * c.H * c.W)
            let rows = c.inC * c.kh * c.kw, P = oH * oW
            var cols = [Float](repeating: sentinel, count: rows * P + 9)
            nnz_im2col(img, Int32(c.inC), Int32(c.H), Int32(c.W), Int32(c.kh), Int32(c.kw), Int32(c.sh), Int32(c.sw),
                       Int32(c.ph), Int32(c.pw), Int32(oH), Int32(oW), &cols)
            let ref = refIm2col(img, c, oH, oW)
            XCTAssertEqual(Array(cols[0..<(rows * P)]), ref, "im2col \(c)")
            for g in (rows * P)..<cols.count { XCTAssertEqual(cols[g], sentinel, "im2col overran \(c)") }

            // Adjoint: <im2col(x), y> == <x, col2im(y)> (col2im accumulates into a zeroed image).
            let y = rng.floats(rows * P)
            var back = [Float](repeating: 0, count: c.inC * c.H * c.W + 7)
            for g in (c.inC * c.H * c.W)..<back.count { back[g] = sentinel }
            nnz_col2im(y, Int32(c.inC), Int32(c.H), Int32(c.W), Int32(c.kh), Int32(c.kw), Int32(c.sh), Int32(c.sw),
                       Int32(c.ph), Int32(c.pw), Int32(oH), Int32(oW), &back)
            for g in (c.inC * c.H * c.W)..<back.count { XCTAssertEqual(back[g], sentinel, "col2im overran \(c)") }
            var lhs = 0.0, rhs = 0.0, mag = 0.0
            for k in 0..<(rows * P) { lhs += Double(cols[k]) * Double(y[k]); mag += abs(Double(cols[k]) * Double(y[k])) }
            for k in 0..<(c.inC * c.H * c.W) { rhs += Double(img[k]) * Double(back[k]) }
            // col2im sums at most kh*kw float32 terms per pixel: relative error <= kh*kw*u per
            // pixel, i.e. |lhs - rhs| <= (kh*kw + 1)*u*sum|x*y| (x2 margin).
            XCTAssertLessThanOrEqual(abs(lhs - rhs), 2 * Double(c.kh * c.kw + 1) * u32 * mag + 1e-12, "adjoint \(c)")

            // Exact col2im reference and accumulation (not overwrite).
            var refBack = [Double](repeating: 0, count: c.inC * c.H * c.W)
            for ch in 0..<c.inC { for i in 0..<c.kh { for j in 0..<c.kw {
                let r = (ch * c.kh + i) * c.kw + j
                for oh in 0..<oH { for ow in 0..<oW {
                    let ih = oh * c.sh - c.ph + i, iw = ow * c.sw - c.pw + j
                    if ih >= 0 && ih < c.H && iw >= 0 && iw < c.W { refBack[(ch * c.H + ih) * c.W + iw] += Double(y[r * P + oh * oW + ow]) }
                } }
            } } }
            var acc = [Float](repeating: 1, count: c.inC * c.H * c.W)
            nnz_col2im(y, Int32(c.inC), Int32(c.H), Int32(c.W), Int32(c.kh), Int32(c.kw), Int32(c.sh), Int32(c.sw),
                       Int32(c.ph), Int32(c.pw), Int32(oH), Int32(oW), &acc)
            for k in 0..<acc.count {
                XCTAssertEqual(Double(acc[k]), 1 + refBack[k], accuracy: 1e-5 * Double(c.kh * c.kw + 1), "col2im accumulate \(c)")
            }
        }
    }

    func refMaxpool(_ x: [Float], _ c: ConvCase, _ oH: Int, _ oW: Int) -> ([Float], [Int32]) {
        var out: [Float] = [], arg: [Int32] = []
        for pl in 0..<(c.n * c.inC) { for oh in 0..<oH { for ow in 0..<oW {
            var best: Float = 0, bi = -1
            for i in 0..<c.kh { for j in 0..<c.kw {
                let h = oh * c.sh - c.ph + i, w = ow * c.sw - c.pw + j
                if h < 0 || h >= c.H || w < 0 || w >= c.W { continue }
                let k = (pl * c.H + h) * c.W + w
                if bi < 0 || x[k] > best { best = x[k]; bi = k }
            } }
            out.append(best)
            arg.append(Int32(bi))
        } } }
        return (out, arg)
    }

    func testMaxpool() {
        var rng = SplitMix64(seed: 24)
        var cases = convCases()
        cases.append((1, 1, 1, 1, 1, 1, 4, 3, 2, 0, 1))   // padding >= kernel: border windows are empty
        cases.append((2, 2, 2, 2, 2, 0, 4, 4, 1, 0, 2))
        for (t, c) in cases.enumerated() {
            let (oH, oW) = outSize(c)
            // All-negative values, so a padded zero would win if padding were compared; quantised
            // on odd cases to create ties (first in window order must win).
            var x = rng.floats(c.n * c.inC * c.H * c.W, -5, -0.01)
            if t % 2 == 1 { x = x.map { ($0 * 2).rounded(.down) / 2 } }
            let (ro, ra) = refMaxpool(x, c, oH, oW)
            var out = [Float](repeating: sentinel, count: ro.count + 3)
            var arg = [Int32](repeating: 77, count: ro.count + 3)
            nnz_maxpool_forward(Int32(c.n), Int32(c.inC), Int32(c.H), Int32(c.W), x, Int32(c.kh), Int32(c.kw), Int32(c.sh), Int32(c.sw),
                                Int32(c.ph), Int32(c.pw), Int32(oH), Int32(oW), &out, &arg)
            XCTAssertEqual(Array(out[0..<ro.count]), ro, "maxpool \(c)")
            XCTAssertEqual(Array(arg[0..<ra.count]), ra, "maxpool argmax \(c)")
            XCTAssertEqual(Array(out[ro.count...]), [sentinel, sentinel, sentinel])
            XCTAssertEqual(Array(arg[ra.count...]), [77, 77, 77])
            var out2 = [Float](repeating: sentinel, count: ro.count)
            nnz_maxpool_forward(Int32(c.n), Int32(c.inC), Int32(c.H), Int32(c.W), x, Int32(c.kh), Int32(c.kw), Int32(c.sh), Int32(c.sw),
                                Int32(c.ph), Int32(c.pw), Int32(oH), Int32(oW), &out2, nil)
            XCTAssertEqual(out2, ro, "maxpool without argmax \(c)")
        }
        // NaN propagates (first NaN wins)
        var out: [Float] = [0]
        var arg: [Int32] = [0]
        nnz_maxpool_forward(1, 1, 2, 2, [1, .nan, 3, .nan], 2, 2, 2, 2, 0, 0, 1, 1, &out, &arg)
        XCTAssertTrue(out[0].isNaN)
        XCTAssertEqual(arg[0], 1)
    }
}
