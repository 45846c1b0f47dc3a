import XCTest
@testable import NNZTrainer
import NNZFormat

/// Analytic gradients against central differences, for every layer and every loss.
///
/// Everything runs in Float, as training does; the objective `f = Σ r ⊙ y` (r a fixed random
/// projection of the output) is summed in Double. With step h = 1e-2 on inputs of order 1:
/// - truncation error of the central difference is about h²/6 · |f'''| ≈ 2e-5 · |f'''|, with
///   |f'''| of order 1–10 for these layers → ≲ 2e-4;
/// - rounding error is about ε_f32 · |f| / h ≈ 6e-8 · 10 / 1e-2 ≈ 6e-5 (ε grows with the
///   number of terms a Float output sums, still ≲ 1e-4 here).
/// So each component must satisfy |analytic − numeric| ≤ 2e-3 + 1e-2 · |numeric|: ten times the
/// expected error, and far below what a wrong gradient produces (a missing factor or term
/// gives errors of order |gradient| ≈ 0.1–10). Inputs stay ≥ 0.05 away from ReLU's kink and
/// max-pool ties, so the finite difference never crosses a non-differentiable point.
final class GradientCheckTests: XCTestCase {
    let h: Float = 1e-2

    func assertClose(_ analytic: [Float], _ numeric: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(analytic.count, numeric.count, "\(what): sizes", file: file, line: line)
        var worst = 0.0
        for (a, n) in zip(analytic, numeric) {
            let error = Double(abs(a - n))
            let allowed = 2e-3 + 1e-2 * Double(abs(n))
            worst = max(worst, error / allowed)
        }
        XCTAssertLessThanOrEqual(worst, 1, "\(what): worst error is \(worst) × the tolerance\nanalytic \(analytic.prefix(8))\nnumeric  \(numeric.prefix(8))", file: file, line: line)
        XCTAssertTrue(analytic.contains { $0 != 0 }, "\(what): the gradient is all zero", file: file, line: line)
    }

    /// Checks dInput and every parameter gradient of `layer` (training mode).
    func check(_ layer: TrainableLayer, input: [Float], batch: Int, name: String, before: (() -> Void)? = nil,
               file: StaticString = #filePath, line: UInt = #line) {
        let outputCount = batch * layer.outputShape.reduce(1, *)
        let projection = randomValues(outputCount, seed: 7)
        func objective(_ x: [Float]) -> Double {
            before?()
            let y = layer.run(x, batch: batch, mode: .training)
            var sum = 0.0
            for i in 0..<outputCount { sum += Double(y[i]) * Double(projection[i]) }
            return sum
        }
        // Analytic.
        before?()
        _ = layer.run(input, batch: batch, mode: .training)
        let analyticInput = layer.runBackward(projection, batch: batch)
        let analyticParameters = layer.parameters.map(\.gradients)
        // Numeric, input.
        var numericInput = [Float](repeating: 0, count: input.count)
        for i in input.indices {
            var plus = input, minus = input
            plus[i] += h
            minus[i] -= h
            numericInput[i] = Float((objective(plus) - objective(minus)) / Double(2 * h))
        }
        assertClose(analyticInput, numericInput, "\(name) dInput", file: file, line: line)
        // Numeric, parameters.
        for (p, parameter) in layer.parameters.enumerated() {
            let original = parameter.values
            var numeric = [Float](repeating: 0, count: original.count)
            for i in original.indices {
                var values = original
                values[i] = original[i] + h
                parameter.values = values
                let up = objective(input)
                values[i] = original[i] - h
                parameter.values = values
                let down = objective(input)
                numeric[i] = Float((up - down) / Double(2 * h))
            }
            parameter.values = original
            assertClose(analyticParameters[p], numeric, "\(name) d\(parameter.name)", file: file, line: line)
        }
    }

    /// The layer `spec` on `input` (a flatten is appended when the output is an image, since a
    /// network must end flat).
    func layer(_ input: [Int], _ spec: String) throws -> TrainableLayer {
        if input.count == 3 && !spec.hasPrefix("flatten") {
            let net = try network(input, spec + ",flatten")
            return net.layers[net.layers.count - 2]
        }
        return try network(input, spec).layers.last!
    }

    func testDense() throws {
        check(try layer([5], "4"), input: randomValues(15, seed: 1), batch: 3, name: "dense")
        check(try layer([5], "4:nobias"), input: randomValues(15, seed: 2), batch: 3, name: "dense without bias")
    }

