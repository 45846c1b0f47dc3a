/// Why a layer cannot take the shape the previous layer produced.
public struct ShapeMismatch: Error, Equatable, Sendable, CustomStringConvertible {
    /// What does not fit, and what was expected.
    public var description: String
    public init(_ description: String) { self.description = description }
}
