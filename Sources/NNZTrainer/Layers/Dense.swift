import NNZFormat

/// Fully connected layer: `y = x · W + b`, `W` shaped `[inputs, outputs]`.
///
/// Backward (per batch): `dW = xᵀ · dy`, `db = Σ_rows dy`, `dx = dy · Wᵀ`.
public final class Dense: TrainableLayer {
    /// Values per input sample.
    public let inputs: Int
    /// Values per output sample.
    public let outputs: Int
    /// The weights (dense `[inputs, outputs]`, conv2d `[out, in, kh, kw]`).
    public let weight: Parameter
    /// The bias, one per output (channel), if the layer has one.
    public let bias: Parameter?
    private let output = FloatBuffer(count: 0)
    private let inputGradient = FloatBuffer(count: 0)
    private var lastInput: UnsafePointer<Float>?

    init(inputs: Int, outputs: Int, hasBias: Bool, weights: [Float], biases: [Float]?) {
        self.inputs = inputs
        self.outputs = outputs
        weight = Parameter(name: "weight", shape: [inputs, outputs], values: weights, decays: true)
        bias = hasBias ? Parameter(name: "bias", shape: [outputs], values: biases ?? Array(repeating: 0, count: outputs), decays: false) : nil
    }

    convenience init(inputs: Int, outputs: Int, hasBias: Bool, weightInitialization: WeightInitialization,
                     biasInitialization: BiasInitialization, random: inout InitializationRandom) {
        var weights = [Float](repeating: 0, count: inputs * outputs)
        for i in weights.indices {
            weights[i] = weightInitialization.sample(fanIn: inputs, fanOut: outputs, random: &random)
        }
        var biases = [Float](repeating: 0, count: outputs)
        if hasBias && biasInitialization != .zeros {
            for j in biases.indices { biases[j] = biasInitialization.sample(random: &random) }
        }
        self.init(inputs: inputs, outputs: outputs, hasBias: hasBias, weights: weights, biases: biases)
    }

    public var inputShape: [Int] { [inputs] }
    public var outputShape: [Int] { [outputs] }
    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }
    public var formatLayer: NNZFormat.Layer {
        .dense(DenseLayer(inputs: inputs, outputs: outputs, hasBias: bias != nil))
    }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, mode: ForwardMode) -> UnsafePointer<Float> {
        output.reserve(batch * outputs)
        lastInput = input
        let y = output.pointer
        // y = b + x·W: rows start as the bias, the product is accumulated onto them.
        if let bias {
            for r in 0..<batch { (y + r * outputs).update(from: bias.value.pointer, count: outputs) }
        }
        Linalg.gemm(transA: false, transB: false, m: batch, n: outputs, k: inputs, alpha: 1,
                    a: input, lda: inputs, b: weight.value.pointer, ldb: outputs,
                    beta: bias == nil ? 0 : 1, c: y, ldc: outputs)
        return UnsafePointer(y)
    }

    public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>? {
        guard let x = lastInput else { preconditionFailure("Dense.backward before forward") }
        Linalg.gemm(transA: true, transB: false, m: inputs, n: outputs, k: batch, alpha: 1,
                    a: x, lda: inputs, b: outputGradient, ldb: outputs,
                    beta: 0, c: weight.gradient.pointer, ldc: outputs)
        if let bias {
            let db = bias.gradient.pointer
            db.update(repeating: 0, count: outputs)
            for r in 0..<batch {
                let row = outputGradient + r * outputs
                Vector.forEach(outputs, { j in
                    Vector.store(Vector.load(db + j) + Vector.load(row + j), db + j)
                }, tail: { j in
                    db[j] += row[j]
                })
            }
        }
        guard needsInputGradient else { return nil }
        inputGradient.reserve(batch * inputs)
        Linalg.gemm(transA: false, transB: true, m: batch, n: inputs, k: outputs, alpha: 1,
                    a: outputGradient, lda: outputs, b: weight.value.pointer, ldb: outputs,
                    beta: 0, c: inputGradient.pointer, ldc: inputs)
        return UnsafePointer(inputGradient.pointer)
    }
}
