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
