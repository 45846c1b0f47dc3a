import NNZFormat

// The recipes of ../shared/seeds, reproduced faithfully: the same data, layer sizes, loss,
// summed (not averaged) gradients where the tutorial sums, learning rate, number of passes
// and initial-weight distribution. Where the tutorial seeds numpy, the initial weights are
// numpy's very draws (NumpyRandomState), so the run starts from the tutorial's weights.

extension Example {
    /// 000: sigmoid 2-6-2 on moons, ½·squared error, full batch, summed gradients, lr 0.01,
    /// 2000 epochs; W = randn/√fan_in, b = randn, drawn after `np.random.seed(0); make_moons`.
    static let moonsSigmoid = Example(
        name: "moons-sigmoid",
        summary: "moons, sigmoid 2-6-2 (and 2-4-2), squared error, full-batch GD lr 0.01, 2000 epochs (tutorial 000)",
        requirement: "train accuracy within ±0.03 of the tutorial code's own result from the same initial weights (0.960; the issue's table says 0.850, which that code does not reproduce)",
        files: ["moons.csv"]
    ) { context throws(ExampleError) in
        let data = try context.load("moons.csv", target: "label")
        func job(_ hidden: Int) -> TrainingJob {
            var job = TrainingJob(layers: [.dense(units: hidden, bias: true), .sigmoid, .dense(units: 2, bias: true), .sigmoid])
            job.normalization = .none
            job.weightInitialization = .scaledNormal
            job.biasInitialization = .normal(1)
            job.initializationSource = .numpy(numpyStateAfterMoons(seed: UInt32(truncatingIfNeeded: context.seed ?? 0)))
            job.training.epochs = 2000
            job.training.batchSize = nil
            job.training.shuffle = false
            job.training.optimizer = .sgd
            job.training.learningRate = 0.01
            job.training.loss = .sumOfSquaredErrors
            job.training.reduction = .sum
            job.name = "moons-sigmoid-2-\(hidden)-2"
            job.datasetName = "moons.csv"
            return job
        }
        let six = try context.train(job(6), data)
        let four = try context.train(job(4), data, reportProgress: false)
        let accuracy = six.trainingEvaluation.accuracy ?? 0
        return ExampleResult(
            trained: six,
            figures: [
                ExampleFigure(label: "train accuracy 2-6-2", value: accuracy, reference: 0.960),
                ExampleFigure(label: "train accuracy 2-4-2", value: four.trainingEvaluation.accuracy ?? 0, reference: 0.940),
            ],
            meetsRequirement: abs(accuracy - 0.960) <= 0.03,
            plotData: data,
            notes: ["References are the tutorial's own numpy code run on moons.csv from these very initial weights (np.random.seed(0), make_moons, then the class's init_weight): 0.960 (2-6-2) and 0.940 (2-4-2). The issue table's 0.850 / 0.875 do not come out of that code; over numpy seeds 0-9 the 2-6-2 recipe ends anywhere in 0.845-0.965 (0.845 = stuck at a near-linear boundary)."]
        )
    }

    /// 001: XOR with a bias input, sigmoid 3-4-1 without biases, weights U(-1, 1) drawn by
    /// `np.random.seed(1)`, lr 1, 60 000 full-batch steps, summed gradients.
    static let xor = Example(
        name: "xor",
        summary: "XOR (xor.csv), sigmoid 3-4-1 without biases, lr 1, 60 000 full-batch steps (tutorial 001)",
        requirement: "mean absolute error ≤ 0.005 (tutorial 0.0032)",
        files: ["xor.csv"]
    ) { context throws(ExampleError) in
        let data = try context.load("xor.csv", target: "label", task: .regression)
        var job = TrainingJob(layers: [.dense(units: 4, bias: false), .sigmoid, .dense(units: 1, bias: false), .sigmoid])
        job.normalization = .none
        job.weightInitialization = .uniform(-1, 1)
        job.initializationSource = .numpy(NumpyRandomState(seed: UInt32(truncatingIfNeeded: context.seed ?? 1)))
        job.training.epochs = 60_000
        job.training.batchSize = nil
        job.training.shuffle = false
        job.training.optimizer = .sgd
        job.training.learningRate = 1
        job.training.loss = .sumOfSquaredErrors
        job.training.reduction = .sum
        job.name = "xor-3-4-1"
        job.datasetName = "xor.csv"
        let trained = try context.train(job, data)
        let mae = trained.trainingEvaluation.meanAbsoluteError
        return ExampleResult(trained: trained,
                             figures: [ExampleFigure(label: "mean absolute error", value: mae, reference: 0.0032)],
                             meetsRequirement: mae <= 0.005, plotData: nil)
    }

