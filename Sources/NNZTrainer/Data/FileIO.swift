#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and writes on the C library (the trainer does not use Foundation).
public enum FileIO {
    /// The bytes of `path`.
    public static func read(_ path: String) throws(DataError) -> [UInt8] {
        guard let file = fopen(path, "rb") else {
            let reason = String(cString: strerror(errno))
            throw DataError(.missingInput, "cannot open the file: \(reason)", path: path)
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count {
                if ferror(file) != 0 {
                    let reason = String(cString: strerror(errno))
                    throw DataError(errno == EISDIR ? .missingInput : .io, "cannot read the file: \(reason)", path: path)
                }
                break
            }
        }
        return bytes
    }

    /// Writes `bytes` to `path` (through a temporary file renamed over the target).
    public static func write(_ bytes: [UInt8], to path: String) throws(DataError) {
        let temporary = path + ".tmp-\(getpid())"
        guard let file = fopen(temporary, "wb") else {
            throw DataError(.io, "cannot create the file: \(String(cString: strerror(errno)))", path: path)
        }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        let closed = fclose(file)
        guard written == bytes.count, closed == 0 else {
            unlink(temporary)
            throw DataError(.io, "cannot write the file: \(String(cString: strerror(errno)))", path: path)
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw DataError(.io, "cannot write the file: \(reason)", path: path)
        }
    }

    /// Whether `path` names an existing regular file.
    public static func isFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }
}
