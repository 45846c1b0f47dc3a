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
