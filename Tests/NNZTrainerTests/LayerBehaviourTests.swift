import XCTest
@testable import NNZTrainer
import NNZFormat

final class LayerBehaviourTests: XCTestCase {
    func testBatchNormRunningStatisticsOverFeatures() throws {
        let bn = try network([2], "batchnorm:momentum=0.9:eps=0.001,2").layers[0] as! BatchNorm
        XCTAssertEqual(bn.axis, .features)
        let x: [Float] = [1, 10, 3, 20, 5, 30, 7, 40] // feature 0: mean 4, var 5; feature 1: mean 25, var 125
        let y = bn.run(x, batch: 4, mode: .training)
        XCTAssertEqual(bn.runningMean[0], 0.9 * 0 + 0.1 * 4, accuracy: 1e-6)
        XCTAssertEqual(bn.runningMean[1], 0.1 * 25, accuracy: 1e-5)
        XCTAssertEqual(bn.runningVariance[0], 0.9 * 1 + 0.1 * 5, accuracy: 1e-6, "biased batch variance, running variance starts at 1")
        XCTAssertEqual(bn.runningVariance[1], 0.9 + 0.1 * 125, accuracy: 1e-4)
        // Training output: batch statistics (mean 0, variance ≈ 1 per feature).
        let column0 = [y[0], y[2], y[4], y[6]]
        XCTAssertEqual(column0.reduce(0, +), 0, accuracy: 1e-5)
        XCTAssertEqual(column0.map { $0 * $0 }.reduce(0, +) / 4, 5 / (5 + 0.001), accuracy: 1e-4)
        // A second step moves the statistics again by the momentum rule.
        _ = bn.run(x, batch: 4, mode: .training)
        XCTAssertEqual(bn.runningMean[0], 0.9 * 0.4 + 0.1 * 4, accuracy: 1e-6)
        // Evaluation uses the running statistics.
        bn.gamma.values = [2, 1]
        bn.beta.values = [0.5, 0]
        let e = bn.run([4, 25], batch: 1, mode: .evaluation)
        XCTAssertEqual(e[0], (4 - bn.runningMean[0]) / (bn.runningVariance[0] + 0.001).squareRoot() * 2 + 0.5, accuracy: 1e-6)
        XCTAssertEqual(e[1], (25 - bn.runningMean[1]) / (bn.runningVariance[1] + 0.001).squareRoot(), accuracy: 1e-6)
    }

    func testBatchNormOverChannelsPoolsBatchAndPositions() throws {
        let net = try network([2, 1, 2], "batchnorm,flatten")
        let bn = net.layers[0] as! BatchNorm
        XCTAssertEqual(bn.axis, .channels)
        // Sample 0: channel 0 = [1, 3], channel 1 = [10, 10]; sample 1: channel 0 = [5, 7], channel 1 = [20, 20].
        _ = bn.run([1, 3, 10, 10, 5, 7, 20, 20], batch: 2, mode: .training)
        XCTAssertEqual(bn.runningMean[0], 0.1 * 4, accuracy: 1e-6)
        XCTAssertEqual(bn.runningMean[1], 0.1 * 15, accuracy: 1e-6)
        XCTAssertEqual(bn.runningVariance[0], 0.9 + 0.1 * 5, accuracy: 1e-6)
        XCTAssertEqual(bn.runningVariance[1], 0.9 + 0.1 * 25, accuracy: 1e-5)
    }

    func testInvertedDropout() throws {
        let dropout = try network([1000], "dropout:0.3:inverted,2").layers[0] as! Dropout
        let x = [Float](repeating: 2, count: 4000)
        let y = dropout.run(x, batch: 4, mode: .training)
        let kept = y.filter { $0 != 0 }
        XCTAssertTrue(kept.allSatisfy { abs($0 - 2 / 0.7) < 1e-5 }, "kept units are scaled by 1/(1 − ratio)")
        XCTAssertEqual(Double(y.count - kept.count) / Double(y.count), 0.3, accuracy: 0.03)
        XCTAssertEqual(Double(y.reduce(0, +)) / Double(y.count), 2, accuracy: 0.1, "the expected value is preserved")
        let g = dropout.runBackward([Float](repeating: 1, count: 4000), batch: 4)
        for i in 0..<4000 { XCTAssertEqual(g[i], y[i] == 0 ? 0 : 1 / 0.7, accuracy: 1e-6) }
        XCTAssertEqual(dropout.run(x, batch: 4, mode: .evaluation), x, "evaluation is the identity")
    }