    func testConv2D() throws {
        check(try layer([2, 5, 5], "conv:3:3"), input: randomValues(100, seed: 3), batch: 2, name: "conv 3x3")
        check(try layer([2, 6, 5], "conv:2:3x2:stride=2:pad=1"), input: randomValues(120, seed: 4), batch: 2, name: "conv stride 2 pad 1")
        check(try layer([1, 4, 4], "conv:2:3:pad=same:nobias"), input: randomValues(32, seed: 5), batch: 2, name: "conv same no bias")
    }

    func testMaxPool() throws {
        // Distinct values 0.05 apart: no ties within a window, even after a ±h step.
        func spread(_ count: Int, seed: UInt64) -> [Float] {
            var order = Array(0..<count)
            var random = RandomGenerator(seed: seed)
            random.shuffle(&order)
            return order.map { Float($0) * 0.05 - 1 }
        }
        check(try layer([2, 4, 4], "maxpool:2"), input: spread(64, seed: 6), batch: 2, name: "maxpool 2")
        check(try layer([1, 5, 5], "maxpool:3:stride=2:pad=1"), input: spread(50, seed: 7), batch: 2, name: "maxpool 3 stride 2 pad 1")
    }

    func testAvgPool() throws {
        check(try layer([2, 4, 4], "avgpool:2"), input: randomValues(64, seed: 30), batch: 2, name: "avgpool 2")
        check(try layer([1, 5, 5], "avgpool:3:stride=2:pad=1"), input: randomValues(50, seed: 31), batch: 2,
              name: "avgpool 3 stride 2 pad 1 exclude-pad")
        check(try layer([2, 5, 4], "avgpool:3x2:stride=1x2:pad=1:include-pad"), input: randomValues(80, seed: 32), batch: 2,
              name: "avgpool 3x2 stride 1x2 pad 1 include-pad")
        check(try layer([1, 4, 5], "avgpool:2:stride=1:pad=1"), input: randomValues(40, seed: 33), batch: 2,
              name: "avgpool 2 stride 1 pad 1 exclude-pad (overlapping windows)")
    }

    func testGlobalAvgPool() throws {
        check(try layer([3, 3, 4], "globalavgpool"), input: randomValues(72, seed: 34), batch: 2, name: "globalavgpool")
        check(try network([2, 3, 3], "gap,4").layers[2], input: randomValues(4, seed: 35), batch: 2, name: "dense after gap")
    }

    func testLeakyReLU() throws {
        check(try layer([6], "leakyrelu"), input: valuesAwayFromZero(18, seed: 36), batch: 3, name: "leakyrelu 0.01")
        check(try layer([6], "leakyrelu:0.3"), input: valuesAwayFromZero(18, seed: 37), batch: 3, name: "leakyrelu 0.3")
        check(try layer([2, 3, 3], "leakyrelu:1.5"), input: valuesAwayFromZero(36, seed: 38), batch: 2, name: "leakyrelu 1.5 on images")
        check(try layer([6], "leakyrelu:0"), input: valuesAwayFromZero(18, seed: 39), batch: 3, name: "leakyrelu 0 (relu)")
    }

    func testFlatten() throws {
        check(try network([2, 3, 3], "flatten,4").layers[1], input: randomValues(36, seed: 8), batch: 2, name: "dense after flatten")
        let flatten = try layer([2, 3, 3], "flatten")
        let x = randomValues(36, seed: 9)
        XCTAssertEqual(flatten.run(x, batch: 2, mode: .training), x)
        XCTAssertEqual(flatten.runBackward(x, batch: 2), x)
    }

    func testActivations() throws {
        check(try layer([6], "relu"), input: valuesAwayFromZero(18, seed: 10), batch: 3, name: "relu")
        check(try layer([6], "sigmoid"), input: randomValues(18, seed: 11, low: -3, high: 3), batch: 3, name: "sigmoid")
        check(try layer([6], "tanh"), input: randomValues(18, seed: 12, low: -2, high: 2), batch: 3, name: "tanh")
        check(try layer([5], "softmax"), input: randomValues(15, seed: 13, low: -2, high: 2), batch: 3, name: "softmax")
        check(try layer([2, 3, 3], "relu"), input: valuesAwayFromZero(36, seed: 14), batch: 2, name: "relu on images")
    }

