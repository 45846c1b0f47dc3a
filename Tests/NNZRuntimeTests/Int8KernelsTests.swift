import NNZKernels
@testable import NNZRuntime
import XCTest

/// The int8 wrappers (`Kernels.int8Dense`, `Kernels.int8Conv2D`, `Kernels.quantizeRows`) on
/// every kernel path the CPU has, bit for bit against a naive reference written here from the
/// design's arithmetic (int64 sums; for sigmoid / tanh the path's own fp32 function applied to
/// the reference's pre-activation values).
/// Every int8 kernel this CPU can run, as (path id, VNNI allowed, "path/kernel"): each path with
/// the VNNI kernels allowed, then not (avx2/avx-vnni, avx2/avx2, avx512/avx512-vnni,
/// avx512/avx2 on a CPU with both VNNI kinds), a kernel already listed for its path left out.
/// Forcing one is `nnz_kernels_force_path(id)` + `nnz_int8_force_vnni(vnni)`.
let int8KernelChoices: [(path: Int32, vnni: Int32, name: String)] = {
    defer { nnz_kernels_force_path(Int32(NNZ_PATH_AUTO)); nnz_int8_force_vnni(1) }
    var choices: [(path: Int32, vnni: Int32, name: String)] = []
    for (path, vnni) in [(NNZ_PATH_PORTABLE, 1), (NNZ_PATH_AVX2, 1), (NNZ_PATH_AVX2, 0), (NNZ_PATH_AVX512, 1), (NNZ_PATH_AVX512, 0)]
    where nnz_kernels_path_supported(Int32(path)) != 0 {
        nnz_kernels_force_path(Int32(path))
        nnz_int8_force_vnni(Int32(vnni))
        let name = "\(Kernels.path)/\(Kernels.int8Path)"
        if !choices.contains(where: { $0.name == name }) { choices.append((Int32(path), Int32(vnni), name)) }
    }
    return choices
}()

/// Forces one of ``int8KernelChoices``.
func useInt8Kernels(_ choice: (path: Int32, vnni: Int32, name: String)) {
    nnz_kernels_force_path(choice.path)
    nnz_int8_force_vnni(choice.vnni)
}

final class Int8KernelsTests: XCTestCase {
    /// Runs `body` once per int8 kernel of every supported path (forced), checking which
    /// kernel each choice uses.
    func forEachPath(_ body: (String) throws -> Void) rethrows {
        defer { nnz_kernels_force_path(Int32(NNZ_PATH_AUTO)); nnz_int8_force_vnni(1) }
        for choice in int8KernelChoices {
            useInt8Kernels(choice)
            XCTAssertEqual(choice.name, "\(Kernels.path)/\(Kernels.int8Path)")
            switch Kernels.path {
            case "avx512": XCTAssertTrue(["avx512-vnni", "avx-vnni", "avx2"].contains(Kernels.int8Path), Kernels.int8Path)
            case "avx2": XCTAssertTrue(["avx-vnni", "avx2"].contains(Kernels.int8Path), Kernels.int8Path)
            default: XCTAssertEqual(Kernels.int8Path, "portable")
            }
            try body(Kernels.path)
        }
    }

    /// Every kernel the CPU has is tested: both VNNI kinds where the CPU reports them.
    func testTheChoicesCoverEveryInt8KernelOfThisCPU() {
        let names = int8KernelChoices.map(\.name)
        XCTAssertTrue(names.contains("portable/portable"))
        if nnz_kernels_path_supported(Int32(NNZ_PATH_AVX2)) != 0 { XCTAssertTrue(names.contains("avx2/avx2"), "\(names)") }
        if nnz_cpu_has_avxvnni() != 0 { XCTAssertTrue(names.contains("avx2/avx-vnni"), "\(names)") }
        if nnz_cpu_has_vnni() != 0 { XCTAssertTrue(names.contains("avx512/avx512-vnni"), "\(names)") }
    }

    // MARK: reference

