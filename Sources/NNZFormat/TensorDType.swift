/// The element type of a stored tensor: the TNSR `dtype` byte (docs/FORMAT.md §4).
///
/// ```swift
/// TensorDType.int8.introducedIn   // 1.1: a file holding one needs reader 1.1
/// TensorDType.float16.description // "float16"
/// ```
public enum TensorDType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// IEEE binary32, 4 bytes per value (format 1.0).
    case float32 = 1
    /// IEEE binary16, 2 bytes per value, finite values only; widened exactly to float32 when
    /// read (format 1.1). Any tensor may be float16.
    case float16 = 2
    /// Symmetric int8 (−127…127) with one float32 scale per output channel (format 1.1). Only
    /// dense and conv2d weights may be int8.
    case int8 = 3

    /// The format version that introduced this dtype: a file holding a tensor of it must declare
    /// at least this `min_reader_version`, and an older reader does not know it.
    public var introducedIn: FormatVersion {
        self == .float32 ? .v1_0 : .v1_1
    }

    /// `float32`, `float16` or `int8`.
    public var description: String {
        switch self {
        case .float32: return "float32"
        case .float16: return "float16"
        case .int8: return "int8"
        }
    }

    /// `3 (int8)`: the code and the name, as messages print a dtype.
    var codeAndName: String { "\(rawValue) (\(self))" }
}
