import XCTest
@testable import NNZTrainer
import NNZFormat

final class DataTests: XCTestCase {
    func parse(_ text: String, target: String? = "label", task: CSVLoader.TaskKind = .automatic) throws(DataError) -> Dataset {
        try CSVLoader.parse(Array(text.utf8), path: "data.csv", target: target, task: task)
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
        XCTAssertEqual(message("a,b,label\n1,2,0\n3,x4,1\n"), "data.csv:3:3: expected a finite number in column \"b\", found \"x4\"")
        XCTAssertEqual(message("a,b,label\n1,2,0\n3,4\n"), "data.csv:3: expected 3 fields like the header, found 2")
        XCTAssertEqual(message("a,b,label\n1,,0\n"), "data.csv:2:3: expected a finite number in column \"b\", found an empty field")
        XCTAssertTrue(message("a,b\n1,2\n", target: "label").hasPrefix("data.csv:1:1: no column named \"label\""))
        XCTAssertEqual(message("a,a,label\n"), "data.csv:1:3: the column name \"a\" appears twice (columns 1 and 2)")
        XCTAssertEqual(message(""), "data.csv: the file is empty; expected a header line with column names")
        XCTAssertEqual(message("a,label\n1,\"x\n"), "data.csv:2:3: a quoted field is never closed; expected a closing '\"'")
        XCTAssertEqual(message("é,b,label\n1,nan,0\n"), "data.csv:2:3: expected a finite number in column \"b\", found \"nan\"")
        XCTAssertEqual(message("a,label\n1,0\n2,0\n"), "data.csv: the target column \"label\" holds a single class (0); classification needs at least two")
    }

    func testMissingFileIsNoInput() {
        XCTAssertThrowsError(try CSVLoader.load(path: "/nonexistent/data.csv", target: nil)) { error in
            let e = error as! DataError
            XCTAssertEqual(e.kind, .missingInput)
            XCTAssertEqual(e.exitCode, 66)
        }
    }

    func testFixedClassLabelsForATestFile() throws {
        let test = try CSVLoader.parse(Array("x,label\n1,cat\n2,ant\n".utf8), target: "label", classLabels: ["ant", "cat", "dog"])
        XCTAssertEqual(test.targets, .classes([1, 0], labels: ["ant", "cat", "dog"]))
        XCTAssertThrowsError(try CSVLoader.parse(Array("x,label\n1,emu\n".utf8), path: "t.csv", target: "label", classLabels: ["ant"])) {
            XCTAssertEqual("\($0)", "t.csv:2:3: the class \"emu\" is not one of the model's classes (ant)")
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