    /// 002: tanh hidden layer + softmax, cross-entropy, L2 0.01 on the weights, lr 0.01,
    /// 20 000 full-batch passes, summed gradients, `np.random.seed(0)` then randn/√fan_in.
    static let moonsTanh = Example(
        name: "moons-tanh",
        summary: "moons, tanh hidden 3 + softmax, cross-entropy, L2 0.01, lr 0.01, 20 000 passes; logistic-regression baseline (tutorial 002)",
        requirement: "train accuracy 0.975 ± 0.01; baseline 0.840 ± 0.01",
        files: ["moons.csv"]
    ) { context throws(ExampleError) in
        let data = try context.load("moons.csv", target: "label")
        func job(_ layers: [LayerSpec], _ name: String) -> TrainingJob {
            var job = TrainingJob(layers: layers)
            job.normalization = .none
            job.weightInitialization = .scaledNormal
            job.initializationSource = .numpy(NumpyRandomState(seed: UInt32(truncatingIfNeeded: context.seed ?? 0)))
            job.training.epochs = 20_000
            job.training.batchSize = nil
            job.training.shuffle = false
            job.training.optimizer = .sgd
            job.training.learningRate = 0.01
            job.training.weightDecay = 0.01
            job.training.loss = .crossEntropy
            job.training.reduction = .sum
            job.name = name
            job.datasetName = "moons.csv"
            return job
        }
        let hidden3 = try context.train(job([.dense(units: 3, bias: true), .tanh, .dense(units: 2, bias: true), .softmax], "moons-tanh-3"), data)
        let hidden4 = try context.train(job([.dense(units: 4, bias: true), .tanh, .dense(units: 2, bias: true), .softmax], "moons-tanh-4"), data, reportProgress: false)
        let baseline = try context.train(job([.dense(units: 2, bias: true), .softmax], "moons-logistic"), data, reportProgress: false)
        let accuracy = hidden3.trainingEvaluation.accuracy ?? 0
        let baselineAccuracy = baseline.trainingEvaluation.accuracy ?? 0
        return ExampleResult(
            trained: hidden3,
            figures: [
                ExampleFigure(label: "train accuracy, tanh hidden 3", value: accuracy, reference: 0.975),
                ExampleFigure(label: "train accuracy, logistic-regression baseline", value: baselineAccuracy, reference: 0.840),
                ExampleFigure(label: "train accuracy, tanh hidden 4", value: hidden4.trainingEvaluation.accuracy ?? 0, reference: 0.990),
            ],
            meetsRequirement: abs(accuracy - 0.975) <= 0.01 + 1e-9 && abs(baselineAccuracy - 0.840) <= 0.01 + 1e-9,
            plotData: data,
            notes: ["The baseline is softmax regression (2 → 2) trained by the same gradient descent; the tutorial used scikit-learn's LogisticRegressionCV."]
        )
    }

