/// JSON string literals (RFC 8259): the one escaping rule every JSON writer of nnz uses.
public enum JSONString {
    /// `text` as a JSON string literal with its quotes: `"`, `\` and control characters
    /// escaped (`\n`, `\r`, `\t`, otherwise `\u00XX`); everything else as it is (UTF-8).
    ///
    ///     JSONString.quoted("a\"b\n")   // "\"a\\\"b\\n\""
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
