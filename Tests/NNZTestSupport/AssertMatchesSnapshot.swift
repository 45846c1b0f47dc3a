import Foundation
import XCTest

/// Checks `actual` against the golden file at `path`, byte for byte, failing with a line diff.
///
/// With `NNZ_UPDATE_SNAPSHOTS=1` in the environment it writes `actual` to `path` instead
/// and fails once, so that a recorded run is never mistaken for a passing one:
/// `NNZ_UPDATE_SNAPSHOTS=1 swift test --filter HelpSnapshotTests`, review `git diff`, then
/// run again without the variable.
public func AssertMatchesSnapshot(_ actual: String, at path: String,
                                  file: StaticString = #filePath, line: UInt = #line) {
    if ProcessInfo.processInfo.environment["NNZ_UPDATE_SNAPSHOTS"] == "1" {
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try Data(actual.utf8).write(to: URL(fileURLWithPath: path))
            XCTFail("recorded \(path); run again without NNZ_UPDATE_SNAPSHOTS", file: file, line: line)
        } catch {
            XCTFail("cannot record \(path): \(error)", file: file, line: line)
        }
        return
    }
    guard let data = FileManager.default.contents(atPath: path) else {
        XCTFail("no golden file \(path); record it with NNZ_UPDATE_SNAPSHOTS=1", file: file, line: line)
        return
    }
    let expected = String(decoding: data, as: UTF8.self)
    if actual != expected {
        XCTFail("differs from \(path) (- golden, + actual); if the change is intended, record it with NNZ_UPDATE_SNAPSHOTS=1:\n"
                + lineDiff(expected: expected, actual: actual), file: file, line: line)
    }
}