    func testDropoutWithAFixedMask() throws {
        for convention in ["inverted", "scale"] {
            let dropout = try layer([8], "dropout:0.4:\(convention)") as! Dropout
            let saved = dropout.random
            check(dropout, input: randomValues(24, seed: 15), batch: 3, name: "dropout \(convention)", before: { dropout.random = saved })
        }
    }

    func testBatchNormOverFeaturesAndChannels() throws {
        let features = try layer([4], "batchnorm") as! BatchNorm
        features.gamma.values = [1.5, 0.5, -1, 2]
        features.beta.values = [0.1, -0.2, 0.3, 0]
        check(features, input: randomValues(20, seed: 16, low: -2, high: 2), batch: 5, name: "batchnorm features")
        let channels = try layer([3, 2, 2], "batchnorm") as! BatchNorm
        channels.gamma.values = [1.2, -0.7, 0.9]
        check(channels, input: randomValues(36, seed: 17, low: -2, high: 2), batch: 3, name: "batchnorm channels")
    }

    // MARK: - Losses

    /// Checks a loss's gradient with respect to the network outputs it sees.
    func checkLoss(_ loss: Loss, outputs: [Float], batch: Int, width: Int, targets: Targets, reduction: GradientReduction,
                   name: String, file: StaticString = #filePath, line: UInt = #line) {
        func evaluate(_ y: [Float], gradient: UnsafeMutablePointer<Float>?) -> Double {
            y.withUnsafeBufferPointer { out in
                switch targets {
                case .classes(let labels, _):
                    return labels.withUnsafeBufferPointer { l in
                        loss.evaluate(outputs: out.baseAddress!, batch: batch, width: width, targets: .classes(l.baseAddress!),
                                      outputsAreProbabilities: false, reduction: reduction, gradient: gradient).lossSum
                    }
                case .values(let values, let w):
                    return values.withUnsafeBufferPointer { v in
                        loss.evaluate(outputs: out.baseAddress!, batch: batch, width: width, targets: .values(v.baseAddress!, width: w),
                                      outputsAreProbabilities: false, reduction: reduction, gradient: gradient).lossSum
                    }
                }
            }
        }
        let scale = reduction == .mean ? 1 / Double(batch) : 1
        var analytic = [Float](repeating: 0, count: outputs.count)
        _ = analytic.withUnsafeMutableBufferPointer { evaluate(outputs, gradient: $0.baseAddress!) }
        var numeric = [Float](repeating: 0, count: outputs.count)
        for i in outputs.indices {
            var plus = outputs, minus = outputs
            plus[i] += h
            minus[i] -= h
            numeric[i] = Float((evaluate(plus, gradient: nil) - evaluate(minus, gradient: nil)) * scale / Double(2 * h))
        }
        assertClose(analytic, numeric, name, file: file, line: line)
    }

    func testCrossEntropyOnLogitsWithIndexAndOneHotLabels() {
        let logits = randomValues(12, seed: 20, low: -2, high: 2)
        checkLoss(.crossEntropy, outputs: logits, batch: 3, width: 4, targets: .classes([0, 3, 1], labels: ["a", "b", "c", "d"]),
                  reduction: .mean, name: "cross-entropy, index labels")
        var oneHot = [Float](repeating: 0, count: 12)
        oneHot[0] = 1; oneHot[7] = 1; oneHot[9] = 1
        checkLoss(.crossEntropy, outputs: logits, batch: 3, width: 4, targets: .values(oneHot, width: 4),
                  reduction: .sum, name: "cross-entropy, one-hot labels, summed")
        let soft: [Float] = [0.7, 0.1, 0.1, 0.1, 0, 0.5, 0.5, 0, 0.25, 0.25, 0.25, 0.25]
        checkLoss(.crossEntropy, outputs: logits, batch: 3, width: 4, targets: .values(soft, width: 4),
                  reduction: .mean, name: "cross-entropy, soft labels")
    }

    func testSquaredErrorLosses() {
        let outputs = randomValues(6, seed: 21)
        let targets = randomValues(6, seed: 22)
        checkLoss(.meanSquaredError, outputs: outputs, batch: 3, width: 2, targets: .values(targets, width: 2), reduction: .mean, name: "mse")
        checkLoss(.sumOfSquaredErrors, outputs: outputs, batch: 3, width: 2, targets: .values(targets, width: 2), reduction: .sum, name: "sse summed")
        checkLoss(.sumOfSquaredErrors, outputs: outputs, batch: 2, width: 3, targets: .classes([2, 0], labels: ["a", "b", "c"]), reduction: .mean, name: "sse one-hot")
        checkLoss(.meanSquaredError, outputs: [0.3, 0.8], batch: 2, width: 1, targets: .classes([0, 1], labels: ["0", "1"]), reduction: .mean, name: "mse binary")
    }

