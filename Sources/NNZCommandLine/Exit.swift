/// The process exit codes both command-line tools use, from sysexits(3), so scripts can tell
/// a typo from bad data from a missing file.
public enum Exit {
    /// The command line is wrong: an unknown flag, a bad value, a missing argument.
    public static let usage: Int32 = 64
    /// The input is malformed: a bad model file, a bad CSV cell, a wrong column count.
    public static let dataError: Int32 = 65
    /// An input file does not exist.
    public static let noInput: Int32 = 66
    /// An internal error (something that valid input should never cause).
    public static let software: Int32 = 70
    /// Reading or writing failed: unreadable file, a directory, a full disk, a closed pipe.
    public static let ioError: Int32 = 74
}
