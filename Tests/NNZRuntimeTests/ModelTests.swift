import Foundation
import NNZFormat
import XCTest
@testable import NNZRuntime

enum RuntimeRepo {
    static let root: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()
    static var models: String { root + "/Fixtures/models" }
}

/// Deterministic pseudo-random values in [-1, 1).
func values(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed &+ 0x9E37_79B9_7F4A_7C15
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(Int64(bitPattern: state) >> 40) / Float(1 << 23)
    }
}

func fill(_ model: inout ModelFile) {
    model.tensors = model.expectedTensors.enumerated().map { index, spec in
        var v = values(spec.shape.reduce(1, *), seed: UInt64(index))
        if spec.name.hasSuffix("running_var") { v = v.map { $0 * $0 + 0.3 } }
        if spec.name.hasSuffix("gamma") { v = v.map { 1 + 0.5 * $0 } }
        return Tensor(name: spec.name, shape: spec.shape, values: v)
    }
}

/// Conv → BN(channels) → ReLU → pool → flatten → dense → BN(features) → tanh → dropout → dense → softmax.
func batchNormModel() -> ModelFile {
    var model = ModelFile(inputShape: [2, 7, 7], outputKind: .probabilities, layers: [
        .conv2d(Conv2DLayer(inChannels: 2, outChannels: 4, kernelHeight: 3, kernelWidth: 3, padHeight: 1, padWidth: 1)),
        .batchNorm(BatchNormLayer(axis: .channels, channels: 4)),
        .relu,
        .maxPool(MaxPoolLayer(kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2, padHeight: 1, padWidth: 1)),
        .flatten,
        .dense(DenseLayer(inputs: 4 * 4 * 4, outputs: 6)),
        .batchNorm(BatchNormLayer(axis: .features, channels: 6, epsilon: 1e-3)),
        .tanh,
        .dropout(DropoutLayer(ratio: 0.3, convention: .scaleAtInference)),
        .dense(DenseLayer(inputs: 6, outputs: 3)),
        .softmax,
    ])
    fill(&model)
    model.metadata.classLabels = ["red", "green", "blue"]
    return model
}

final class ModelTests: XCTestCase {
    func testFoldedBatchNormAgreesWithUnfoldedWithin1e5() throws {
        let file = batchNormModel()
        let folded = try Model(file: file)
        let unfolded = try Model(file: file, options: RuntimeOptions(foldBatchNorm: false, fuseActivations: false))
        XCTAssertLessThan(folded.plan.steps.count, unfolded.plan.steps.count, "folding must remove steps")
        var worst: Float = 0
        for seed in 0..<50 {
            let row = values(98, seed: 1000 + UInt64(seed)).map { $0 * 3 }
            for (a, b) in zip(try folded.predict(row), try unfolded.predict(row)) { worst = max(worst, abs(a - b)) }
        }
        XCTAssertLessThanOrEqual(worst, 1e-5)
    }

    func testWrongInputWidthIsATypedErrorNamingBothCounts() throws {
        let model = try Model(file: batchNormModel())
        XCTAssertThrowsError(try model.predict([1, 2, 3])) { error in
            XCTAssertEqual("\(error)", "the model takes 98 values per row (input shape [2, 7, 7]), got 3")
        }
        XCTAssertThrowsError(try model.predict(rows: [values(98, seed: 1), [1]])) { error in
            XCTAssertEqual("\(error)", "the model takes 98 values per row (input shape [2, 7, 7]), row 1 has 1")
        }
    }

    func testClassificationUsesLabelsAndTopK() throws {
        let model = try Model(file: batchNormModel())
        let row = values(98, seed: 5)
        let c = try model.classify(row)
        let probabilities = try model.predict(row)
        XCTAssertEqual(c.scores, probabilities)
        XCTAssertEqual(probabilities.reduce(0, +), 1, accuracy: 1e-6)
        let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] }!
        XCTAssertEqual(c.classIndex, best)
        XCTAssertEqual(c.label, ["red", "green", "blue"][best])
        let top = c.top(2)
        XCTAssertEqual(top.count, 2)
        XCTAssertEqual(top[0].label, c.label)
        XCTAssertGreaterThanOrEqual(top[0].score, top[1].score)
    }

    func testEightThreadsSharingOneModelGiveTheSerialResults() throws {
        let model = try Model(file: batchNormModel())
        let rows = (0..<64).map { values(98, seed: UInt64($0)) }
        let serial = try rows.map { try model.predict($0) }
        let results = UnsafeMutableBufferPointer<[Float]>.allocate(capacity: 8 * rows.count)
        results.initialize(repeating: [])
        defer { results.deallocate() }
        struct Box: @unchecked Sendable { let p: UnsafeMutableBufferPointer<[Float]> }
        let box = Box(p: results)
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for (i, row) in rows.enumerated() { box.p[thread * rows.count + i] = try! model.predict(row) }
        }
        for thread in 0..<8 {
            for i in rows.indices { XCTAssertEqual(results[thread * rows.count + i], serial[i]) }
        }
        // A batch split across threads gives the same values as row-by-row calls.
        XCTAssertEqual(try model.predict(rows: rows, threads: 8), serial)
    }

    func testBatchSplitAcrossThreadsMatchesSingleThread() throws {
        var file = ModelFile(inputShape: [256], outputKind: .regression,
                             layers: [.dense(DenseLayer(inputs: 256, outputs: 512)), .relu, .dense(DenseLayer(inputs: 512, outputs: 3))])
        fill(&file)
        let model = try Model(file: file)
        let rows = (0..<200).map { values(256, seed: UInt64($0)) }
        XCTAssertGreaterThan(model.partCount(rows: rows.count, threads: 2), 1, "this batch is big enough to split")
        XCTAssertEqual(try model.predict(rows: rows, threads: 2), try model.predict(rows: rows, threads: 1))
    }

    func testScaleAtInferenceDropoutAndInvertedDropout() throws {
        for (convention, factor) in [(DropoutConvention.scaleAtInference, Float(0.75)), (.inverted, 1)] {
            var file = ModelFile(inputShape: [3], outputKind: .regression,
                                 layers: [.dropout(DropoutLayer(ratio: 0.25, convention: convention))])
            fill(&file)
            XCTAssertEqual(try Model(file: file).predict([4, -8, 2]), [4 * factor, -8 * factor, 2 * factor])
        }
    }

    func testNormalizationIsAppliedToRawInputs() throws {
        var file = ModelFile(inputShape: [2], outputKind: .regression, layers: [.relu])
        file.normalization = .standard(mean: [1, 10], std: [2, 5])
        XCTAssertEqual(try Model(file: file).predict([5, 30]), [2, 4])
        file.normalization = .minMax(min: [0], max: [16])
        XCTAssertEqual(try Model(file: file).predict([8, 4]), [0.5, 0.25])
    }

    func testSoftmaxIsStableForHugeScores() throws {
        var file = ModelFile(inputShape: [3], outputKind: .probabilities, layers: [.softmax])
        fill(&file)
        let p = try Model(file: file).predict([1e30, 0, -1e30])
        XCTAssertEqual(p, [1, 0, 0])
    }
}
