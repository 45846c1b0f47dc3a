import XCTest
@testable import NNZTrainer
import NNZFormat
import NNZRuntime

final class ExportTests: XCTestCase {
    /// A small CNN with every layer kind, trained for a few epochs on generated image rows.
    func trainedCNN(seed: UInt64 = 3, convention: String = "inverted") throws -> TrainedModel {
        var random = RandomGenerator(seed: 11)
        var features: [Float] = []
        var labels: [Int32] = []
        for i in 0..<60 {
            let label = Int32(i % 3)
            for p in 0..<36 { features.append(Float(p % 6 == Int(label) * 2 ? 8 : 0) + 4 * random.nextFloat()) }
            labels.append(label)
        }
        let data = Dataset(featureNames: (0..<36).map { "p\($0)" }, sampleShape: [1, 6, 6], features: features,
                           targets: .classes(labels, labels: ["a", "b", "c"]))
        var job = TrainingJob(layers: try LayerSpec.parseList(
            "conv:4:3:pad=1,batchnorm,relu,maxpool:2:stride=2:pad=1,conv:3:2:nobias,tanh,flatten,dropout:0.2:\(convention),8,batchnorm,sigmoid,3,softmax"))
        job.training.epochs = 3
        job.training.batchSize = 16
        job.training.seed = seed
        job.validationFraction = 0.2
        job.normalization = .standard
        return try job.run(on: data)
    }

    func trainedMoons(_ layers: String, loss: Loss = .crossEntropy, normalization: Normalization = .standard) throws -> TrainedModel {
        let data = Generators.moons(count: 120, noise: 0.2, seed: 5)
        var job = TrainingJob(layers: try LayerSpec.parseList(layers))
        job.training.epochs = 20
        job.training.batchSize = 16
        job.training.loss = loss
        job.normalization = normalization
        return try job.run(on: data)
    }