    /// `lo = min(0, min x)`, `hi = max(0, max x)`; `r`, `zp`; `q = clamp(rint(x·(1/r)) + zp, 0, 255)`.
    func referenceQuantize(_ x: ArraySlice<Float>) -> (q: [UInt8], r: Float, zp: Int32) {
        var lo: Float = 0, hi: Float = 0
        for v in x {
            if v < lo { lo = v }
            if v > hi { hi = v }
        }
        func clamp(_ v: Float) -> Float { v > 0 ? (v < 255 ? v : 255) : 0 }
        var r: Float = 1, zp: Int32 = 0
        if hi != lo {
            r = (hi - lo) / 255
            zp = Int32(clamp((-lo / r).rounded(.toNearestOrEven)))
        }
        let inv = 1 / r
        let q = x.map { v -> UInt8 in
            let scaled = v * inv
            let rounded = scaled.rounded(.toNearestOrEven)
            return UInt8(clamp(rounded + Float(zp)))
        }
        return (q, r, zp)
    }

    /// `t = Float(acc − zp·colsum)`, `m = s·r`, `p = t·m`, `y = p + b`, then ReLU.
    func referenceEpilogue(acc: Int64, zp: Int32, colsum: Int64, scale: Float, r: Float, bias: Float?,
                           activation: Kernels.Activation) -> Float {
        let t = Float(acc - Int64(zp) * colsum)
        let m = scale * r
        let p = t * m
        let y = p + (bias ?? 0)
        return activation == .relu ? (y > 0 ? y : 0) : y
    }

    /// Sigmoid and tanh: the active path's fp32 kernels, in place.
    func referenceActivate(_ y: inout [Float], _ activation: Kernels.Activation) {
        y.withUnsafeMutableBufferPointer { p in
            if activation == .sigmoid { nnz_sigmoid(p.baseAddress, p.baseAddress, p.count) }
            if activation == .tanh { nnz_tanh(p.baseAddress, p.baseAddress, p.count) }
        }
    }

    func referenceDense(_ x: [Float], rows: Int, inputs: Int, outputs: Int, values: [Int8], scales: [Float], bias: [Float]?,
                        activation: Kernels.Activation) -> [Float] {
        var y = [Float](repeating: 0, count: rows * outputs)
        let colsums = (0..<outputs).map { o in (0..<inputs).reduce(Int64(0)) { $0 + Int64(values[$1 * outputs + o]) } }
        for i in 0..<rows {
            let (q, r, zp) = referenceQuantize(x[i * inputs ..< (i + 1) * inputs])
            for o in 0..<outputs {
                var acc: Int64 = 0
                for k in 0..<inputs { acc += Int64(q[k]) * Int64(values[k * outputs + o]) }
                y[i * outputs + o] = referenceEpilogue(acc: acc, zp: zp, colsum: colsums[o], scale: scales[o], r: r,
                                                       bias: bias?[o], activation: activation)
            }
        }
        referenceActivate(&y, activation)
        return y
    }

    /// NHWC image and output; the padding reads the zero point.
    func referenceConv(_ image: [Float], height: Int, width: Int, channels: Int, outChannels: Int, kernel: (Int, Int),
                       stride: (Int, Int), padding: (Int, Int), values: [Int8], scales: [Float], bias: [Float]?,
                       activation: Kernels.Activation) -> (output: [Float], outHeight: Int, outWidth: Int) {
        let (kh, kw) = kernel
        let outHeight = (height + 2 * padding.0 - kh) / stride.0 + 1, outWidth = (width + 2 * padding.1 - kw) / stride.1 + 1
        let (q, r, zp) = referenceQuantize(image[...])
        var y = [Float](repeating: 0, count: outHeight * outWidth * outChannels)
        for o in 0..<outChannels {
            let base = o * channels * kh * kw
            let colsum = (0..<(channels * kh * kw)).reduce(Int64(0)) { $0 + Int64(values[base + $1]) }
            for oh in 0..<outHeight {
                for ow in 0..<outWidth {
                    var acc: Int64 = 0
                    for c in 0..<channels {
                        for i in 0..<kh {
                            for j in 0..<kw {
                                let h = oh * stride.0 - padding.0 + i, w = ow * stride.1 - padding.1 + j
                                let v = (h < 0 || h >= height || w < 0 || w >= width) ? Int64(zp) : Int64(q[(h * width + w) * channels + c])
                                acc += v * Int64(values[base + (c * kh + i) * kw + j])
                            }
                        }
                    }
                    y[(oh * outWidth + ow) * outChannels + o] =
                        referenceEpilogue(acc: acc, zp: zp, colsum: colsum, scale: scales[o], r: r, bias: bias?[o], activation: activation)
                }
            }
        }
        referenceActivate(&y, activation)
        return (y, outHeight, outWidth)
    }