    /// Our best moons recipe: two ReLU layers of 64, Adam, mini-batches of 16, standardized
    /// inputs (≥ 0.99 train accuracy for every seed 0-9 we tried).
    static let moonsBest = Example(
        name: "moons",
        summary: "moons, our recipe: 2-64-64-2 ReLU + softmax, Adam lr 0.01, batch 16, 800 epochs, standardized inputs",
        requirement: "train accuracy ≥ 0.99",
        files: ["moons.csv"]
    ) { context throws(ExampleError) in
        let data = try context.load("moons.csv", target: "label")
        var job = TrainingJob(layers: [.dense(units: 64, bias: true), .relu, .dense(units: 64, bias: true), .relu,
                                       .dense(units: 2, bias: true), .softmax])
        job.weightInitialization = .he
        job.training.epochs = 800
        job.training.batchSize = 16
        job.training.optimizer = .adam()
        job.training.learningRate = 0.01
        job.training.seed = context.seed ?? 0
        job.name = "moons"
        job.datasetName = "moons.csv"
        let trained = try context.train(job, data)
        let accuracy = trained.trainingEvaluation.accuracy ?? 0
        return ExampleResult(trained: trained, figures: [ExampleFigure(label: "train accuracy", value: accuracy, reference: nil)],
                             meetsRequirement: accuracy >= 0.99, plotData: data)
    }

    /// 004's regressor 3-30-10-3-1 (sigmoid, sigmoid, relu, linear), MSE, on regression3.csv
    /// (the tutorial has no data), 80/20 split.
    static let regression = Example(
        name: "regression",
        summary: "regressor 3-30-10-3-1 sigmoid, sigmoid, relu, linear, MSE (regression3.csv, 80/20 split), Adam lr 0.01, batch 32, 300 epochs (tutorial 004)",
        requirement: "test MSE ≤ 10% of the test targets' variance",
        files: ["regression3.csv"]
    ) { context throws(ExampleError) in
        let seed = context.seed ?? 0
        let all = try context.load("regression3.csv", target: "y", task: .regression)
        let (trainData, testSplit) = all.split(validationFraction: 0.2, seed: seed)
        let testData = testSplit!
        var job = TrainingJob(layers: [.dense(units: 30, bias: true), .sigmoid, .dense(units: 10, bias: true), .sigmoid,
                                       .dense(units: 3, bias: true), .relu, .dense(units: 1, bias: true)])
        job.weightInitialization = .glorot
        job.training.epochs = 300
        job.training.batchSize = 32
        job.training.optimizer = .adam()
        job.training.learningRate = 0.01
        job.training.loss = .meanSquaredError
        job.training.seed = seed
        job.name = "regression3"
        job.datasetName = "regression3.csv"
        let trained = try context.train(job, trainData)
        let test = trained.evaluate(testData)
        trained.testEvaluation = test
        guard case .values(let targets, _) = testData.targets else { fatalError("regression targets") }
        let mean = targets.reduce(0.0) { $0 + Double($1) } / Double(targets.count)
        let variance = targets.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(targets.count)
        let ratio = test.meanSquaredError / variance
        return ExampleResult(
            trained: trained,
            figures: [
                ExampleFigure(label: "test MSE / test target variance", value: ratio, reference: nil),
                ExampleFigure(label: "test MSE", value: test.meanSquaredError, reference: nil),
                ExampleFigure(label: "test target variance", value: variance, reference: nil),
            ],
            meetsRequirement: ratio <= 0.10, plotData: nil)
    }

