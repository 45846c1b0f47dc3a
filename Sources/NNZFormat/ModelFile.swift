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
    /// The format version this value was read as (or will be written as).
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
        formatVersion: FormatVersion = .current
    ) {
        self.formatVersion = formatVersion
        self.inputShape = inputShape
        self.outputKind = outputKind
        self.layers = layers
        self.tensors = tensors
        self.normalization = normalization
        self.metadata = metadata
        self.selfTest = selfTest
        self.ancillaryChunks = ancillaryChunks
    }

    /// The tensor with this name, if present.
    public func tensor(named name: String) -> Tensor? {
        tensors.first { $0.name == name }
    }

    /// Number of values in one input sample (the product of ``inputShape``).
    public var inputElementCount: Int { inputShape.reduce(1, *) }
}

/// A format version: `major.minor`.
///
/// A reader accepts any file whose *minimum reader version* is not newer than its own version.
public struct FormatVersion: Equatable, Comparable, Sendable, CustomStringConvertible {
    /// Changes when older readers would misread the file.
    public var major: Int
    /// Changes when something is added (a layer kind, a chunk type, a dtype).
    public var minor: Int
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }
    /// The version this library writes and reads: 1.0.
    public static let current = FormatVersion(major: 1, minor: 0)
    /// Orders by major, then minor.
    public static func < (lhs: FormatVersion, rhs: FormatVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }
    /// `major.minor`, e.g. `1.0`.
    public var description: String { "\(major).\(minor)" }
}

/// What a model's outputs mean.
public enum OutputKind: UInt8, Equatable, Sendable, CaseIterable {
    /// Unnormalized class scores (logits).
    case scores = 0
    /// Class probabilities that sum to 1 (the last layer is softmax or sigmoid).
    case probabilities = 1
    /// Regression values, one per output.
    case regression = 2
}

/// One learned tensor: float32 values in row-major (C) order.
public struct Tensor: Equatable, Sendable {
    /// `layers.<index>.<parameter>`, e.g. `layers.0.weight`.
    public var name: String
    /// Dimensions, outermost first. Dense weights are `[inputs, outputs]`; convolution weights
    /// are `[outChannels, inChannels, kernelHeight, kernelWidth]`.
    public var shape: [Int]
    /// `shape.reduce(1, *)` values.
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }

    /// Number of elements the shape describes.
    public var elementCount: Int { shape.reduce(1, *) }
}

/// Input normalization applied feature by feature: `x' = (x - offset) / scale`.
///
/// For ``Kind/standard`` the stored pair is (mean, standard deviation); for ``Kind/minMax`` it
/// is (minimum, maximum) and the runtime computes `(x - min) / (max - min)`. Either one pair
/// covers every input value (`count == 1`), or there is one pair per input value.
public struct InputNormalization: Equatable, Sendable {
    /// Which formula the stored pairs feed.
    public enum Kind: UInt8, Equatable, Sendable {
        /// `(x - mean) / std`.
        case standard = 1
        /// `(x - min) / (max - min)`.
        case minMax = 2
    }
    /// Standard (mean/std) or min-max.
    public var kind: Kind
    /// Means (standard) or minima (minMax).
    public var first: [Float]
    /// Standard deviations (standard) or maxima (minMax).
    public var second: [Float]

    public init(kind: Kind, first: [Float], second: [Float]) {
        self.kind = kind
        self.first = first
        self.second = second
    }

    /// `(x - mean) / std` per feature.
    public static func standard(mean: [Float], std: [Float]) -> InputNormalization {
        InputNormalization(kind: .standard, first: mean, second: std)
    }

    /// `(x - min) / (max - min)` per feature.
    public static func minMax(min: [Float], max: [Float]) -> InputNormalization {
        InputNormalization(kind: .minMax, first: min, second: max)
    }
}

/// Inputs and the outputs the producer computed for them, with the tolerance a reader must meet.
public struct SelfTest: Equatable, Sendable {
    /// Largest absolute difference allowed between a reader's output and ``outputs``.
    public var tolerance: Float
    /// One raw input row (before normalization) per entry.
    public var inputs: [[Float]]
    /// One output row per input row.
    public var outputs: [[Float]]

    public init(tolerance: Float, inputs: [[Float]], outputs: [[Float]]) {
        self.tolerance = tolerance
        self.inputs = inputs
        self.outputs = outputs
    }
}