    // MARK: data

    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func float(_ lo: Float, _ hi: Float) -> Float { lo + (hi - lo) * Float(next() >> 40) / Float(1 << 24) }
        mutating func weight() -> Int8 { Int8(Int(next() % 255) - 127) }
    }

    func firstMismatch(_ got: [Float], _ want: [Float]) -> Int? {
        zip(got, want).enumerated().first { $0.element.0.bitPattern != $0.element.1.bitPattern }?.offset
    }

    // MARK: tests

    func testQuantizeRowsMatchesTheDesignOnEveryPath() {
        var g = Generator(state: 3)
        let width = 37
        var x = (0..<(5 * width)).map { _ in g.float(-2, 3) }
        for k in 0..<width {
            x[k] = 0                                  // r = 1, zp = 0
            x[width + k] = -g.float(0.1, 1)           // zp = 255
            x[2 * width + k] = Float(k % 5) * 0.5 - 1 // ties of rint
        }
        forEachPath { path in
            var q = [UInt8](repeating: 0, count: x.count), r = [Float](repeating: 0, count: 5), zp = [Int32](repeating: 0, count: 5)
            Kernels.quantizeRows(x, rows: 5, width: width, into: &q, scales: &r, zeroPoints: &zp)
            for i in 0..<5 {
                let want = referenceQuantize(x[i * width ..< (i + 1) * width])
                XCTAssertEqual(r[i].bitPattern, want.r.bitPattern, "\(path) row \(i) scale")
                XCTAssertEqual(zp[i], want.zp, "\(path) row \(i) zero point")
                XCTAssertEqual(Array(q[i * width ..< (i + 1) * width]), want.q, "\(path) row \(i)")
            }
        }
        XCTAssertEqual(referenceQuantize(x[0 ..< width]).zp, 0)
        XCTAssertEqual(referenceQuantize(x[width ..< 2 * width]).zp, 255)
    }

    func testDenseIsBitIdenticalToTheReferenceOnEveryPathAndSplit() {
        var g = Generator(state: 11)
        // odd sizes: partial register tiles, panels and k groups; 70 outputs: a 64-wide panel and a 16-wide one
        for (rows, inputs, outputs) in [(37, 131, 70), (9, 1, 1), (16, 4, 17), (3, 67, 200)] {
            var x = (0..<(rows * inputs)).map { _ in g.float(-1, 2) }
            for k in 0..<inputs { x[k] = 0; if rows > 1 { x[inputs + k] = -g.float(0, 3) } }
            let values = (0..<(inputs * outputs)).map { _ in g.weight() }
            let scales = (0..<outputs).map { _ in g.float(1e-4, 1e-2) }
            let bias = (0..<outputs).map { _ in g.float(-1, 1) }
            for (withBias, activation) in [(true, Kernels.Activation.relu), (false, .none), (true, .sigmoid), (true, .tanh)] {
                let weights = Kernels.Int8DenseWeights(inputs: inputs, outputs: outputs, values: values, scales: scales,
                                                       bias: withBias ? bias : nil)
                forEachPath { path in
                    let want = referenceDense(x, rows: rows, inputs: inputs, outputs: outputs, values: values, scales: scales,
                                              bias: withBias ? bias : nil, activation: activation)
                    for parts in [1, 2, 3] {
                        var y = [Float](repeating: .nan, count: rows * outputs)
                        x.withUnsafeBufferPointer { xp in
                            y.withUnsafeMutableBufferPointer { yp in
                                Kernels.int8Dense(rows: rows, input: xp.baseAddress!, weights: weights, activation: activation,
                                                  output: yp.baseAddress!, parts: parts)
                            }
                        }
                        if let i = firstMismatch(y, want) {
                            XCTFail("int8 dense \(rows)x\(inputs)x\(outputs) \(activation) on \(path), \(parts) parts: y[\(i)] = \(y[i]), want \(want[i])")
                        }
                    }
                }
            }
        }
    }

    func testDenseAtTheReductionLimitIsExact() {
        // 66311 inputs of q = 255 against weights ±127: |acc| = 255·127·66311, just below 2^31
        let inputs = 66311, outputs = 3
        let x = [Float](repeating: 0.5, count: inputs) + [Float](repeating: -0.5, count: inputs)
        let values = (0..<(inputs * outputs)).map { i -> Int8 in i % outputs == 0 ? 127 : i % outputs == 1 ? -127 : (i / outputs) % 2 == 0 ? 127 : -127 }
        let scales: [Float] = [1e-6, 2e-6, 3e-6], bias: [Float] = [0.5, -0.5, 0.25]
        let weights = Kernels.Int8DenseWeights(inputs: inputs, outputs: outputs, values: values, scales: scales, bias: bias)
        forEachPath { path in
            let want = referenceDense(x, rows: 2, inputs: inputs, outputs: outputs, values: values, scales: scales, bias: bias,
                                      activation: .none)
            var y = [Float](repeating: .nan, count: 2 * outputs)
            Kernels.int8Dense(rows: 2, input: x, weights: weights, output: &y)
            XCTAssertEqual(y.map(\.bitPattern), want.map(\.bitPattern), path)
            // the first column of row 0 is 255·127·66311·(r·1e-6) + 0.5, r = 0.5/255
            XCTAssertEqual(Double(y[0]), 127 * 66311 * 0.5 * 1e-6 + 0.5, accuracy: 1e-4, path)
        }
    }

    func testConvIsBitIdenticalToTheReferenceOnEveryPath() {
        var g = Generator(state: 23)
        // (channels, height, width, outChannels, kernel, stride, padding)
        let cases: [(Int, Int, Int, Int, (Int, Int), (Int, Int), (Int, Int))] = [
            (1, 28, 28, 16, (3, 3), (1, 1), (1, 1)),
            (16, 14, 14, 32, (3, 3), (1, 1), (1, 1)),
            (3, 11, 9, 70, (5, 5), (2, 1), (2, 2)),
            (17, 6, 7, 10, (1, 1), (1, 1), (0, 0)),
            (2, 9, 12, 48, (3, 2), (2, 3), (0, 1)),
        ]
        for (n, (c, h, w, oc, kernel, stride, padding)) in cases.enumerated() {
            var image = (0..<(h * w * c)).map { _ in g.float(-1, 2) }
            if n == 3 { image = image.map { -abs($0) } } // zero point 255
            let values = (0..<(oc * c * kernel.0 * kernel.1)).map { _ in g.weight() }
            let scales = (0..<oc).map { _ in g.float(1e-3, 1e-1) }
            let bias = (0..<oc).map { _ in g.float(-1, 1) }
            for activation in [Kernels.Activation.relu, .none, .sigmoid] {
                let weights = Kernels.Int8ConvWeights(outChannels: oc, inChannels: c, kernelHeight: kernel.0, kernelWidth: kernel.1,
                                                      values: values, scales: scales, bias: n % 2 == 0 ? bias : nil)
                forEachPath { path in
                    let (want, oh, ow) = referenceConv(image, height: h, width: w, channels: c, outChannels: oc, kernel: kernel,
                                                       stride: stride, padding: padding, values: values, scales: scales,
                                                       bias: n % 2 == 0 ? bias : nil, activation: activation)
                    var y = [Float](repeating: .nan, count: oh * ow * oc)
                    Kernels.int8Conv2D(image: image, height: h, width: w, weights: weights, stride: stride, padding: padding,
                                       activation: activation, output: &y)
                    if let i = firstMismatch(y, want) {
                        XCTFail("int8 conv case \(n) \(activation) on \(path): y[\(i)] = \(y[i]), want \(want[i])")
                    }
                    // fused 2x2 max-pool: the first maximum of each window of the unpooled output
                    let ph = oh / 2, pw = ow / 2
                    guard ph > 0, pw > 0 else { return }
                    var pooled = [Float](repeating: .nan, count: ph * pw * oc)
                    Kernels.int8Conv2D(image: image, height: h, width: w, weights: weights, stride: stride, padding: padding,
                                       activation: activation, pool2: true, output: &pooled)
                    var wantPooled = [Float](repeating: 0, count: ph * pw * oc)
                    for y0 in 0..<ph {
                        for x0 in 0..<pw {
                            for o in 0..<oc {
                                var best = want[((2 * y0) * ow + 2 * x0) * oc + o]
                                for (dy, dx) in [(0, 1), (1, 0), (1, 1)] {
                                    let v = want[((2 * y0 + dy) * ow + 2 * x0 + dx) * oc + o]
                                    if v > best { best = v }
                                }
                                wantPooled[(y0 * pw + x0) * oc + o] = best
                            }
                        }
                    }
                    if let i = firstMismatch(pooled, wantPooled) {
                        XCTFail("int8 conv + pool case \(n) \(activation) on \(path): y[\(i)] = \(pooled[i]), want \(wantPooled[i])")
                    }
                }
            }
        }
    }
}
