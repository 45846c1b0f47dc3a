import XCTest
@testable import NNZTrainer

final class LayerSpecTests: XCTestCase {
    func testTheIssueSyntax() throws {
        XCTAssertEqual(try LayerSpec.parseList("128,relu,dropout:0.5,64,relu,10,softmax"), [
            .dense(units: 128, bias: true), .relu, .dropout(rate: 0.5, convention: nil), .dense(units: 64, bias: true), .relu,
            .dense(units: 10, bias: true), .softmax,
        ])
        XCTAssertEqual(try LayerSpec.parseList("batchnorm, 4:nobias ,sigmoid"), [.batchNorm, .dense(units: 4, bias: false), .sigmoid])
    }

    func testConvPoolAndOptions() throws {
        let specs = try LayerSpec.parseList("conv:16:3:pad=same,conv:8:3x5:stride=2:pad=1x2:nobias,maxpool:2,maxpool:3:stride=2:pad=1,bn:momentum=0.8:eps=0.001,dropout:0.3:scale")
        XCTAssertEqual(specs[0], .conv2d(.init(filters: 16, kernelHeight: 3, kernelWidth: 3, padHeight: 1, padWidth: 1)))
        XCTAssertEqual(specs[1], .conv2d(.init(filters: 8, kernelHeight: 3, kernelWidth: 5, strideHeight: 2, strideWidth: 2, padHeight: 1, padWidth: 2, bias: false)))
        XCTAssertEqual(specs[2], .maxPool(.init(kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2)))
        XCTAssertEqual(specs[3], .maxPool(.init(kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2, padHeight: 1, padWidth: 1)))
        XCTAssertEqual(specs[4], .batchNorm(momentum: 0.8, epsilon: 0.001))
        XCTAssertEqual(specs[5], .dropout(rate: 0.3, convention: .scaleAtInference))
        // The text form parses back to the same specs.
        XCTAssertEqual(try LayerSpec.parseList(specs.map(\.text).joined(separator: ",")), specs)
    }

    func testAveragePoolingAndLeakyReLU() throws {
        let specs = try LayerSpec.parseList("avgpool:2,avgpool:3:stride=2:pad=1:include-pad,avgpool:3x2:stride=1,globalavgpool,gap,leakyrelu,leakyrelu:0.1,LeakyReLU:0")
        XCTAssertEqual(specs, [
            .avgPool(.init(kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2)),
            .avgPool(.init(kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2, padHeight: 1, padWidth: 1, countIncludePad: true)),
            .avgPool(.init(kernelHeight: 3, kernelWidth: 2, strideHeight: 1, strideWidth: 1)),
            .globalAvgPool, .globalAvgPool,
            .leakyRelu(alpha: 0.01), .leakyRelu(alpha: 0.1), .leakyRelu(alpha: 0),
        ])
        XCTAssertEqual(specs.map(\.text), ["avgpool:2", "avgpool:3:stride=2:pad=1:include-pad", "avgpool:3x2:stride=1", "globalavgpool",
                                           "globalavgpool", "leakyrelu", "leakyrelu:0.1", "leakyrelu:0.0"])
        XCTAssertEqual(try LayerSpec.parseList(specs.map(\.text).joined(separator: ",")), specs)
        func message(_ text: String) -> String {
            do { _ = try LayerSpec.parseList(text); return "no error" } catch { return error.description }
        }
        XCTAssertEqual(message("leakyrelu:-0.2"), "column 1 (\"leakyrelu:-0.2\"): expected the leaky ReLU slope as a number ≥ 0, found \"-0.2\"")
        XCTAssertEqual(message("leakyrelu:0.1:2"), "column 1 (\"leakyrelu:0.1:2\"): expected leakyrelu[:ALPHA]")
        XCTAssertEqual(message("avgpool:2:pad=2"), "column 1 (\"avgpool:2:pad=2\"): average-pool padding must be smaller than the pool size")
        XCTAssertEqual(message("avgpool"), "column 1 (\"avgpool\"): expected avgpool:SIZE[:stride=S][:pad=P][:include-pad]")
        XCTAssertEqual(message("gap:2"), "column 1 (\"gap:2\"): 'gap' takes no arguments")
        XCTAssertEqual(message("avgpool:2:exclude-pad"), "column 1 (\"avgpool:2:exclude-pad\"): unknown option \"exclude-pad\" for 'avgpool'; expected one of: stride=…, pad=…, padding=…, include-pad")
        // The network's summary (META training.layers) is the same syntax.
        let net = try network([1, 6, 6], "avgpool:2:stride=1:pad=1:include-pad,leakyrelu:0.2,gap,3")
        XCTAssertEqual(net.summary, "avgpool:2:stride=1:pad=1:include-pad,leakyrelu:0.2,globalavgpool,flatten,3")
        XCTAssertEqual(net.layers.map(\.formatLayer.kindName), ["avgpool", "leakyrelu", "globalavgpool", "flatten", "dense"])
    }

    func testErrorsGiveTheColumn() {
        func message(_ text: String) -> String {
            do { _ = try LayerSpec.parseList(text); return "no error" } catch { return error.description }
        }
        XCTAssertEqual(message("128,relu,dropuot:0.5"), "column 10 (\"dropuot:0.5\"): unknown layer \"dropuot\"; expected a width (e.g. 128), relu, leakyrelu, sigmoid, tanh, softmax, flatten, dropout:RATE, batchnorm, conv:FILTERS:KERNEL, maxpool:SIZE, avgpool:SIZE or globalavgpool")
        XCTAssertEqual(message("128,,10"), "column 5 (\"\"): expected a layer, found an empty item (two commas in a row?)")
        XCTAssertEqual(message("dropout:1.5"), "column 1 (\"dropout:1.5\"): expected a dropout rate in [0, 1), found \"1.5\"")
        XCTAssertEqual(message("0"), "column 1 (\"0\"): a dense layer needs a positive width, found 0")
        XCTAssertEqual(message("relu:3"), "column 1 (\"relu:3\"): 'relu' takes no arguments")
        XCTAssertTrue(message("conv:8:3:padding=2:foo=1").contains("unknown option \"foo=1\""))
    }
}
