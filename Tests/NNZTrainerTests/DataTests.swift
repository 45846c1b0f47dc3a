import XCTest
@testable import NNZTrainer
import NNZFormat
import Foundation

final class DataTests: XCTestCase {
    var directory: String!
    var previousDirectory: String!

    override func setUpWithError() throws {
        previousDirectory = FileManager.default.currentDirectoryPath
        directory = NSTemporaryDirectory() + "nntrain-data-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        FileManager.default.changeCurrentDirectoryPath(directory)
    }

    override func tearDownWithError() throws {
        // Leave the process where it was: later tests start subprocesses in the working directory.
        FileManager.default.changeCurrentDirectoryPath(previousDirectory)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Writes `text` to `name` in a temporary directory (the working directory) and loads it.
    func parse(_ text: String, target: String? = "label", task: CSVLoader.TaskKind = .automatic, name: String = "data.csv",
               classLabels: [String]? = nil) throws(DataError) -> Dataset {
        _ = FileManager.default.createFile(atPath: directory + "/" + name, contents: Data(text.utf8))
        return try CSVLoader.load(path: name, target: target, task: task, classLabels: classLabels)
    }

    func testClassesFromIntegersAndStrings() throws {
        let numbers = try parse("a,b,label\n1,2,10\n3,4,2\n5,6,10\n")
        XCTAssertEqual(numbers.classLabels, ["2", "10"], "integer labels in numeric order")
        XCTAssertEqual(numbers.targets, .classes([1, 0, 1], labels: ["2", "10"]))
        XCTAssertEqual(numbers.features, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(numbers.featureNames, ["a", "b"])
        let strings = try parse("label,x\ncat,1\ndog,2\n\"ant, big\",3\n")
        XCTAssertEqual(strings.classLabels, ["ant, big", "cat", "dog"])
        XCTAssertEqual(strings.featureNames, ["x"])
    }

    func testRegressionFromNonIntegerNumbers() throws {
        let data = try parse("x,y\n1,0.5\n2,1.5\r\n3,-2\n\n", target: "y")
        XCTAssertEqual(data.targets, .values([0.5, 1.5, -2], width: 1))
        XCTAssertFalse(data.isClassification)
        XCTAssertEqual(try parse("x,y\n1,1\n2,2\n", target: "y", task: .regression).targets, .values([1, 2], width: 1))
    }

    func testErrorsNameFileLineColumnAndWhatWasExpected() {
        func message(_ text: String, target: String? = "label") -> String {
            do { _ = try parse(text, target: target); return "no error" } catch { return error.description }
        }
        XCTAssertEqual(message("a,b,label\n1,2,0\n3,x4,1\n"), "data.csv:3:2: found \"x4\" in column \"b\", expected a finite number")
        XCTAssertEqual(message("a,b,label\n1,2,0\n3,4\n"), "data.csv:3: found 2 fields, expected 3 like the header")
        XCTAssertEqual(message("a,b,label\n1,,0\n"), "data.csv:2:2: found an empty field in column \"b\", expected a finite number")
        XCTAssertEqual(message("a,b\n1,2\n", target: "label"), "data.csv:1: found no column named \"label\", expected one of: a, b")
        XCTAssertEqual(message("a,a,label\n"), "data.csv:1:2: found the column name \"a\" a second time (first in column 1), expected unique names")
        XCTAssertEqual(message(""), "data.csv: found an empty file, expected a header line with column names")
        XCTAssertTrue(message("a,label\n1,\"x\n").hasPrefix("data.csv:2:2: "), message("a,label\n1,\"x\n"))
        XCTAssertEqual(message("é,b,label\n1,nan,0\n"), "data.csv:2:2: found \"nan\" in column \"b\", expected a finite number")
        XCTAssertEqual(message("a,label\n1,0\n2,0\n"), "data.csv: found a single class (0) in the target column \"label\", expected at least two")
        XCTAssertEqual(message("a,label\n\n\n1,x\n2,\n", target: "label"), "data.csv:5:2: found an empty field in the target column \"label\", expected a value")
    }

    func testMissingFileIsNoInput() {
        XCTAssertThrowsError(try CSVLoader.load(path: "/nonexistent/data.csv", target: nil)) { error in
            let e = error as! DataError
            XCTAssertEqual(e.kind, .missingInput)
            XCTAssertEqual(e.exitCode, 66)
        }
    }

    func testFixedClassLabelsForATestFile() throws {
        let test = try parse("x,label\n1,cat\n2,ant\n", classLabels: ["ant", "cat", "dog"])
        XCTAssertEqual(test.targets, .classes([1, 0], labels: ["ant", "cat", "dog"]))
        XCTAssertThrowsError(try parse("x,label\n1,emu\n", name: "t.csv", classLabels: ["ant"])) {
            XCTAssertEqual("\($0)", "t.csv:2:2: found the class \"emu\", expected one of the model's classes (ant)")
        }
    }

    func testDigitsLoadAsImages() throws {
        let data = try CSVLoader.load(path: fixturesDirectory + "/digits_test.csv", target: "label", inputShape: [1, 8, 8])
        XCTAssertEqual(data.count, 360)
        XCTAssertEqual(data.sampleShape, [1, 8, 8])
        XCTAssertEqual(data.classLabels, (0...9).map(String.init))
    }

    func testStandardizationIsFittedOnTrainingRowsAndAppliedLikeTheRuntime() {
        let rows: [Float] = [1, 5, 3, 5, 5, 5] // feature 0: mean 3, std √(8/3); feature 1 constant
        let n = Normalization.standard.fit(rows, width: 2)!
        XCTAssertEqual(n.kind, .standard)
        XCTAssertEqual(n.first, [3, 5])
        XCTAssertEqual(n.second[0], Float((8.0 / 3).squareRoot()), accuracy: 1e-7)
        XCTAssertEqual(n.second[1], 1, "a constant feature keeps deviation 1")
        let applied = Normalization.apply(n, to: rows, width: 2)
        XCTAssertEqual(applied[0], (1 - 3) / n.second[0])
        XCTAssertEqual(applied[1], 0)
        let m = Normalization.minMax.fit(rows, width: 2)!
        XCTAssertEqual(m.first, [1, 5])
        XCTAssertEqual(m.second, [5, 6])
        XCTAssertEqual(Normalization.apply(.minMax(min: [0], max: [16]), to: [8, 16], width: 2), [0.5, 1])
    }

    func testSplitIsSeededAndKeepsRowOrder() {
        let data = Generators.circles(count: 50, noise: 0.1, seed: 1)
        let (a, va) = data.split(validationFraction: 0.2, seed: 7)
        let (b, vb) = data.split(validationFraction: 0.2, seed: 7)
        let (_, vc) = data.split(validationFraction: 0.2, seed: 8)
        XCTAssertEqual(a.count, 40)
        XCTAssertEqual(va?.count, 10)
        XCTAssertEqual(a.features, b.features)
        XCTAssertEqual(va?.features, vb?.features)
        XCTAssertNotEqual(va?.features, vc?.features)
    }

    func testGenerators() {
        for data in [Generators.moons(count: 101, noise: 0.1, seed: 1), Generators.circles(count: 100, noise: 0.05, seed: 1),
                     Generators.xor(count: 100, noise: 0.1, seed: 1)] {
            XCTAssertEqual(data.width, 2)
            guard case .classes(let labels, let names) = data.targets else { return XCTFail() }
            XCTAssertEqual(names, ["0", "1"])
            XCTAssertEqual(labels.count, data.count)
            XCTAssertTrue(labels.contains(0) && labels.contains(1))
        }
        XCTAssertEqual(Generators.moons(count: 20, noise: 0.2, seed: 4).features, Generators.moons(count: 20, noise: 0.2, seed: 4).features)
    }
}
