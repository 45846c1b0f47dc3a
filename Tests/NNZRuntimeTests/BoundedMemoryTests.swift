import Foundation
import NNZFormat
import XCTest
@testable import NNZRuntime

/// What the runtime allocates is bounded by the format's limits, not by a file's geometry
/// times a caller's batch size: large batches run in passes, and spatial segments too large
/// for memory of their own alternate two buffers. Both give the same bits as the plain paths.
final class BoundedMemoryTests: XCTestCase {
    /// Every fixture model, with its spatial segments forced to share two regions (borders
    /// rewritten before each read) and its batches forced into passes of a few rows, gives
    /// bit for bit what the default plan gives.
    func testSharedArenaAndPassesGiveTheDefaultBitsOnEveryFixture() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: RuntimeRepo.models)
            .filter { $0.hasSuffix(".nnz") }.sorted()
        var shared = 0
        for name in names {
            let file = try NNZReader.read(path: RuntimeRepo.models + "/" + name)
            let plain = try Model(file: file)
            var options = RuntimeOptions()
            options.dedicatedArenaLimit = 0
            options.passBudget = 3 * 2 * max(1, plain.plan.intermediateWidth) // three rows per pass
            let bounded = try Model(file: file, options: options)
            XCTAssertEqual(bounded.plan.rowsPerPass, 3, name)
            XCTAssertEqual(bounded.plan.spatialArena, 0, name)
            if bounded.plan.sharedSpatialArena > 0 { shared += 1 }
            let rows = (0..<11).map { values(plain.inputWidth, seed: UInt64($0)).map { $0 * 4 } }
            XCTAssertEqual(try bounded.predict(rows: rows), try plain.predict(rows: rows), name)
            XCTAssertEqual(try bounded.predict(rows: rows, threads: 2), try plain.predict(rows: rows), name)
        }
        XCTAssertGreaterThanOrEqual(shared, 1, "a fixture with convolutions must take the shared path")
    }

    /// The geometry (input [1, 1, 1], 1×1 kernel, stride = pad) with a padded input
    /// (4201² values) larger than a segment may own: scored through the shared regions, in
    /// memory of two buffers, with the bias in every window that lies in the padding.
    func testHugePaddingIsScoredInTwoBuffers() throws {
        var file = ModelFile(inputShape: [1, 1, 1], outputKind: .regression, layers: [
            .conv2d(Conv2DLayer(inChannels: 1, outChannels: 1, kernelHeight: 1, kernelWidth: 1,
                                strideHeight: 2100, strideWidth: 2100, padHeight: 2100, padWidth: 2100)),
            .flatten,
        ])
        file.tensors = [Tensor(name: "layers.0.weight", shape: [1, 1, 1, 1], values: [2]),
                        Tensor(name: "layers.0.bias", shape: [1], values: [0.5])]
        let model = try Model(file: file)
        let padded = 4201 * 4201
        XCTAssertGreaterThan(padded, SpatialSegment.dedicatedArenaLimit)
        XCTAssertEqual(model.plan.spatialArena, 0)
        XCTAssertLessThanOrEqual(model.plan.sharedSpatialArena, padded + 64, "the padded input plus the 3×3 output")
        XCTAssertEqual(try model.predict([3]), [0.5, 0.5, 0.5, 0.5, 6.5, 0.5, 0.5, 0.5, 0.5])
        XCTAssertEqual(try model.predict(rows: [[3], [-1]]), [[0.5, 0.5, 0.5, 0.5, 6.5, 0.5, 0.5, 0.5, 0.5],
                                                            [0.5, 0.5, 0.5, 0.5, -1.5, 0.5, 0.5, 0.5, 0.5]])
    }

    /// However many rows a caller asks for, one scratch holds at most ``Plan/passBudget``
    /// values of ping-pong buffers.
    func testScratchRowsAreCappedByThePassBudget() throws {
        var file = ModelFile(inputShape: [4], outputKind: .regression, layers: [.dense(DenseLayer(inputs: 4, outputs: 1 << 20)), .relu])
        fill(&file)
        let model = try Model(file: file, options: RuntimeOptions(fuseActivations: false))
        XCTAssertEqual(model.plan.intermediateWidth, 1 << 20, "the dense output is an intermediate, the ReLU writes the output")
        XCTAssertEqual(model.plan.rowsPerPass, Plan.passBudget / (2 << 20))
        let workspace = model.makeWorkspace(rows: 1 << 30)
        XCTAssertEqual(workspace.rows, 1 << 30, "the workspace still accepts the batch it was made for")
        XCTAssertEqual(workspace.scratch.rows, model.plan.rowsPerPass)
    }

    /// Packing pads a dense layer's outputs to 32: one output over 2^23 + 1 inputs would take
    /// more than the format's 2^30-byte tensor limit once packed, and is refused naming the
    /// layer, before anything is packed; 2^23 inputs are fine.
    func testWeightsTooLargeOncePackedAreRefusedNamingTheLayer() throws {
        func model(inputs: Int) -> ModelFile {
            var file = ModelFile(inputShape: [inputs], outputKind: .regression, layers: [.dense(DenseLayer(inputs: inputs, outputs: 1))])
            file.tensors = [Tensor(name: "layers.0.weight", shape: [inputs, 1], values: Array(repeating: 0.5, count: inputs)),
                            Tensor(name: "layers.0.bias", shape: [1], values: [0])]
            return file
        }
        XCTAssertThrowsError(try Model(file: model(inputs: (1 << 23) + 1))) { error in
            let error = error as! FormatError
            XCTAssertEqual(error.code, .limitExceeded)
            XCTAssertTrue(error.message.hasPrefix("layer 0 (dense): "), error.message)
        }
        let largest = model(inputs: 1 << 23) // packs to exactly the limit (not compiled here: 1 GiB)
        XCTAssertNoThrow(try Compiler.checkPackedSizes(largest, shapes: try largest.layerOutputShapes()))
    }
}