    /// Trainer evaluation outputs equal, bit for bit, what NNZRuntime computes from the
    /// exported and re-read file on raw rows; and they agree with an independent Double
    /// reference of the format's semantics to 1e-5.
    func assertEvaluationMatchesFile(_ trained: TrainedModel, file: StaticString = #filePath, line: UInt = #line) throws {
        let bytes = try NNZWriter.encode(trained.modelFile())
        let model = try NNZReader.decode(bytes)
        let rows = min(trained.trainingRaw.count, 20)
        let raw = (0..<rows).flatMap { trained.trainingRaw.row($0) }
        let ours = trained.predict(raw: raw, count: rows)
        let width = trained.network.outputWidth
        let runtime = try Model(bytes: bytes)
        let theirs = try runtime.predict(rows: (0..<rows).map { trained.trainingRaw.row($0) }).flatMap { $0 }
        XCTAssertEqual(ours.map(\.bitPattern), theirs.map(\.bitPattern), "trainer evaluation == runtime on the exported file, bit for bit", file: file, line: line)
        let report = try XCTUnwrap(runtime.runSelfTest(), file: file, line: line)
        XCTAssertEqual(report.maxDifference, 0, "the runtime reproduces the stored self-test exactly", file: file, line: line)
        // The trainer's own layer-by-layer evaluation mode (unfolded batch-norm, separate
        // activations) stays within rounding of the runtime's plan.
        let normalized = Normalization.apply(trained.normalization, to: raw, width: trained.network.inputWidth)
        let layerwise = trained.network.run(normalized, batch: rows, mode: .evaluation)
        for (a, b) in zip(layerwise, ours) {
            XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b)), file: file, line: line)
        }
        for r in 0..<rows {
            let reference = ReferenceForward.run(model, rawRow: trained.trainingRaw.row(r))
            for k in 0..<width {
                let a = Double(ours[r * width + k]), b = reference[k]
                XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b)), "row \(r) output \(k)", file: file, line: line)
            }
        }
        // The stored self-test holds for the reference too.
        let test = try XCTUnwrap(model.selfTest, file: file, line: line)
        for (input, expected) in zip(test.inputs, test.outputs) {
            let reference = ReferenceForward.run(model, rawRow: input)
            for (a, b) in zip(expected, reference) {
                XCTAssertLessThanOrEqual(abs(Double(a) - b), Double(test.tolerance), file: file, line: line)
            }
        }
    }

    func testEvaluationEqualsExportedFileForEveryLayerKind() throws {
        try assertEvaluationMatchesFile(trainedCNN())
        try assertEvaluationMatchesFile(trainedCNN(convention: "scale"))
        try assertEvaluationMatchesFile(trainedMoons("8,tanh,2,softmax"))
        try assertEvaluationMatchesFile(trainedMoons("8,relu,2,sigmoid", loss: .sumOfSquaredErrors, normalization: .minMax))
        try assertEvaluationMatchesFile(trainedMoons("6,relu,2", normalization: .none))
    }

    /// The layer kinds of format 1.1 in a trained CNN: the exported file is a 1.1 file whose
    /// runtime outputs are the trainer's evaluation, bit for bit, and the Double reference's.
    func testTheFormat11KindsTrainAndExport() throws {
        var random = RandomGenerator(seed: 12)
        var features: [Float] = []
        var labels: [Int32] = []
        for i in 0..<60 {
            let label = Int32(i % 3)
            for p in 0..<36 { features.append(Float(p / 6 == Int(label) * 2 ? 6 : -2) + 3 * random.nextFloat()) }
            labels.append(label)
        }
        let data = Dataset(featureNames: (0..<36).map { "p\($0)" }, sampleShape: [1, 6, 6], features: features,
                           targets: .classes(labels, labels: ["a", "b", "c"]))
        var job = TrainingJob(layers: try LayerSpec.parseList(
            "conv:4:3:pad=1,leakyrelu:0.1,avgpool:3:stride=2:pad=1,conv:3:2,avgpool:2:stride=1:pad=1:include-pad,leakyrelu,gap,8,leakyrelu:0.2,3,softmax"))
        job.training.epochs = 3
        job.training.batchSize = 16
        job.normalization = .standard
        let trained = try job.run(on: data)
        try assertEvaluationMatchesFile(trained)
        let file = trained.modelFile()
        XCTAssertEqual(file.minimumReaderVersion, .v1_1)
        XCTAssertEqual(Array(try NNZWriter.encode(file)[8..<16]), [1, 0, 1, 0, 1, 0, 1, 0])
        XCTAssertEqual(file.layers.map(\.kindName), ["conv2d", "leakyrelu", "avgpool", "conv2d", "avgpool", "leakyrelu", "globalavgpool",
                                                     "flatten", "dense", "leakyrelu", "dense", "softmax"])
        XCTAssertEqual(file.metadata["training.layers"], .string(
            "conv:4:3:pad=1,leakyrelu:0.1,avgpool:3:stride=2:pad=1,conv:3:2,avgpool:2:stride=1:pad=1:include-pad,leakyrelu,globalavgpool,flatten,8,leakyrelu:0.2,3,softmax"))
        // Without them a trained model stays a 1.0 file.
        XCTAssertEqual(Array(try NNZWriter.encode(trainedCNN().modelFile())[8..<16]), [1, 0, 0, 0, 1, 0, 0, 0])
    }

    func testSameSeedGivesByteIdenticalFilesAndAnotherSeedDoesNot() throws {
        let a = try NNZWriter.encode(trainedCNN(seed: 4).modelFile())
        let b = try NNZWriter.encode(trainedCNN(seed: 4).modelFile())
        let c = try NNZWriter.encode(trainedCNN(seed: 5).modelFile())
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
    }

    func testFileContents() throws {
        let trained = try trainedCNN()
        let model = try NNZReader.decode(NNZWriter.encode(trained.modelFile()))
        XCTAssertEqual(model.inputShape, [1, 6, 6])
        XCTAssertEqual(model.outputKind, .probabilities)
        XCTAssertEqual(model.layers.map(\.kindName),
                       ["conv2d", "batchnorm", "relu", "maxpool", "conv2d", "tanh", "flatten", "dropout", "dense", "batchnorm", "sigmoid", "dense", "softmax"])
        XCTAssertEqual(model.tensors.map(\.name), [
            "layers.0.weight", "layers.0.bias", "layers.1.gamma", "layers.1.beta", "layers.1.running_mean", "layers.1.running_var",
            "layers.4.weight", "layers.8.weight", "layers.8.bias", "layers.9.gamma", "layers.9.beta", "layers.9.running_mean",
            "layers.9.running_var", "layers.11.weight", "layers.11.bias",
        ])
        XCTAssertEqual(model.tensor(named: "layers.0.weight")?.shape, [4, 1, 3, 3], "conv weights are OIHW")
        XCTAssertEqual(model.tensor(named: "layers.8.weight")?.shape, [27, 8], "dense weights are [in, out]")
        let bn = trained.network.layers[1] as! BatchNorm
        XCTAssertEqual(model.tensor(named: "layers.1.running_mean")?.values, bn.runningMean)
        XCTAssertNotEqual(bn.runningMean, [0, 0, 0, 0], "running statistics were updated")
        if case .dropout(let d) = model.layers[7] {
            XCTAssertEqual(d.convention, .inverted)
            XCTAssertEqual(d.ratio, 0.2)
        } else { XCTFail("layer 7 is dropout") }
        XCTAssertEqual(model.metadata.producer, "nntrain")
        XCTAssertEqual(model.metadata.classLabels, ["a", "b", "c"])
        XCTAssertEqual(model.metadata.featureNames?.count, 36)
        XCTAssertEqual(model.normalization?.kind, .standard)
        XCTAssertEqual(model.normalization?.first.count, 36)
        let keys = model.metadata.trainingSummary.map(\.key)
        for key in ["epochs", "optimizer", "learning_rate", "batch_size", "seed", "loss", "final_loss", "final_accuracy",
                    "validation_accuracy", "train_rows", "validation_rows", "layers", "dropout_convention"] {
            XCTAssertTrue(keys.contains(key), "training.\(key)")
        }
        XCTAssertEqual(model.selfTest?.inputs.count, 5)
        XCTAssertEqual(model.selfTest?.inputs.first, trained.trainingRaw.row(0), "self-test inputs are raw rows")
    }

    func testRegressionExportHasNoClassLabels() throws {
        var features: [Float] = []
        var targets: [Float] = []
        var random = RandomGenerator(seed: 2)
        for _ in 0..<64 {
            let a = Float(random.nextGaussian()), b = Float(random.nextGaussian())
            features += [a, b]
            targets.append(3 * a - b + 10)
        }
        let data = Dataset(featureNames: ["a", "b"], features: features, targets: .values(targets, width: 1), targetName: "y")
        var job = TrainingJob(layers: try LayerSpec.parseList("8,relu,1"))
        job.training.loss = .meanSquaredError
        job.training.epochs = 5
        let trained = try job.run(on: data)
        let model = try NNZReader.decode(NNZWriter.encode(trained.modelFile()))
        XCTAssertEqual(model.outputKind, .regression)
        XCTAssertNil(model.metadata.classLabels)
        XCTAssertNotNil(model.metadata["training.final_mse"])
        try assertEvaluationMatchesFile(trained)
    }
}
