import Foundation
import NNZFormat
import NNZKernels
import XCTest
@testable import NNZRuntime

/// The layer kinds of format 1.1 wherever the compiler may place them: pooling that opens a
/// spatial segment, a global pool feeding a dense layer (NHWC output), leaky ReLU before any
/// segment, inside one and on flat features; against a naive Double evaluation, on every
/// kernel path.
final class NewLayerKindTests: XCTestCase {
    /// Naive evaluation of the layers these tests use, from docs/FORMAT.md §3.
    func reference(_ file: ModelFile, _ row: [Float]) -> [Double] {
        var x = row.map(Double.init), shape = file.inputShape
        for (index, layer) in file.layers.enumerated() {
            switch layer {
            case .avgPool(let p):
                let (c, h, w) = (shape[0], shape[1], shape[2])
                let oh = windowOutput(h, p.kernelHeight, p.strideHeight, p.padHeight)!
                let ow = windowOutput(w, p.kernelWidth, p.strideWidth, p.padWidth)!
                var y: [Double] = []
                for ch in 0..<c { for r in 0..<oh { for s in 0..<ow {
                    var sum = 0.0, real = 0
                    for u in 0..<p.kernelHeight { for v in 0..<p.kernelWidth {
                        let yy = r * p.strideHeight - p.padHeight + u, xx = s * p.strideWidth - p.padWidth + v
                        guard yy >= 0, yy < h, xx >= 0, xx < w else { continue }
                        sum += x[(ch * h + yy) * w + xx]
                        real += 1
                    } }
                    y.append(sum / Double(p.countIncludePad ? p.kernelHeight * p.kernelWidth : real))
                } } }
                x = y
                shape = [c, oh, ow]
            case .maxPool(let p):
                let (c, h, w) = (shape[0], shape[1], shape[2])
                let oh = windowOutput(h, p.kernelHeight, p.strideHeight, p.padHeight)!
                let ow = windowOutput(w, p.kernelWidth, p.strideWidth, p.padWidth)!
                var y: [Double] = []
                for ch in 0..<c { for r in 0..<oh { for s in 0..<ow {
                    var best = -Double.infinity
                    for u in 0..<p.kernelHeight { for v in 0..<p.kernelWidth {
                        let yy = r * p.strideHeight - p.padHeight + u, xx = s * p.strideWidth - p.padWidth + v
                        if yy >= 0, yy < h, xx >= 0, xx < w { best = max(best, x[(ch * h + yy) * w + xx]) }
                    } }
                    y.append(best)
                } } }
                x = y
                shape = [c, oh, ow]
            case .globalAvgPool:
                let per = shape[1] * shape[2]
                x = (0..<shape[0]).map { c in x[(c * per)..<((c + 1) * per)].reduce(0, +) / Double(per) }
                shape = [shape[0], 1, 1]
            case .leakyRelu(let alpha): x = x.map { $0 >= 0 ? $0 : Double(alpha) * $0 }
            case .flatten: shape = [x.count]
            case .dense(let d):
                let weight = file.tensor(named: "layers.\(index).weight")!.values, bias = file.tensor(named: "layers.\(index).bias")!.values
                x = (0..<d.outputs).map { j in Double(bias[j]) + (0..<d.inputs).reduce(0.0) { $0 + x[$1] * Double(weight[$1 * d.outputs + j]) } }
                shape = [d.outputs]
            default: preconditionFailure("not used here: \(layer.kindName)")
            }
        }
        return x
    }

    func models() -> [(String, ModelFile)] {
        var gap = ModelFile(inputShape: [5, 4, 6], outputKind: .scores, layers: [.globalAvgPool, .flatten, .dense(DenseLayer(inputs: 5, outputs: 3))])
        fill(&gap)
        let pooled = ModelFile(inputShape: [3, 6, 5], outputKind: .scores, layers: [
            .avgPool(AvgPoolLayer(kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2, padHeight: 1, padWidth: 1,
                                  countIncludePad: true)),
            .avgPool(AvgPoolLayer(kernelHeight: 2, kernelWidth: 2, strideHeight: 1, strideWidth: 1, padHeight: 1, padWidth: 1)),
            .flatten,
        ])
        let leaky = ModelFile(inputShape: [2, 5, 5], outputKind: .scores, layers: [
            .leakyRelu(alpha: 0.3),
            .maxPool(MaxPoolLayer(kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2)),
            .leakyRelu(alpha: 2),
            .globalAvgPool,
            .flatten,
            .leakyRelu(alpha: -0.5),
        ])
        return [("global pool + dense", gap), ("avg pools opening a segment", pooled), ("leaky relu everywhere", leaky)]
    }

    func testNewKindsMatchANaiveEvaluationOnEveryKernelPath() throws {
        let paths = [(NNZ_PATH_PORTABLE, "portable"), (NNZ_PATH_AVX2, "avx2"), (NNZ_PATH_AVX512, "avx512")]
            .filter { nnz_kernels_path_supported(Int32($0.0)) != 0 }
        defer { nnz_kernels_force_path(Int32(NNZ_PATH_AUTO)) }
        for (id, name) in paths {
            nnz_kernels_force_path(Int32(id))
            XCTAssertEqual(Kernels.path, name)
            for (label, file) in models() {
                let model = try Model(file: file)
                let rows = (0..<5).map { values(model.inputWidth, seed: UInt64($0 + 40)).map { $0 * 3 } }
                for (row, got) in zip(rows, try model.predict(rows: rows)) {
                    let want = reference(file, row)
                    XCTAssertEqual(got.count, want.count, label)
                    for (a, b) in zip(got, want) {
                        XCTAssertEqual(Double(a), b, accuracy: 1e-5 * max(1, abs(b)), "\(label) on \(name)")
                    }
                }
            }
        }
    }

    /// Where each kind runs: pooling and an image leaky ReLU inside the NHWC segment, a leaky
    /// ReLU before any segment or on flat values as its own step.
    func testPlacement() throws {
        let plans = try models().map { try Model(file: $0.1).plan.steps.map { String(describing: type(of: $0)) } }
        XCTAssertEqual(plans[0], ["SpatialSegment", "DenseStep"])
        XCTAssertEqual(plans[1], ["SpatialSegment"])
        XCTAssertEqual(plans[2], ["LeakyReLUStep", "SpatialSegment", "LeakyReLUStep"])
    }
}
