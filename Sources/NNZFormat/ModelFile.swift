/// Everything one `.nnz` file holds, as plain values.
///
/// `ModelFile` is what ``NNZReader`` returns and what ``NNZWriter`` takes. It is a value type:
/// build one in code, hand it to the writer, and reading the bytes back gives an equal value.
///
/// ```swift
/// var model = ModelFile(inputShape: [2], outputKind: .probabilities, layers: [
///     .dense(DenseLayer(inputs: 2, outputs: 3)), .tanh,
///     .dense(DenseLayer(inputs: 3, outputs: 2)), .softmax,
/// ])
/// model.tensors = [/* layers.0.weight [2,3], layers.0.bias [3], ... */]
/// let bytes = try NNZWriter.encode(model)
/// let again = try NNZReader.decode(bytes)
/// ```
public struct ModelFile: Equatable, Sendable {
    /// The format version this value was read as; for a model built in memory, the
    /// ``minimumReaderVersion`` of its layers and tensors at `init`. `NNZWriter` always writes
    /// ``minimumReaderVersion``, whatever this says.
    public var formatVersion: FormatVersion
    /// Shape of one input sample, without the batch axis: `[64]` for 64 features, `[1, 28, 28]`
    /// for a one-channel 28×28 image (channels, height, width).
    public var inputShape: [Int]
    /// What the final layer's values mean.
    public var outputKind: OutputKind
    /// The layers in evaluation order.
    public var layers: [Layer]
    /// Every learned tensor, in canonical order (layer by layer, parameters in the order
    /// ``Layer/parameterNames`` gives). Names are `layers.<index>.<parameter>`.
    public var tensors: [Tensor]
    /// Per-feature normalization the runtime applies to raw inputs before the first layer.
    public var normalization: InputNormalization?
    /// Descriptive and typed key → value metadata (feature names, class labels, provenance, ...).
    public var metadata: Metadata
    /// A few input rows with the outputs the producer computed, to check a reader's arithmetic.
    public var selfTest: SelfTest?
    /// Ancillary chunks of types this library does not know, in file order, carried from the
    /// file read to the file written (docs/FORMAT.md §11).
    public var ancillaryChunks: [AncillaryChunk]

    public init(
        inputShape: [Int],
        outputKind: OutputKind,
        layers: [Layer],
        tensors: [Tensor] = [],
        normalization: InputNormalization? = nil,
        metadata: Metadata = Metadata(),
        selfTest: SelfTest? = nil,
        ancillaryChunks: [AncillaryChunk] = [],
        formatVersion: FormatVersion? = nil
    ) {
        self.formatVersion = formatVersion ?? Self.minimumReaderVersion(of: layers, tensors: tensors)
        self.inputShape = inputShape
        self.outputKind = outputKind
        self.layers = layers
        self.tensors = tensors
        self.normalization = normalization
        self.metadata = metadata
        self.selfTest = selfTest
        self.ancillaryChunks = ancillaryChunks
    }

    /// The lowest format version that describes this model: 1.0 unless a layer uses a kind or
    /// a tensor uses a dtype that a later version added (1.1: avgpool, globalavgpool, leakyrelu;
    /// float16 and int8). `NNZWriter` writes it as both the file's version and its
    /// `min_reader_version`, so a model without them is written exactly as format 1.0 and every
    /// 1.x reader can read it.
    ///
    /// ```swift
    /// let model = ModelFile(inputShape: [4], outputKind: .scores, layers: [.leakyRelu(alpha: 0.1)])
    /// print(model.minimumReaderVersion)   // 1.1
    /// ```
    public var minimumReaderVersion: FormatVersion { Self.minimumReaderVersion(of: layers, tensors: tensors) }

    static func minimumReaderVersion(of layers: [Layer], tensors: [Tensor]) -> FormatVersion {
        let kinds = layers.reduce(FormatVersion.v1_0) { max($0, $1.introducedIn) }
        return tensors.reduce(kinds) { max($0, $1.dtype.introducedIn) }
    }

    /// The tensor with this name, if present.
    public func tensor(named name: String) -> Tensor? {
        tensors.first { $0.name == name }
    }

    /// Number of values in one input sample (the product of ``inputShape``).
    public var inputElementCount: Int { inputShape.reduce(1, *) }
}
