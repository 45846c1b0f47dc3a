import Foundation
import XCTest
@testable import NNZFormat

/// A model is validated once (issue 8, item 5): the reader hands over the shapes it derived, and
/// they are the ones validation of the in-memory value derives.
final class ValidatedModelTests: XCTestCase {
    func testReaderShapesAreThoseValidationDerives() throws {
        let dir = Repo.fixtures + "/models"
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".nnz") }
        XCTAssertFalse(names.isEmpty)
        for name in names {
            let read = try NNZReader.readValidated(path: dir + "/" + name)
            let again = try ValidatedModel(read.file)
            XCTAssertEqual(read, again, name)
            XCTAssertEqual(read.layerOutputShapes, try read.file.layerOutputShapes(), name)
            XCTAssertEqual(read.outputWidth, try read.file.outputWidth(), name)
        }
        let everything = try ValidatedModel(everythingModel())
        XCTAssertEqual(everything.layerOutputShapes.count, everythingModel().layers.count)
        XCTAssertEqual(everything.outputWidth, 3)
    }

    func testAnInvalidInMemoryModelIsRefused() {
        var model = tinyModel()
        model.tensors = []
        XCTAssertThrowsError(try ValidatedModel(model)) { error in
            XCTAssertEqual((error as? FormatError)?.code, .inconsistent)
        }
    }
}