    /// The anchors' digits MLP: 64-128-64-10 ReLU, batch 32, 50 epochs, pixels / 16, trained
    /// like their numpy reference (Glorot-uniform init, classical momentum 0.9, lr 0.05).
    static let digits = Example(
        name: "digits",
        summary: "digits MLP 64-128-64-10 ReLU + softmax, SGD momentum 0.9 lr 0.05, Glorot init, batch 32, 50 epochs, pixels/16 (the numpy anchor's recipe)",
        requirement: "test accuracy ≥ 0.975 (sklearn MLPClassifier adam: 0.975)",
        files: ["digits_train.csv", "digits_test.csv"]
    ) { context throws(ExampleError) in
        let train = try context.load("digits_train.csv", target: "label")
        let test = try context.load("digits_test.csv", target: "label", classLabels: train.classLabels)
        var job = TrainingJob(layers: [.dense(units: 128, bias: true), .relu, .dense(units: 64, bias: true), .relu,
                                       .dense(units: 10, bias: true), .softmax])
        job.normalization = .fixed(.minMax(min: [0], max: [16]))
        job.weightInitialization = .glorot
        job.training.epochs = 50
        job.training.batchSize = 32
        job.training.optimizer = .momentum(0.9)
        job.training.learningRate = 0.05
        job.training.seed = context.seed ?? 0
        job.name = "digits-mlp"
        job.datasetName = "digits_train.csv"
        let trained = try context.train(job, train)
        trained.testEvaluation = trained.evaluate(test)
        let accuracy = trained.testEvaluation?.accuracy ?? 0
        let epochs = trained.history.epochs.map(\.seconds).sorted()
        return ExampleResult(
            trained: trained,
            figures: [
                ExampleFigure(label: "test accuracy", value: accuracy, reference: 0.975),
                ExampleFigure(label: "median ms per epoch", value: epochs[epochs.count / 2] * 1000, reference: nil),
            ],
            meetsRequirement: accuracy >= 0.975, plotData: nil, testData: test)
    }

    /// Our digits CNN on the 1×8×8 images.
    static let digitsCNN = Example(
        name: "digits-cnn",
        summary: "digits CNN 1x8x8: conv 32 3x3 pad 1, BN, ReLU, max-pool 2, conv 64 3x3 pad 1, BN, ReLU, max-pool 2, dropout 0.3, 128 ReLU, dropout 0.3, 10 softmax; Adam lr 0.002 decaying ×0.93 per epoch, batch 32, 30 epochs, pixels/16",
        requirement: "test accuracy ≥ 0.985",
        files: ["digits_train.csv", "digits_test.csv"]
    ) { context throws(ExampleError) in
        let train = try context.load("digits_train.csv", target: "label", inputShape: [1, 8, 8])
        let test = try context.load("digits_test.csv", target: "label", inputShape: [1, 8, 8], classLabels: train.classLabels)
        let layers: [LayerSpec]
        do {
            layers = try LayerSpec.parseList("conv:32:3:pad=1,batchnorm,relu,maxpool:2,conv:64:3:pad=1,batchnorm,relu,maxpool:2,flatten,dropout:0.3,128,relu,dropout:0.3,10,softmax")
        } catch {
            fatalError("recipe layers: \(error)")
        }
        var job = TrainingJob(layers: layers)
        job.normalization = .fixed(.minMax(min: [0], max: [16]))
        job.weightInitialization = .he
        job.training.epochs = 30
        job.training.batchSize = 32
        job.training.optimizer = .adam()
        job.training.learningRate = 0.002
        job.training.schedule = .exponential(factor: 0.93)
        job.training.seed = context.seed ?? 0
        job.name = "digits-cnn"
        job.datasetName = "digits_train.csv"
        let trained = try context.train(job, train)
        trained.testEvaluation = trained.evaluate(test)
        let accuracy = trained.testEvaluation?.accuracy ?? 0
        return ExampleResult(trained: trained, figures: [ExampleFigure(label: "test accuracy", value: accuracy, reference: nil)],
                             meetsRequirement: accuracy >= 0.985, plotData: nil, testData: test)
    }
}

/// numpy's RandomState after `np.random.seed(seed); make_moons(200, noise=0.2)`, the state
/// tutorial 000 draws its initial weights from.
func numpyStateAfterMoons(seed: UInt32) -> NumpyRandomState {
    var state = NumpyRandomState(seed: seed)
    _ = Generators.sklearnMoons(count: 200, noise: 0.2, state: &state)
    return state
}
