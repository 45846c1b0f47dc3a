import Foundation
import NNZFormat
import NNZKernels
import XCTest
@testable import NNZRuntime

/// The runtime's int8 layers (FORMAT.md §4 "int8 layers at inference") against the Python
/// reference bit for bit, and the same bits on every kernel path, batch size and thread split.
final class Int8RuntimeTests: XCTestCase {
    /// Every int8 kernel of every path this CPU has (``int8KernelChoices``).
    let paths = int8KernelChoices

    override func tearDown() { nnz_kernels_force_path(Int32(NNZ_PATH_AUTO)); nnz_int8_force_vnni(1) }

    func int8Fixtures() throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: RuntimeRepo.models).filter { $0.hasSuffix(".nnz") }.sorted()
        return try names.filter { name in
            try NNZReader.read(path: RuntimeRepo.models + "/" + name).tensors.contains { $0.dtype == .int8 }
        }
    }

    /// The rows whose bits differ, with both versions (empty when all agree).
    func differingRows(_ a: [[UInt32]], _ b: [[UInt32]]) -> [String] {
        zip(a, b).enumerated().filter { $0.element.0 != $0.element.1 }.prefix(3).map { "row \($0.offset): \($0.element.0) vs \($0.element.1)" }
    }

    /// int8_exact's outputs are its last int8 layer's float32 results (everything after an
    /// int8 layer is exact), printed by the reference with 9 digits: every path must give
    /// exactly those floats.
    func testInt8ExactFixtureMatchesTheReferenceBitForBitOnEveryPath() throws {
        let model = try Model(path: RuntimeRepo.models + "/int8_exact.nnz")
        XCTAssertTrue(model.file.tensors.filter { $0.name.hasSuffix(".weight") }.allSatisfy { $0.dtype == .int8 })
        let input = try readNumericCSV(RuntimeRepo.models + "/int8_exact.input.csv")
        let expected = try readNumericCSV(RuntimeRepo.models + "/int8_exact.expected.csv")
        XCTAssertEqual(input.rows.count, 16)
        for choice in paths {
            useInt8Kernels(choice)
            let name = choice.name
            let outputs = try model.predict(rows: input.rows)
            for (row, (got, want)) in zip(outputs, expected.rows).enumerated() {
                XCTAssertEqual(got.map(\.bitPattern), want.map(\.bitPattern), "row \(row) on \(name): \(got) vs \(want)")
            }
            XCTAssertEqual(model.runSelfTest()?.passed, true, name)
        }
    }

    /// Every int8 fixture (softmax, batch-norm and normalized inputs included) gives the same
    /// bits on every kernel path, one row at a time, in one batch and split over two threads.
    func testEveryInt8FixtureGivesTheSameBitsOnEveryPathBatchAndSplit() throws {
        let names = try int8Fixtures()
        XCTAssertEqual(names, ["cnn_int8.nnz", "int8_exact.nnz", "mlp_int8.nnz", "tiny_int8.nnz"])
        for name in names {
            let model = try Model(path: RuntimeRepo.models + "/" + name)
            let stem = String(name.dropLast(4))
            var rows = try readNumericCSV(RuntimeRepo.models + "/\(stem).input.csv").rows
            while rows.count < 300 { rows += rows.map { $0.map { $0 * 1.5 - 0.25 } } }   // more rows than one int8 block
            var reference: [[UInt32]]?
            for choice in paths {
                useInt8Kernels(choice)
                let pathName = choice.name
                let batch = try model.predict(rows: rows).map { $0.map(\.bitPattern) }
                let split = try model.predict(rows: rows, threads: 2).map { $0.map(\.bitPattern) }
                let single = try rows.prefix(20).map { try model.predict($0).map(\.bitPattern) }
                XCTAssertEqual(differingRows(batch, split), [], "\(name) on \(pathName): batch vs two threads")
                XCTAssertEqual(differingRows(Array(batch.prefix(20)), single), [], "\(name) on \(pathName): batch vs one row at a time")
                if let reference {
                    XCTAssertEqual(differingRows(batch, reference), [], "\(name) on \(pathName) vs \(paths[0].name)")
                } else {
                    reference = batch
                }
            }
        }
    }

    /// A batch-norm after an int8 layer is not folded into the int8 weights (that would change
    /// what the file computes): it runs as its own step on the int8 layer's outputs.
    func testABatchNormAfterAnInt8LayerRunsAfterIt() throws {
        var cut = try NNZReader.read(path: RuntimeRepo.models + "/tiny_int8.nnz")
        cut.selfTest = nil
        cut.outputKind = .regression
        cut.metadata.classLabels = nil
        cut.layers = [cut.layers[0]]               // the int8 dense layer alone
        guard case .dense(let d) = cut.layers[0] else { return XCTFail("tiny_int8 starts with a dense layer") }
        var withNorm = cut
        withNorm.layers.append(.batchNorm(BatchNormLayer(axis: .features, channels: d.outputs, epsilon: 1e-5)))
        let gamma: [Float] = [2, 0.5], beta: [Float] = [0.25, -1], mean: [Float] = [0.125, 0], variance: [Float] = [1, 4]
        for (param, values) in [("gamma", gamma), ("beta", beta), ("running_mean", mean), ("running_var", variance)] {
            withNorm.tensors.append(Tensor(name: "layers.1.\(param)", shape: [d.outputs], values: values))
        }
        for x: [Float] in [[0.5, -1.25], [3, 0.25], [0, 0]] {
            let z = try Model(file: cut).predict(x)
            let y = try Model(file: withNorm, options: RuntimeOptions(foldBatchNorm: true)).predict(x)
            for c in 0..<d.outputs {
                let scale = gamma[c] / (variance[c] + 1e-5).squareRoot()
                XCTAssertEqual(y[c], z[c] * scale + (beta[c] - mean[c] * scale), accuracy: 1e-6, "input \(x) channel \(c)")
            }
        }
    }
}
