import NNZFormat

/// A feed-forward stack of ``TrainableLayer``s built from ``LayerSpec``s.
///
/// ```swift
/// let network = try Network(inputShape: [64], layers: LayerSpec.parseList("128,relu,64,relu,10,softmax"),
///                           initialization: .he, source: .seed(0))
/// let probabilities = network.predict(inputs, count: 2)   // evaluation mode
/// ```
///
/// A dense layer that follows a `[C, H, W]` shape gets a flatten layer inserted in front of it,
/// so the stored architecture always shows the reshape.
public final class Network {
    /// Shape of one input sample.
    public let inputShape: [Int]
    /// The layers in evaluation order (inserted flatten layers included).
    public let layers: [TrainableLayer]

    /// Builds the layers and draws their initial weights.
    ///
    /// - Parameters:
    ///   - weightInitialization: for dense and conv2d weights.
    ///   - biasInitialization: for their biases.
    ///   - source: where the random draws come from.
    ///   - dropoutConvention: for dropout items that do not name one.
    ///   - seed: seeds the dropout masks (stream 16 + layer index of this seed).
    public init(inputShape: [Int], layers specs: [LayerSpec],
                weightInitialization: WeightInitialization = .he,
                biasInitialization: BiasInitialization = .zeros,
                source: InitializationSource = .seed(0),
                dropoutConvention: DropoutConvention = .inverted,
                seed: UInt64 = 0) throws(ArchitectureError) {
        guard inputShape.count == 1 || inputShape.count == 3, inputShape.allSatisfy({ $0 > 0 }) else {
            throw ArchitectureError(layer: nil, message: "the input shape must be [features] or [channels, height, width] with positive sizes, got \(inputShape)")
        }
        guard !specs.isEmpty else { throw ArchitectureError(layer: nil, message: "the network has no layers") }
        self.inputShape = inputShape
        var random = InitializationRandom(source)
        var built: [TrainableLayer] = []
        var shape = inputShape
        for (position, spec) in specs.enumerated() {
            func fail(_ message: String) -> ArchitectureError {
                ArchitectureError(layer: position + 1, message: "\(spec.text): \(message)")
            }
            if case .dense = spec, shape.count == 3 {
                built.append(Flatten(input: shape))
                shape = [shape.reduce(1, *)]
            }
            let layer: TrainableLayer
            switch spec {
            case .dense(let units, let bias):
                layer = Dense(inputs: shape[0], outputs: units, hasBias: bias, weightInitialization: weightInitialization,
                              biasInitialization: biasInitialization, random: &random)
            case .conv2d(let c):
                guard shape.count == 3 else { throw fail("conv2d needs a [channels, height, width] input, but the input here is \(shape); set the input shape (e.g. --input-shape 1x8x8)") }
                guard windowOutput(shape[1], c.kernelHeight, c.strideHeight, c.padHeight) != nil,
                      windowOutput(shape[2], c.kernelWidth, c.strideWidth, c.padWidth) != nil else {
                    throw fail("a \(c.kernelHeight)x\(c.kernelWidth) kernel does not fit a \(shape[1])x\(shape[2]) input with padding \(c.padHeight),\(c.padWidth)")
                }
                layer = Conv2D(input: shape, convolution: c.layer(inChannels: shape[0]), weightInitialization: weightInitialization,
                               biasInitialization: biasInitialization, random: &random)
            case .maxPool(let p):
                guard shape.count == 3 else { throw fail("max pooling needs a [channels, height, width] input, but the input here is \(shape)") }
                guard windowOutput(shape[1], p.kernelHeight, p.strideHeight, p.padHeight) != nil,
                      windowOutput(shape[2], p.kernelWidth, p.strideWidth, p.padWidth) != nil else {
                    throw fail("a \(p.kernelHeight)x\(p.kernelWidth) window does not fit a \(shape[1])x\(shape[2]) input")
                }
                layer = MaxPool(input: shape, pooling: p)
            case .avgPool(let p):
                guard shape.count == 3 else { throw fail("average pooling needs a [channels, height, width] input, but the input here is \(shape)") }
                guard p.padHeight < p.kernelHeight, p.padWidth < p.kernelWidth else { throw fail("average-pool padding must be smaller than the pool size") }
                guard windowOutput(shape[1], p.kernelHeight, p.strideHeight, p.padHeight) != nil,
                      windowOutput(shape[2], p.kernelWidth, p.strideWidth, p.padWidth) != nil else {
                    throw fail("a \(p.kernelHeight)x\(p.kernelWidth) window does not fit a \(shape[1])x\(shape[2]) input")
                }
                layer = AvgPool(input: shape, pooling: p)
            case .globalAvgPool:
                guard shape.count == 3 else { throw fail("global average pooling needs a [channels, height, width] input, but the input here is \(shape)") }
                layer = GlobalAvgPool(input: shape)
            case .flatten: layer = Flatten(input: shape)
            case .relu: layer = ReLU(input: shape)
            case .leakyRelu(let alpha):
                guard alpha.isFinite, alpha >= 0 else { throw fail("the leaky ReLU slope must be a finite number ≥ 0, got \(alpha)") }
                layer = LeakyReLU(input: shape, alpha: alpha)
            case .sigmoid: layer = Sigmoid(input: shape)
            case .tanh: layer = Tanh(input: shape)
            case .softmax:
                guard shape.count == 1 else { throw fail("softmax needs a flat input, but the input here is \(shape); add flatten or a dense layer first") }
                layer = Softmax(input: shape)
            case .dropout(let rate, let convention):
                layer = Dropout(input: shape, ratio: rate, convention: convention ?? dropoutConvention,
                                random: RandomGenerator(seed: seed, stream: 16 + UInt64(built.count)))
            case .batchNorm(let momentum, let epsilon):
                layer = BatchNorm(input: shape, epsilon: epsilon, momentum: momentum)
            }
            built.append(layer)
            shape = layer.outputShape
        }
        guard shape.count == 1 else {
            throw ArchitectureError(layer: specs.count, message: "the last layer's output must be flat, got \(shape); end with a dense layer")
        }
        layers = built
    }

