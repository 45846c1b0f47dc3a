import NNZFormat
import NNZRuntime

/// How a model file stores its weights (docs/FORMAT.md §4): float32 (dtype 1), float16
/// (dtype 2, every tensor) or int8 (dtype 3: dense and conv2d weights with one float32 scale
/// per output channel; biases and batch-norm stay float32). The raw values are the spellings of
/// `nntrain --weights` and `nnzconvert --weights`.
public enum WeightPrecision: String, CaseIterable, Sendable, CustomStringConvertible {
    case float32, float16, int8

    public var description: String { rawValue }

    /// The precision of a name as the command-line tools accept it (`f16`, `fp16`, `half`,
    /// `f32`, `fp32`, `float`, `i8` too; any letter case).
    public init?(name: String) {
        switch name.lowercased() {
        case "float32", "f32", "fp32", "float": self = .float32
        case "float16", "f16", "fp16", "half": self = .float16
        case "int8", "i8": self = .int8
        default: return nil
        }
    }
}

extension ModelFile {
    /// This model with its weights stored in `precision`, as the writers make it (the same
    /// tensors, bit for bit, as `quantize_model` in `Tools/nnz.py`):
    ///
    /// - **int8**: every batch-norm directly after a dense or conv2d layer is folded into it first
    ///   (``ModelFile/foldingBatchNorm()``, the runtime's own fold), then each dense and conv2d
    ///   weight is quantized per output channel (max-abs scale, ``Tensor/int8(outputAxis:)``);
    ///   every other tensor becomes float32.
    /// - **float16**: every tensor is rounded to float16 (to nearest, ties to even); nothing is
    ///   folded. A value beyond ±65504 is an error (``FormatError/Code/writeFailed``) naming the
    ///   tensor and element.
    /// - **float32**: every tensor is widened back to float32 (exact for float16; int8 gives
    ///   `value × scale`). A file that is float32 already comes back unchanged.
    ///
    /// The self-test, when the file has one, is recomputed by the runtime for the stored
    /// precision (same inputs, same tolerance), so `nninfer verify` checks what the new file
    /// computes. The format version becomes the lowest that reads the result (1.1 for float16
    /// and int8 tensors).
    ///
    /// ```swift
    /// let small = try file.storingWeights(as: .int8)
    /// try NNZWriter.write(small, to: "model-int8.nnz")
    /// ```
    public func storingWeights(as precision: WeightPrecision) throws(FormatError) -> ModelFile {
        var result: ModelFile
        switch precision {
        case .float32:
            if tensors.allSatisfy({ $0.dtype == .float32 }) { return self }
            result = self
            for i in result.tensors.indices { result.tensors[i] = result.tensors[i].widened() }
        case .float16:
            result = self
            for i in result.tensors.indices { result.tensors[i] = try result.tensors[i].float16() }
        case .int8:
            result = foldingBatchNorm()
            for (index, layer) in result.layers.enumerated() {
                let quantized: Int?
                switch layer {
                case .dense: quantized = 1
                case .conv2d: quantized = 0
                default: quantized = nil
                }
                for parameter in layer.parameterNames {
                    guard let at = result.tensors.firstIndex(where: { $0.name == "layers.\(index).\(parameter)" }) else { continue }
                    if parameter == "weight", let axis = quantized {
                        result.tensors[at] = try result.tensors[at].int8(outputAxis: axis)
                    } else {
                        result.tensors[at] = result.tensors[at].widened()
                    }
                }
            }
        }
        result.formatVersion = result.minimumReaderVersion
        if let test = result.selfTest {
            let model = try Model(file: result)
            var outputs: [[Float]] = []
            for (row, input) in test.inputs.enumerated() {
                guard let output = try? model.predict(input) else {
                    throw FormatError(.inconsistent, "self-test row \(row): its \(input.count) inputs do not fit the model")
                }
                outputs.append(output)
            }
            result.selfTest = SelfTest(tolerance: test.tolerance, inputs: test.inputs, outputs: outputs)
        }
        return result
    }

    /// The precision the weights are stored in: int8 when any tensor is int8, else float16
    /// when any is float16, else float32.
    public var weightPrecision: WeightPrecision {
        if tensors.contains(where: { $0.dtype == .int8 }) { return .int8 }
        if tensors.contains(where: { $0.dtype == .float16 }) { return .float16 }
        return .float32
    }
}

extension Tensor {
    /// The same tensor as float32 (itself when it is float32 already).
    func widened() -> Tensor {
        dtype == .float32 ? self : Tensor(name: name, shape: shape, values: values)
    }
}
