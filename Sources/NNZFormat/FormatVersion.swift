/// A format version: `major.minor`.
///
/// A reader accepts any file whose *minimum reader version* is not newer than its own version.
/// A writer puts the lowest version that describes the file in both header fields
/// (``ModelFile/minimumReaderVersion``): a model that uses only format 1.0's layer kinds and
/// float32 tensors is written as 1.0, byte for byte what a 1.0 writer wrote, and stays readable by every 1.x reader.
public struct FormatVersion: Equatable, Comparable, Sendable, CustomStringConvertible {
    /// Changes when older readers would misread the file.
    public var major: Int
    /// Changes when something is added (a layer kind, a chunk type, a dtype).
    public var minor: Int
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }
    /// Format 1.0: dense, conv2d, maxpool, flatten, relu, sigmoid, tanh, softmax, dropout,
    /// batchnorm (layer kinds 1–10).
    public static let v1_0 = FormatVersion(major: 1, minor: 0)
    /// Format 1.1: adds avgpool, globalavgpool and leakyrelu (layer kinds 11–13) and the tensor
    /// dtypes float16 (2) and int8 with per-channel scales (3).
    public static let v1_1 = FormatVersion(major: 1, minor: 1)
    /// The newest version this library reads: 1.1. (It writes each file as the lowest version
    /// that describes it.)
    public static let current = v1_1
    /// Orders by major, then minor.
    public static func < (lhs: FormatVersion, rhs: FormatVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }
    /// `major.minor`, e.g. `1.0`.
    public var description: String { "\(major).\(minor)" }
}