    func testScaleAtInferenceDropout() throws {
        let dropout = try network([1000], "dropout:0.25:scale,2").layers[0] as! Dropout
        let x = [Float](repeating: 2, count: 2000)
        let y = dropout.run(x, batch: 2, mode: .training)
        XCTAssertTrue(y.allSatisfy { $0 == 0 || $0 == 2 }, "training keeps units unscaled")
        XCTAssertEqual(Double(y.filter { $0 == 0 }.count) / 2000, 0.25, accuracy: 0.03)
        XCTAssertTrue(dropout.run(x, batch: 2, mode: .evaluation).allSatisfy { $0 == 1.5 }, "evaluation scales by 1 − ratio")
    }

    func testDropoutMasksAreReproducibleFromTheSeed() throws {
        let a = try network([50], "dropout:0.5,2", seed: 9).layers[0].run([Float](repeating: 1, count: 100), batch: 2, mode: .training)
        let b = try network([50], "dropout:0.5,2", seed: 9).layers[0].run([Float](repeating: 1, count: 100), batch: 2, mode: .training)
        let c = try network([50], "dropout:0.5,2", seed: 10).layers[0].run([Float](repeating: 1, count: 100), batch: 2, mode: .training)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
    }

    func testMaxPoolPaddingNeverWins() throws {
        let pool = try network([1, 2, 2], "maxpool:2:stride=1:pad=1,flatten").layers[0]
        XCTAssertEqual(pool.outputShape, [1, 3, 3])
        let y = pool.run([-5, -6, -7, -8], batch: 1, mode: .evaluation)
        XCTAssertEqual(y, [-5, -5, -6, -5, -5, -6, -7, -7, -8], "all-negative inputs: padding (0) must not win")
    }

    /// A 3×3 image 1…9, 2×2 windows at stride 2 with padding 1 hold {1}, {2, 3}, {4, 7},
    /// {5, 6, 8, 9}: divided by their real count, or by 4 with include-pad.
    func testAveragePoolDivisors() throws {
        let x: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        let exclude = try network([1, 3, 3], "avgpool:2:pad=1,flatten").layers[0]
        XCTAssertEqual(exclude.outputShape, [1, 2, 2])
        XCTAssertEqual(exclude.run(x, batch: 1, mode: .training), [1, 2.5, 5.5, 7])
        let include = try network([1, 3, 3], "avgpool:2:pad=1:include-pad,flatten").layers[0]
        XCTAssertEqual(include.run(x, batch: 1, mode: .evaluation), [0.25, 1.25, 2.75, 7])
        // Backward spreads each output gradient over its window's real positions.
        _ = exclude.run(x, batch: 1, mode: .training)
        XCTAssertEqual(exclude.runBackward([1, 2, 4, 8], batch: 1), [1, 1, 1, 2, 2, 2, 2, 2, 2])
        let gap = try network([2, 3, 3], "gap,flatten").layers[0]
        XCTAssertEqual(gap.outputShape, [2, 1, 1])
        XCTAssertEqual(gap.run(x + x.map { -2 * $0 }, batch: 1, mode: .training), [5, -10])
        XCTAssertEqual(gap.runBackward([9, -18], batch: 1), [Float](repeating: 1, count: 9) + [Float](repeating: -2, count: 9))
    }

    func testLeakyReLUForwardAndGradient() throws {
        let leaky = try network([4], "leakyrelu:0.5").layers[0]
        XCTAssertEqual(leaky.run([-2, -0.5, 0, 3], batch: 1, mode: .training), [-1, -0.25, 0, 3])
        XCTAssertEqual(leaky.runBackward([1, 1, 1, 1], batch: 1), [0.5, 0.5, 0.5, 1], "the slope at 0 is alpha, as in PyTorch")
        XCTAssertEqual(leaky.formatLayer, .leakyRelu(alpha: 0.5))
    }