    /// Width of one output row.
    public var outputWidth: Int { layers.last!.outputShape.reduce(1, *) }
    /// Values in one input sample.
    public var inputWidth: Int { inputShape.reduce(1, *) }
    /// Every learned parameter, layer by layer.
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }
    /// Number of learned values.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
    /// The architecture in the `--layers` syntax (inserted flatten layers included).
    public var summary: String { layers.map { describe($0.formatLayer) }.joined(separator: ",") }
    /// Whether the last layer is softmax (then cross-entropy is fused through it).
    public var endsWithSoftmax: Bool { layers.last is Softmax }

    /// Runs the layers; the result points into the last layer's buffer (valid until the next call).
    func forward(_ input: UnsafePointer<Float>, batch: Int, mode: ForwardMode) -> UnsafePointer<Float> {
        var x = input
        for layer in layers { x = layer.forward(x, batch: batch, mode: mode) }
        return x
    }

    /// Back-propagates `gradient` (dLoss/d(output of layer `below - 1`)) through layers
    /// `0 ..< below`, filling every parameter gradient.
    func backward(_ gradient: UnsafePointer<Float>, batch: Int, below: Int) {
        var g = gradient
        var index = below - 1
        // The first layers that hold no parameters need no gradient at all.
        let firstTrainable = layers.firstIndex { !$0.parameters.isEmpty } ?? layers.count
        while index >= firstTrainable {
            let needsInput = index > firstTrainable
            guard let next = layers[index].backward(g, batch: batch, needsInputGradient: needsInput) else { break }
            g = next
            index -= 1
        }
    }

    /// Evaluation-mode outputs for `count` rows of already-normalized inputs
    /// (`count × inputWidth` values), computed in chunks of 1024 rows.
    ///
    /// This is the trainer's single evaluation entry point (validation metrics, self-test,
    /// plots); it runs NNZRuntime's inference plan (see ``EvaluationForward``), so its outputs
    /// are exactly what the runtime computes from the exported file.
    public func predict(_ inputs: [Float], count: Int) -> [Float] {
        precondition(inputs.count == count * inputWidth, "predict: expected \(count * inputWidth) values, got \(inputs.count)")
        return inputs.withUnsafeBufferPointer { EvaluationForward.run(self, $0.baseAddress!, count: count) }
    }

    private func describe(_ layer: NNZFormat.Layer) -> String {
        switch layer {
        case .dense(let d): return d.hasBias ? "\(d.outputs)" : "\(d.outputs):nobias"
        case .conv2d(let c):
            return LayerSpec.conv2d(.init(filters: c.outChannels, kernelHeight: c.kernelHeight, kernelWidth: c.kernelWidth,
                                          strideHeight: c.strideHeight, strideWidth: c.strideWidth, padHeight: c.padHeight,
                                          padWidth: c.padWidth, bias: c.hasBias)).text
        case .maxPool(let p):
            return LayerSpec.maxPool(.init(kernelHeight: p.kernelHeight, kernelWidth: p.kernelWidth, strideHeight: p.strideHeight,
                                           strideWidth: p.strideWidth, padHeight: p.padHeight, padWidth: p.padWidth)).text
        case .avgPool(let p): return LayerSpec.avgPool(p).text
        case .leakyRelu(let alpha): return LayerSpec.leakyRelu(alpha: alpha).text
        case .dropout(let d): return LayerSpec.dropout(rate: d.ratio, convention: d.convention).text
        case .batchNorm(let b): return LayerSpec.batchNorm(momentum: b.momentum, epsilon: b.epsilon).text
        default: return layer.kindName
        }
    }
}

/// An architecture that cannot be built (a layer cannot take its input shape, ...).
public struct ArchitectureError: Error, Equatable, Sendable, CustomStringConvertible {
    /// 1-based position of the offending item in the layer list, when there is one.
    public var layer: Int?
    /// What was wrong and what was expected.
    public var message: String
    public var description: String {
        layer.map { "layer \($0): \(message)" } ?? message
    }
}
