import NNZFormat
import NNZRuntime

/// The evaluation-mode forward pass, in one place: NNZRuntime's own inference plan, compiled
/// from the network's current weights.
///
/// So a trained network and the runtime reading its exported file compute the very same bits
/// (same kernels, same batch-norm folding and activation fusion, batch-invariant GEMM). Inputs
/// are already normalized here; the runtime applies the file's `NORM` with the same f32
/// formula the trainer used (``Normalization/apply(_:to:width:)``), so raw rows through the
/// file give identical outputs too.
enum EvaluationForward {
    /// Outputs (`count × network.outputWidth`) for normalized inputs (`count × inputWidth`).
    static func run(_ network: Network, _ inputs: UnsafePointer<Float>, count: Int, chunk: Int = 1024) -> [Float] {
        let width = network.outputWidth, inputWidth = network.inputWidth
        var outputs = [Float](repeating: 0, count: count * width)
        guard count > 0 else { return outputs }
        let model: Model
        do {
            model = try Model(file: network.inferenceFile())
        } catch {
            preconditionFailure("the runtime refused the trainer's own network: \(error)")
        }
        let workspace = model.makeWorkspace(rows: min(chunk, count))
        outputs.withUnsafeMutableBufferPointer { destination in
            var start = 0
            while start < count {
                let rows = min(chunk, count - start)
                do {
                    try model.predict(UnsafeBufferPointer(start: inputs + start * inputWidth, count: rows * inputWidth), rows: rows,
                                      into: UnsafeMutableBufferPointer(rebasing: destination[(start * width)..<((start + rows) * width)]),
                                      workspace: workspace)
                } catch {
                    preconditionFailure("runtime prediction failed: \(error)")
                }
                start += rows
            }
        }
        return outputs
    }
}

extension Network {
    /// The bare architecture and current weights as a model file: no normalization, metadata
    /// or self-test (what evaluation runs through the runtime).
    func inferenceFile() -> ModelFile {
        var tensors: [Tensor] = []
        for (index, layer) in layers.enumerated() {
            for t in layer.exportedTensors {
                tensors.append(Tensor(name: "layers.\(index).\(t.name)", shape: t.shape, values: t.values))
            }
        }
        return ModelFile(inputShape: inputShape, outputKind: .scores, layers: layers.map(\.formatLayer), tensors: tensors)
    }
}
