/// A typed metadata value.
public enum MetadataValue: Equatable, Sendable {
    /// Type 1: a UTF-8 string.
    case string(String)
    /// Type 2: a finite float64.
    case number(Double)
    /// Type 3: a boolean.
    case bool(Bool)
    /// Type 4: a list of UTF-8 strings.
    case stringList([String])

    /// A short type name for messages: `string`, `number`, `bool`, `string list`.
    public var typeName: String {
        switch self {
        case .string: return "string"
        case .number: return "number"
        case .bool: return "bool"
        case .stringList: return "string list"
        }
    }
}