    func testConvolutionMatchesDirectCrossCorrelation() throws {
        let conv = try network([2, 5, 4], "conv:3:3x2:stride=2x1:pad=1x0,flatten").layers[0] as! Conv2D
        let x = randomValues(2 * 2 * 5 * 4, seed: 30)
        let y = conv.run(x, batch: 2, mode: .evaluation)
        let w = conv.weight.values, b = conv.bias!.values
        XCTAssertEqual(conv.outputShape, [3, 3, 3])
        for n in 0..<2 {
            for o in 0..<3 {
                for r in 0..<3 {
                    for s in 0..<3 {
                        var sum = Double(b[o])
                        for i in 0..<2 {
                            for u in 0..<3 {
                                for v in 0..<2 {
                                    let yy = r * 2 - 1 + u, xx = s + v
                                    guard yy >= 0, yy < 5, xx >= 0, xx < 4 else { continue }
                                    sum += Double(w[((o * 2 + i) * 3 + u) * 2 + v]) * Double(x[((n * 2 + i) * 5 + yy) * 4 + xx])
                                }
                            }
                        }
                        XCTAssertEqual(Double(y[((n * 3 + o) * 3 + r) * 3 + s]), sum, accuracy: 1e-5)
                    }
                }
            }
        }
    }

    func testGemmAllTransposeCasesAgainstNaiveProducts() {
        for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
            for (m, n, k) in [(1, 1, 1), (5, 9, 3), (8, 16, 7), (13, 10, 17)] {
                let a = randomValues(m * k, seed: 40), b = randomValues(k * n, seed: 41)
                var c = randomValues(m * n, seed: 42)
                let original = c
                let lda = transA ? m : k, ldb = transB ? k : n
                a.withUnsafeBufferPointer { ap in
                    b.withUnsafeBufferPointer { bp in
                        c.withUnsafeMutableBufferPointer { cp in
                            Linalg.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: ap.baseAddress!, lda: lda,
                                        b: bp.baseAddress!, ldb: ldb, beta: 2, c: cp.baseAddress!, ldc: n)
                        }
                    }
                }
                for i in 0..<m {
                    for j in 0..<n {
                        var sum = 0.0
                        for p in 0..<k {
                            let av = transA ? a[p * lda + i] : a[i * lda + p]
                            let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
                            sum += Double(av) * Double(bv)
                        }
                        XCTAssertEqual(Double(c[i * n + j]), 0.5 * sum + 2 * Double(original[i * n + j]), accuracy: 1e-5,
                                       "transA \(transA) transB \(transB) m \(m) n \(n) k \(k)")
                    }
                }
            }
        }
    }

    func testArchitectureErrorsNameTheLayer() {
        XCTAssertThrowsError(try network([4], "conv:2:3,2")) { error in
            XCTAssertTrue("\(error)".contains("layer 1"), "\(error)")
            XCTAssertTrue("\(error)".contains("input-shape"), "\(error)")
        }
        XCTAssertThrowsError(try network([1, 3, 3], "conv:2:5,2")) { XCTAssertTrue("\($0)".contains("does not fit"), "\($0)") }
        XCTAssertThrowsError(try network([1, 4, 4], "conv:2:3")) { XCTAssertTrue("\($0)".contains("must be flat"), "\($0)") }
        XCTAssertThrowsError(try network([4], "gap,2")) {
            XCTAssertEqual("\($0)", "layer 1: globalavgpool: global average pooling needs a [channels, height, width] input, but the input here is [4]")
        }
        XCTAssertThrowsError(try network([1, 3, 3], "avgpool:5,2")) { XCTAssertTrue("\($0)".contains("does not fit"), "\($0)") }
        XCTAssertThrowsError(try Network(inputShape: [4], layers: [.leakyRelu(alpha: -1), .dense(units: 2, bias: true)])) {
            XCTAssertEqual("\($0)", "layer 1: leakyrelu:-1.0: the leaky ReLU slope must be a finite number ≥ 0, got -1.0")
        }
        // A dense layer after an image gets a flatten in front of it.
        XCTAssertEqual(try network([1, 4, 4], "conv:2:3,5").layers.map(\.formatLayer.kindName), ["conv2d", "flatten", "dense"])
    }
}
