import NNZFormat
import NNZRuntime

/// How a model file stores its weights (FORMAT.md §4): float32 (dtype 1), float16 (dtype 2,
/// every tensor) or int8 (dtype 3: dense and conv2d weights with one float32 scale per output
/// channel; biases stay float32). The names are the values of `nntrain --weights` and
/// `nnzconvert --weights`.
public enum WeightPrecision: String, CaseIterable, Sendable {
    case float32, float16, int8
}

extension ModelFile {
    /// This model with its weights stored in `precision`, as the writers make it:
    ///
    /// - **int8**: every batch-norm directly after a dense or conv2d layer is folded into it first
    ///   (``ModelFile/foldingBatchNorm()``, the runtime's own fold), then each dense and conv2d
    ///   weight is quantized per output channel (max-abs scale, ``Tensor/int8(outputAxis:)``);
    ///   every other tensor stays float32.
    /// - **float16**: every tensor is rounded to float16 (ties to even); a value beyond ±65504
    ///   is an error (``FormatError/Code/writeFailed``) naming the tensor.
    /// - **float32**: every tensor is widened back to float32 (exact for float16; int8 gives
    ///   value × scale).
    ///
    /// The self-test, when the file has one, is recomputed by the runtime for the stored
    /// precision (same inputs and tolerance), so `nninfer verify` checks what the file computes.
    ///
    /// ```swift
    /// let small = try file.storingWeights(as: .int8)
    /// try NNZWriter.write(small, to: "model-int8.nnz")
    /// ```
    public func storingWeights(as precision: WeightPrecision) throws(FormatError) -> ModelFile {
        var result: ModelFile
        switch precision {
        case .float32:
            result = self
            for i in result.tensors.indices where result.tensors[i].dtype != .float32 {
                result.tensors[i] = Tensor(name: result.tensors[i].name, shape: result.tensors[i].shape,
                                           values: result.tensors[i].values)
            }
        case .float16:
            result = self
            for i in result.tensors.indices { result.tensors[i] = try result.tensors[i].float16() }
        case .int8:
            result = foldingBatchNorm()
            for (index, layer) in result.layers.enumerated() {
                let axis: Int
                switch layer {
                case .dense: axis = 1
                case .conv2d: axis = 0
                default: continue
                }
                let name = "layers.\(index).weight"
                guard let at = result.tensors.firstIndex(where: { $0.name == name }) else { continue }
                result.tensors[at] = try result.tensors[at].int8(outputAxis: axis)
            }
        }
        result.formatVersion = result.minimumReaderVersion
        if let test = result.selfTest {
            let model = try Model(file: result)
            guard let outputs = try? model.predict(rows: test.inputs) else {
                throw FormatError(.inconsistent, "the self-test inputs do not fit the model")
            }
            result.selfTest = SelfTest(tolerance: test.tolerance, inputs: test.inputs, outputs: outputs)
        }
        return result
    }
}
