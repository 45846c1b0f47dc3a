/// A ``ModelFile`` that has passed every rule of docs/FORMAT.md, with what validation computed:
/// each layer's output shape.
///
/// A model is validated once: ``NNZReader`` returns one of these from the bytes it checked, and
/// a model built in memory (by a trainer, a converter) becomes one through ``init(_:)``.
/// Consumers such as the runtime take it instead of validating or deriving shapes again.
///
/// ```swift
/// let model = try NNZReader.readValidated(path: "digits.nnz")
/// print(model.layerOutputShapes.last!)          // [10]
/// let built = try ValidatedModel(trainedFile)   // in-memory model: validated here, once
/// ```
public struct ValidatedModel: Equatable, Sendable {
    /// The model, valid by every rule of the format.
    public let file: ModelFile
    /// `layerOutputShapes[i]` is layer `i`'s output shape; the last one is `[K]`.
    public let layerOutputShapes: [[Int]]

    /// Validates `file` (``ModelFile/validate()``) and keeps the shapes that validation derived.
    public init(_ file: ModelFile) throws(FormatError) {
        self.file = file
        self.layerOutputShapes = try file.validatedLayerOutputShapes()
    }

    /// For the reader, which applied every rule while decoding.
    init(alreadyValidated file: ModelFile, layerOutputShapes: [[Int]]) {
        self.file = file
        self.layerOutputShapes = layerOutputShapes
    }

    /// Width of the model output: the last layer's flat size.
    public var outputWidth: Int { layerOutputShapes.last![0] }
}
