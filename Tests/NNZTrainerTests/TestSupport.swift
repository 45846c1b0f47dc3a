import XCTest
@testable import NNZTrainer
import NNZFormat

/// `Fixtures/data` of the package, found from this file's path.
let fixturesDirectory: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    parts.removeLast(3) // Tests/NNZTrainerTests/TestSupport.swift
    return parts.joined(separator: "/") + "/Fixtures/data"
}()

/// Deterministic test values in [low, high).
func randomValues(_ count: Int, seed: UInt64, low: Float = -1, high: Float = 1) -> [Float] {
    var random = RandomGenerator(seed: seed, stream: 99)
    return (0..<count).map { _ in low + (high - low) * random.nextFloat() }
}

/// Values whose magnitude is at least `gap` (no ReLU kink within reach of a finite difference).
func valuesAwayFromZero(_ count: Int, seed: UInt64, gap: Float = 0.05) -> [Float] {
    randomValues(count, seed: seed).map { $0 >= 0 ? $0 + gap : $0 - gap }
}

/// A network from a spec string, with its layers' weights drawn from `seed`.
func network(_ input: [Int], _ layers: String, seed: UInt64 = 1, biases: BiasInitialization = .normal(0.1)) throws -> Network {
    try Network(inputShape: input, layers: LayerSpec.parseList(layers), weightInitialization: .glorot,
                biasInitialization: biases, source: .seed(seed), seed: seed)
}

extension Network {
    /// Forward on an array; returns a copy of the outputs.
    func run(_ input: [Float], batch: Int, mode: ForwardMode) -> [Float] {
        input.withUnsafeBufferPointer { x in
            let y = forward(x.baseAddress!, batch: batch, mode: mode)
            return Array(UnsafeBufferPointer(start: y, count: batch * outputWidth))
        }
    }
}

extension TrainableLayer {
    func run(_ input: [Float], batch: Int, mode: ForwardMode) -> [Float] {
        input.withUnsafeBufferPointer { x in
            let y = forward(x.baseAddress!, batch: batch, mode: mode)
            return Array(UnsafeBufferPointer(start: y, count: batch * outputShape.reduce(1, *)))
        }
    }

    func runBackward(_ gradient: [Float], batch: Int) -> [Float] {
        gradient.withUnsafeBufferPointer { g in
            guard let dx = backward(g.baseAddress!, batch: batch, needsInputGradient: true) else { return [] }
            return Array(UnsafeBufferPointer(start: dx, count: batch * inputShape.reduce(1, *)))
        }
    }
}
