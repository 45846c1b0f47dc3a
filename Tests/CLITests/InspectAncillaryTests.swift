import Foundation
import XCTest

/// `nninfer inspect` lists the unknown ancillary chunks a model carries (issue 8, item 8).
extension NNInferCLITests {
    func testInspectListsCarriedAncillaryChunks() throws {
        let path = Self.models + "/with_ancillary.nnz"
        let text = try run(["inspect", path])
        XCTAssertEqual(text.exitCode, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("""

            Unknown ancillary chunks (carried along when the model is written again):
              Chunk  Bytes
              prVt      26
              zzzz       0

            """), text.stdout)
        let json = try run(["inspect", path, "--json"])
        XCTAssertEqual(json.exitCode, 0, json.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let chunks = try XCTUnwrap(object["ancillary_chunks"] as? [[String: Any]])
        XCTAssertEqual(chunks.map { $0["type"] as? String }, ["prVt", "zzzz"])
        XCTAssertEqual(chunks.map { $0["bytes"] as? Int }, [26, 0])

        let plain = try run(["inspect", Self.models + "/regression.nnz", "--json"])
        let plainObject = try JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as! [String: Any]
        XCTAssertNil(plainObject["ancillary_chunks"], "files without them keep their output unchanged")
    }
}