    /// The fused softmax + cross-entropy gradient equals the chain rule through softmax.
    func testFusedSoftmaxCrossEntropyMatchesTheChainRule() throws {
        let net = try network([5], "4,softmax", biases: .normal(0.1))
        let trainer = Trainer(network: net, configuration: {
            var c = TrainingConfiguration()
            c.loss = .crossEntropy
            c.optimizer = .sgd
            c.learningRate = 0
            c.epochs = 1
            c.batchSize = nil
            return c
        }())
        let x = randomValues(15, seed: 23)
        let labels: [Int32] = [1, 3, 0]
        let data = Dataset(featureNames: (0..<5).map { "f\($0)" }, features: x, targets: .classes(labels, labels: ["a", "b", "c", "d"]))
        _ = try trainer.fit(data)
        let dense = net.layers[0] as! Dense
        let analytic = dense.weight.gradients
        // Numeric gradient of the mean cross-entropy with respect to the dense weights.
        func meanLoss() -> Double {
            let p = net.run(x, batch: 3, mode: .evaluation)
            var sum = 0.0
            for r in 0..<3 { sum -= log(Double(p[r * 4 + Int(labels[r])])) }
            return sum / 3
        }
        let original = dense.weight.values
        var numeric = [Float](repeating: 0, count: original.count)
        for i in original.indices {
            var v = original
            v[i] += h; dense.weight.values = v; let up = meanLoss()
            v[i] = original[i] - h; dense.weight.values = v; let down = meanLoss()
            numeric[i] = Float((up - down) / Double(2 * h))
        }
        dense.weight.values = original
        assertClose(analytic, numeric, "fused softmax cross-entropy dW")
    }

    /// A whole network (conv, BN, ReLU, pool, flatten, dropout, dense, softmax + CE): the
    /// trainer's backward wiring gives every parameter its true gradient.
    func testWholeNetworkGradients() throws {
        let net = try network([1, 4, 4], "conv:2:3:pad=1,batchnorm,tanh,maxpool:2,dropout:0.3,8,sigmoid,3,softmax")
        let dropout = net.layers.first { $0 is Dropout } as! Dropout
        let saved = dropout.random
        let batch = 3
        var x = randomValues(48, seed: 24)
        // Separate the inputs so max-pool winners do not swap under ±h.
        for i in x.indices { x[i] += Float(i % 4) * 0.3 }
        let labels: [Int32] = [2, 0, 1]
        func loss() -> Double {
            dropout.random = saved
            let p = net.run(x, batch: batch, mode: .training)
            var sum = 0.0
            for r in 0..<batch { sum -= log(Double(p[r * 3 + Int(labels[r])])) }
            return sum / Double(batch)
        }
        // Analytic: the trainer's own step with learning rate 0 (fills gradients, changes nothing).
        dropout.random = saved
        let outputs = net.run(x, batch: batch, mode: .training)
        var gradient = [Float](repeating: 0, count: outputs.count)
        outputs.withUnsafeBufferPointer { out in
            labels.withUnsafeBufferPointer { l in
                gradient.withUnsafeMutableBufferPointer { g in
                    _ = Loss.crossEntropy.evaluate(outputs: out.baseAddress!, batch: batch, width: 3, targets: .classes(l.baseAddress!),
                                                   outputsAreProbabilities: true, reduction: .mean, gradient: g.baseAddress!)
                }
            }
        }
        gradient.withUnsafeBufferPointer { net.backward($0.baseAddress!, batch: batch, below: net.layers.count - 1) }
        for (index, parameter) in net.parameters.enumerated() {
            let analytic = parameter.gradients
            let original = parameter.values
            var numeric = [Float](repeating: 0, count: original.count)
            for i in original.indices {
                var v = original
                v[i] += h; parameter.values = v; let up = loss()
                v[i] = original[i] - h; parameter.values = v; let down = loss()
                numeric[i] = Float((up - down) / Double(2 * h))
            }
            parameter.values = original
            assertClose(analytic, numeric, "network parameter \(index) (\(parameter.name))")
        }
    }
}
