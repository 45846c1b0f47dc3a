import XCTest
import NNZTrainer

/// The table, one test per network. Slow tier: runs only with `NNZ_SLOW_TESTS=1`,
/// meant for `swift test -c release` (about 10 s there; the debug build needs many minutes).
final class TutorialTableTests: XCTestCase {
    override func setUpWithError() throws {
        guard ProcessInfo.processInfo.environment["NNZ_SLOW_TESTS"] == "1" else {
            throw XCTSkip("the tutorial table runs with NNZ_SLOW_TESTS=1 (use swift test -c release)")
        }
    }

    func run(_ name: String) throws -> ExampleResult {
        let result = try Example.named(name)!.run(dataDirectory: fixturesDirectory)
        for figure in result.figures {
            print("\(name): \(figure.label) = \(figure.value)" + (figure.reference.map { " (reference \($0))" } ?? ""))
        }
        return result
    }

    /// Tutorial 000 from numpy's own initial weights ends exactly where the numpy code does
    /// (0.960 for 2-6-2, 0.940 for 2-4-2; measured with the tutorial's code). The table
    /// says 0.850, which the tutorial's code does not reproduce; see the example's note.
    func testMoonsSigmoidMatchesTheTutorialCode() throws {
        let result = try run("moons-sigmoid")
        XCTAssertEqual(result.figures[0].value, 0.960, accuracy: 0.03)
        XCTAssertEqual(result.figures[1].value, 0.940, accuracy: 0.03)
    }

    func testXor() throws {
        let result = try run("xor")
        XCTAssertLessThanOrEqual(result.figures[0].value, 0.005)
        XCTAssertTrue(result.meetsRequirement)
    }

    func testMoonsTanhAndBaseline() throws {
        let result = try run("moons-tanh")
        XCTAssertEqual(result.figures[0].value, 0.975, accuracy: 0.01 + 1e-9)
        XCTAssertEqual(result.figures[1].value, 0.840, accuracy: 0.01 + 1e-9)
        XCTAssertTrue(result.meetsRequirement)
    }

    func testMoonsBest() throws {
        XCTAssertGreaterThanOrEqual(try run("moons").figures[0].value, 0.99)
    }

    func testRegression() throws {
        XCTAssertLessThanOrEqual(try run("regression").figures[0].value, 0.10)
    }

    func testDigitsMLP() throws {
        XCTAssertGreaterThanOrEqual(try run("digits").figures[0].value, 0.975)
    }

    func testDigitsCNN() throws {
        XCTAssertGreaterThanOrEqual(try run("digits-cnn").figures[0].value, 0.985)
    }
}
