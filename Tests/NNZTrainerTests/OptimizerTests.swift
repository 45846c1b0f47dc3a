import XCTest
@testable import NNZTrainer

final class OptimizerTests: XCTestCase {
    /// Two steps of `optimizer` on one parameter with fixed gradients.
    func steps(_ optimizer: Optimizer, weightDecay: Float = 0, decays: Bool = true, rate: Float = 0.1) -> [Float] {
        let parameter = Parameter(name: "weight", shape: [2], values: [1, -2], decays: decays)
        let state = OptimizerState(optimizer: optimizer, weightDecay: weightDecay)
        for gradient: [Float] in [[0.5, -1], [0.25, 2]] {
            parameter.gradient.copy(from: gradient)
            state.apply(to: [parameter], learningRate: rate)
        }
        return parameter.values
    }

    func testUpdateRules() {
        // SGD: w − 0.1·(0.5 + 0.25), −2 − 0.1·(−1 + 2).
        XCTAssertEqual(steps(.sgd), [1 - 0.075, -2 - 0.1], accuracy: 1e-6)
        // Momentum 0.9: v1 = −0.05, v2 = 0.9·v1 − 0.025 = −0.07 → w = 1 − 0.12.
        XCTAssertEqual(steps(.momentum(0.9))[0], 1 - 0.05 - 0.07, accuracy: 1e-6)
        // AdaGrad: h1 = 0.25 → step 0.1·0.5/0.5 = 0.1; h2 = 0.3125 → 0.1·0.25/√0.3125.
        let adaGradSecond: Float = 0.1 * 0.25 / Float(0.3125).squareRoot()
        XCTAssertEqual(steps(.adaGrad(epsilon: 0))[0], 1 - 0.1 - adaGradSecond, accuracy: 1e-6)
        // RMSProp ρ 0.9: h1 = 0.025 → 0.1·0.5/√0.025; h2 = 0.0225 + 0.00625.
        let h2: Float = 0.9 * 0.025 + 0.1 * 0.0625
        let rmsFirst: Float = 0.1 * 0.5 / Float(0.025).squareRoot()
        let rmsSecond: Float = 0.1 * 0.25 / h2.squareRoot()
        XCTAssertEqual(steps(.rmsProp(decay: 0.9, epsilon: 0))[0], 1 - rmsFirst - rmsSecond, accuracy: 1e-5)
        // Adam: the first bias-corrected step is lr · sign(g).
        let adam = steps(.adam(beta1: 0.9, beta2: 0.999, epsilon: 0))
        let m2: Float = 0.9 * 0.05 + 0.1 * 0.25, v2: Float = 0.999 * 0.00025 + 0.001 * 0.0625
        let mHat: Float = m2 / (1 - 0.81)
        let vHat: Float = v2 / Float(1 - 0.999 * 0.999)
        let adamSecond: Float = 0.1 * mHat / vHat.squareRoot()
        XCTAssertEqual(adam[0], 1 - 0.1 - adamSecond, accuracy: 1e-5)
    }

    func testWeightDecayIsCoupledL2OnWeightsOnly() {
        // g' = g + λ·w: first step 0.5 + 0.1·1 = 0.6.
        let parameter = Parameter(name: "weight", shape: [1], values: [1], decays: true)
        let bias = Parameter(name: "bias", shape: [1], values: [1], decays: false)
        let state = OptimizerState(optimizer: .sgd, weightDecay: 0.1)
        parameter.gradient.copy(from: [0.5])
        bias.gradient.copy(from: [0.5])
        state.apply(to: [parameter, bias], learningRate: 1)
        XCTAssertEqual(parameter.values[0], 1 - 0.6, accuracy: 1e-6)
        XCTAssertEqual(bias.values[0], 0.5, accuracy: 1e-6)
    }

    func testLearningRateSchedules() {
        XCTAssertEqual(LearningRateSchedule.constant.learningRate(base: 0.1, epoch: 7), 0.1)
        let step = LearningRateSchedule.step(every: 3, factor: 0.5)
        XCTAssertEqual((0..<7).map { step.learningRate(base: 1, epoch: $0) }, [1, 1, 1, 0.5, 0.5, 0.5, 0.25])
        XCTAssertEqual(LearningRateSchedule.exponential(factor: 0.9).learningRate(base: 2, epoch: 3), 2 * 0.729, accuracy: 1e-6)
        XCTAssertEqual(LearningRateSchedule(text: "step:10:0.5"), .step(every: 10, factor: 0.5))
        XCTAssertEqual(LearningRateSchedule(text: "exp:0.95"), .exponential(factor: 0.95))
        XCTAssertNil(LearningRateSchedule(text: "step:0:2"))
    }

    func testEarlyStoppingRestoresTheBestEpoch() throws {
        // Learning rate far too high for the later epochs: the validation loss rises again.
        let data = Generators.moons(count: 80, noise: 0.3, seed: 3)
        var job = TrainingJob(layers: try LayerSpec.parseList("32,relu,32,relu,2,softmax"))
        job.training.epochs = 200
        job.training.learningRate = 0.05
        job.training.earlyStopping = EarlyStopping(patience: 5)
        job.validationFraction = 0.3
        let trained = try job.run(on: data)
        XCTAssertTrue(trained.history.stoppedEarly)
        let best = trained.history.epochs[trained.history.bestEpoch - 1].validationLoss!
        XCTAssertEqual(trained.validationEvaluation!.loss, best, accuracy: 1e-9, "the network holds the best epoch's weights")
        XCTAssertEqual(trained.history.epochs.count, trained.history.bestEpoch + 5)
    }
}

func XCTAssertEqual(_ a: [Float], _ b: [Float], accuracy: Float, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}
