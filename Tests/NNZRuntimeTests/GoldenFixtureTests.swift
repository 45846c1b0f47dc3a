import Foundation
import NNZFormat
import NNZKernels
import XCTest
@testable import NNZRuntime

/// Reads a small numeric CSV with a header line (test-side helper; the product's reader is tested separately).
func readNumericCSV(_ path: String) throws -> (header: [String], rows: [[Float]]) {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var lines = text.split(whereSeparator: \.isNewline).map(String.init)
    let header = lines.removeFirst().split(separator: ",").map(String.init)
    let rows = lines.map { $0.split(separator: ",").map { Float(String($0))! } }
    return (header, rows)
}

/// Every fixture is held to 1e-5 of the Python reference and to its stored self-test. The
/// int8 fixtures too: the runtime's int8 layers compute the reference's integer arithmetic
/// (FORMAT.md §4 "int8 layers at inference"), so only the float32 layers around them differ
/// from its float64 (the exact bits of the int8 layers are checked by `Int8RuntimeTests`).
func goldenTolerance(_ model: Model) -> (tolerance: Float, runSelfTest: Bool) { (1e-5, true) }

final class GoldenFixtureTests: XCTestCase {
    /// Every fixture on every kernel path this CPU has (forced, as NNZ_KERNELS would): the
    /// Python reference's outputs within 1e-5 and the stored self-test, the 1.1 kinds included.
    func testEveryFixtureMatchesThePythonReferenceOnEveryKernelPath() throws {
        let paths = [(NNZ_PATH_PORTABLE, "portable"), (NNZ_PATH_AVX2, "avx2"), (NNZ_PATH_AVX512, "avx512")]
            .filter { nnz_kernels_path_supported(Int32($0.0)) != 0 }
        XCTAssertGreaterThanOrEqual(paths.count, 1)
        defer { nnz_kernels_force_path(Int32(NNZ_PATH_AUTO)) }
        let names = try FileManager.default.contentsOfDirectory(atPath: RuntimeRepo.models)
            .filter { $0.hasSuffix(".nnz") }.sorted()
        XCTAssertTrue(names.contains("cnn_avgpool_leaky.nnz"))
        for (id, pathName) in paths {
            nnz_kernels_force_path(Int32(id))
            XCTAssertEqual(Kernels.path, pathName)
            for name in names {
                let stem = String(name.dropLast(4))
                let expectedPath = RuntimeRepo.models + "/\(stem).expected.csv"
                guard FileManager.default.fileExists(atPath: expectedPath) else { continue }
                let model = try Model(path: RuntimeRepo.models + "/" + name)
                let input = try readNumericCSV(RuntimeRepo.models + "/\(stem).input.csv"), expected = try readNumericCSV(expectedPath)
                var worst: Float = 0
                for (row, want) in zip(try model.predict(rows: input.rows), expected.rows) {
                    for (a, b) in zip(row, want) { worst = max(worst, abs(a - b)) }
                }
                let golden = goldenTolerance(model)
                XCTAssertLessThanOrEqual(worst, golden.tolerance, "\(name) on \(pathName): max abs diff \(worst)")
                if golden.runSelfTest, let report = model.runSelfTest() { XCTAssertTrue(report.passed, "\(name) on \(pathName) self-test: \(report)") }
            }
        }
    }

    /// Every shipped model reproduces the Python reference's outputs within 1e-5.
    func testEveryFixtureModelMatchesThePythonReference() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: RuntimeRepo.models)
            .filter { $0.hasSuffix(".nnz") }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 6, "the fixtures must cover every layer kind")
        var checked = 0
        var kinds = Set<String>()
        for name in names {
            let stem = String(name.dropLast(4))
            let inputPath = RuntimeRepo.models + "/\(stem).input.csv"
            let expectedPath = RuntimeRepo.models + "/\(stem).expected.csv"
            guard FileManager.default.fileExists(atPath: expectedPath) else { continue }
            let model = try Model(path: RuntimeRepo.models + "/" + name)
            kinds.formUnion(model.file.layers.map(\.kindName))
            let input = try readNumericCSV(inputPath), expected = try readNumericCSV(expectedPath)
            XCTAssertEqual(input.rows.count, expected.rows.count, name)
            let outputs = try model.predict(rows: input.rows)
            var worst: Float = 0
            for (row, want) in zip(outputs, expected.rows) {
                XCTAssertEqual(row.count, want.count, name)
                for (a, b) in zip(row, want) { worst = max(worst, abs(a - b)) }
            }
            let golden = goldenTolerance(model)
            XCTAssertLessThanOrEqual(worst, golden.tolerance, "\(name): max abs diff \(worst)")
            if golden.runSelfTest, let report = model.runSelfTest() { XCTAssertTrue(report.passed, "\(name) self-test: \(report)") }
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 6)
        XCTAssertEqual(kinds, ["dense", "conv2d", "maxpool", "flatten", "relu", "sigmoid", "tanh", "softmax", "dropout", "batchnorm",
                               "avgpool", "globalavgpool", "leakyrelu"])
    }
}
