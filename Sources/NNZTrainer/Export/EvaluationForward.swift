/// The evaluation-mode forward pass, in one place.
///
/// Today it runs the trainer's own layers in ``ForwardMode/evaluation``. The plan is to run
/// NNZRuntime's kernels here instead, so that a trained network and the runtime reading its
/// exported file compute the very same bits; only this function changes when that happens.
enum EvaluationForward {
    /// Outputs (`count × network.outputWidth`) for normalized inputs (`count × inputWidth`).
    static func run(_ network: Network, _ inputs: UnsafePointer<Float>, count: Int, chunk: Int = 256) -> [Float] {
        let width = network.outputWidth, inputWidth = network.inputWidth
        var outputs = [Float](repeating: 0, count: count * width)
        outputs.withUnsafeMutableBufferPointer { destination in
            var start = 0
            while start < count {
                let rows = min(chunk, count - start)
                let y = network.forward(inputs + start * inputWidth, batch: rows, mode: .evaluation)
                (destination.baseAddress! + start * width).update(from: y, count: rows * width)
                start += rows
            }
        }
        return outputs
    }
}
