/// Input that does not fit the model.
public struct InputError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What was wrong, what was expected and what came.
    public let description: String
    /// Values expected (per row, or in the buffer).
    public let expected: Int
    /// Values received.
    public let got: Int

    public init(_ description: String, expected: Int, got: Int) {
        self.description = description
        self.expected = expected
        self.got = got
    }

    static func width(expected: Int, got: Int, shape: [Int], row: Int?) -> InputError {
        let place = row.map { "row \($0) has" } ?? "got"
        return InputError("the model takes \(expected) values per row (input shape \(shape)), \(place) \(got)", expected: expected, got: got)
    }

    static func buffer(what: String, expected: Int, got: Int, rows: Int, width: Int) -> InputError {
        InputError("\(what) buffer holds \(got) values, expected \(expected) (\(rows) rows × \(width))", expected: expected, got: got)
    }
}
