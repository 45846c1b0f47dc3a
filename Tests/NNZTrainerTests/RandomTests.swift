import XCTest
@testable import NNZTrainer

final class RandomTests: XCTestCase {
    func testXoshiroSeededBySplitMixMatchesTheReferenceAlgorithm() {
        // Reference values from a direct Python transcription of SplitMix64 + xoshiro256**.
        var random = RandomGenerator(seed: 0, stream: 0)
        XCTAssertEqual([random.next(), random.next(), random.next()], [0x99EC_5F36_CB75_F2B4, 0xBF6E_1F78_4956_452A, 0x1A5F_849D_4933_E6E0])
    }

    func testStreamsAndSeedsDiffer() {
        var a = RandomGenerator(seed: 1, stream: .initialization), b = RandomGenerator(seed: 1, stream: .shuffling)
        var c = RandomGenerator(seed: 2, stream: .initialization)
        let x = a.next()
        XCTAssertNotEqual(x, b.next())
        XCTAssertNotEqual(x, c.next())
    }

    func testUniformAndGaussianStatistics() {
        var random = RandomGenerator(seed: 5)
        let n = 100_000
        var sum = 0.0, squares = 0.0
        for _ in 0..<n {
            let g = random.nextGaussian()
            sum += g
            squares += g * g
        }
        XCTAssertEqual(sum / Double(n), 0, accuracy: 0.02)
        XCTAssertEqual(squares / Double(n), 1, accuracy: 0.02)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[random.next(below: 7)] += 1 }
        XCTAssertTrue(counts.allSatisfy { abs($0 - 10_000) < 500 }, "\(counts)")
        for _ in 0..<1000 {
            let f = random.nextFloat()
            XCTAssertTrue(f >= 0 && f < 1)
        }
    }

    func testPortableLogarithm() {
        for x in [1e-300, 1e-10, 0.001, 0.5, 0.7071, 1, 1.5, 2, 10, 12345.678, 1e300] {
            XCTAssertEqual(PortableMath.log(x), Foundation.log(x), accuracy: 4e-16 * max(1, abs(Foundation.log(x))), "log(\(x))")
        }
    }

    func testNumpyRandomStateMatchesNumpy() {
        // np.random.seed(0); random(); randn()  and  np.random.seed(0); randn() ×3
        var a = NumpyRandomState(seed: 0)
        XCTAssertEqual(a.randomSample(), 0.5488135039273248)
        XCTAssertEqual(a.randn(), 0.7415917408091613, accuracy: 1e-15)
        var b = NumpyRandomState(seed: 0)
        XCTAssertEqual(b.randn(), 1.764052345967664, accuracy: 1e-15)
        XCTAssertEqual(b.randn(), 0.4001572083672233, accuracy: 1e-15)
        XCTAssertEqual(b.randn(), 0.9787379841057392, accuracy: 1e-15)
        // np.random.seed(1); a = np.arange(10); np.random.shuffle(a)
        var c = NumpyRandomState(seed: 1)
        var values = Array(0..<10)
        c.shuffle(&values)
        XCTAssertEqual(values, [2, 9, 6, 4, 0, 3, 1, 7, 8, 5])
    }

    /// moons.csv is `np.random.seed(0); make_moons(200, noise=0.2)`: our replica regenerates it.
    func testSklearnMoonsReplicaRegeneratesMoonsCSV() throws {
        var state = NumpyRandomState(seed: 0)
        let (features, labels) = Generators.sklearnMoons(count: 200, noise: 0.2, state: &state)
        let text = String(decoding: try FileIO.read(fixturesDirectory + "/moons.csv"), as: UTF8.self)
        let rows = text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
        XCTAssertEqual(rows.count, 200)
        for (i, row) in rows.enumerated() {
            XCTAssertEqual(features[i][0], row[0], accuracy: 1e-12)
            XCTAssertEqual(features[i][1], row[1], accuracy: 1e-12)
            XCTAssertEqual(Double(labels[i]), row[2])
        }
    }
}

import Foundation
