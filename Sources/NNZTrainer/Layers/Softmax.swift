import NNZFormat

/// Row-wise softmax `e^(x − max) / Σ e^(x − max)` over a flat input.
///
/// With the cross-entropy loss the trainer never calls this backward: the loss hands the
/// fused gradient `p − t` straight to the layer below (see ``Loss``). The general backward
/// `dx = y ⊙ (dy − Σ dy ⊙ y)` serves any other loss.
public final class Softmax: TrainableLayer {
    /// Values per row.
    public let width: Int
    private let output = FloatBuffer(count: 0)
    private let inputGradient = FloatBuffer(count: 0)

    init(input: [Int]) {
        precondition(input.count == 1, "softmax needs a flat input")
        width = input[0]
    }

    public var inputShape: [Int] { [width] }
    public var outputShape: [Int] { [width] }
    public var formatLayer: NNZFormat.Layer { .softmax }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, mode: ForwardMode) -> UnsafePointer<Float> {
        output.reserve(batch * width)
        Linalg.softmaxRows(input, output.pointer, rows: batch, columns: width)
        return UnsafePointer(output.pointer)
    }

    public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>? {
        guard needsInputGradient else { return nil }
        inputGradient.reserve(batch * width)
        for r in 0..<batch {
            let y = output.pointer + r * width, dy = outputGradient + r * width
            let dx = inputGradient.pointer + r * width
            var dot: Float = 0
            for j in 0..<width { dot += dy[j] * y[j] }
            for j in 0..<width { dx[j] = y[j] * (dy[j] - dot) }
        }
        return UnsafePointer(inputGradient.pointer)
    }
}
