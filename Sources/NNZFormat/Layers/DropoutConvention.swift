/// How dropout behaves at inference.
public enum DropoutConvention: UInt8, Equatable, Sendable {
    /// Training scales kept units by `1 / (1 - ratio)`; inference is the identity.
    case inverted = 0
    /// Training keeps units unscaled; inference multiplies by `1 - ratio` (the classic tutorials).
    case scaleAtInference = 1
}
