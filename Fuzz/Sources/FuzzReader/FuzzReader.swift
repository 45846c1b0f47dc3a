import NNZFormat
import NNZRuntime

/// Feeds arbitrary bytes to the reader; a valid model is also compiled and run once, so the
/// runtime sees every shape the reader lets through. Any crash, hang or sanitizer report is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let file = try? NNZReader.decode(bytes) else { return 0 }
    // Re-encoding what was read must give a file that reads back equal.
    if let again = try? NNZWriter.encode(file) {
        precondition((try? NNZReader.decode(again)) == file, "re-encoded model reads back differently")
    }
    if file.inputElementCount <= 1 << 16, let model = try? Model(file: file) {
        _ = try? model.predict([Float](repeating: 0.5, count: model.inputWidth))
    }
    return 0
}
