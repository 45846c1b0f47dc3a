#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
@testable import NNZCSV

final class FloatFormatterTests: XCTestCase {

    /// Significant digits (no leading/trailing zeros) and the decimal exponent of the first one.
    private func digitsAndExponent(_ s: String) -> (String, Int) {
        var mant = Substring(s)
        var e = 0
        if let i = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mant = s[..<i]
            e = Int(s[s.index(after: i)...])!
        }
        mant = mant.drop { $0 == "-" }
        let intLen = mant.firstIndex(of: ".").map { mant.distance(from: mant.startIndex, to: $0) } ?? mant.count
        var ds = Array(mant.filter { $0 != "." })
        var lead = 0
        while lead < ds.count - 1 && ds[lead] == "0" { lead += 1 }
        ds.removeFirst(lead)
        while ds.count > 1 && ds.last == "0" { ds.removeLast() }
        return (String(ds), e + intLen - 1 - lead)
    }

    func testShortestLayout() {
        let cases: [(Float, String)] = [
            (0, "0"), (-0.0, "-0"), (1, "1"), (-1, "-1"), (0.1, "0.1"), (-2.5, "-2.5"), (100, "100"),
            (0.5, "0.5"), (1e-5, "0.00001"), (1.5e-5, "0.000015"), (0.000123, "0.000123"), (1e-6, "1e-06"),
            (1.5e-7, "1.5e-07"), (3e10, "3e+10"), (12345678, "12345678"), (1e7, "10000000"), (1e8, "1e+08"),
            (123456792, "1.2345679e+08"), (16777216, "16777216"), (Float.greatestFiniteMagnitude, "3.4028235e+38"),
            (Float.leastNonzeroMagnitude, "1e-45"), (Float.leastNormalMagnitude, "1.1754944e-38"),
            (0.3, "0.3"), (1.0 / 3.0, "0.33333334"), (2.0 / 3.0, "0.6666667"), (65504, "65504"),
            (.infinity, "inf"), (-.infinity, "-inf"), (.nan, "nan"), (-Float.nan, "nan"),
            (1e38, "1e+38"), (9.999999e-6, "9.999999e-06"), (1234.5, "1234.5"), (0.1 + 0.2, "0.3"),
        ]
        for (x, s) in cases {
            XCTAssertEqual(FloatFormatter.shortest(x), s, "\(x.bitPattern)")
        }
    }

    func testPrecisionSpecialCases() {
        XCTAssertEqual(FloatFormatter.format(0, precision: 9), "0")
        XCTAssertEqual(FloatFormatter.format(-0.0, precision: 3), "-0")
        XCTAssertEqual(FloatFormatter.format(.infinity, precision: 3), "inf")
        XCTAssertEqual(FloatFormatter.format(-.infinity, precision: 3), "-inf")
        XCTAssertEqual(FloatFormatter.format(.nan, precision: 3), "nan")
        XCTAssertEqual(FloatFormatter.format(-Float.nan, precision: 3), "-nan")
        XCTAssertEqual(FloatFormatter.format(9.5, precision: 1), "1e+01")
        XCTAssertEqual(FloatFormatter.format(2.5, precision: 1), "2")
        XCTAssertEqual(FloatFormatter.format(0.1, precision: 9), "0.100000001")
        XCTAssertEqual(FloatFormatter.format(1e-5, precision: 6), "1e-05")
        XCTAssertEqual(FloatFormatter.format(123456, precision: 6), "123456")
        XCTAssertEqual(FloatFormatter.format(1234567, precision: 6), "1.23457e+06")
        XCTAssertEqual(FloatFormatter.format(0.0001, precision: 6), "0.0001")
        XCTAssertEqual(FloatFormatter.format(1, precision: 0), "1")     // clamped to 1
        XCTAssertEqual(FloatFormatter.format(1.0 / 3.0, precision: 20), "0.333333343")   // clamped to 9
        for p in 1...9 {
            for x: Float in [0.5, 0.05, 0.95, 9.5, 99.5, 0.25, 0.125, 1e-4, 9.9999e-5, .leastNonzeroMagnitude, 3.4028235e38,
                             1.1754944e-38, 16777215, 0.0625, 1023.5, 2.5e-5, 123456792, 5e-5] {
                let c = csvText(csvCFormat("%.*g", Int32(p), Double(x)))
                XCTAssertEqual(FloatFormatter.format(x, precision: p), c, "%.\(p)g of \(x)")
                XCTAssertEqual(FloatFormatter.format(-x, precision: p), "-" + c, "%.\(p)g of -\(x)")
            }
        }
    }

    func testShortestMatchesSwiftDigitsAndRoundTrips() {
        var r = CSVTestRNG(seed: 10)
        let n = csvBigSweep ? 50_000_000 : 300_000
        var failures = 0
        let buf = UnsafeMutablePointer<UInt8>.allocate(capacity: 64)
        defer { buf.deallocate() }
        for i in 0..<n {
            let x: Float = i % 4 == 0
                ? Float(Double(r.next() % 100_000_000) / 1e8)      // "nice" magnitudes
                : Float(bitPattern: UInt32(truncatingIfNeeded: r.next()))
            if !x.isFinite { continue }
            let len = FloatFormatter.writeShortest(x, to: buf)
            let bytes = UnsafeBufferPointer(start: buf, count: len)
            let back = FloatParser.parse(bytes)
            if back?.bitPattern != x.bitPattern {
                failures += 1
                if failures < 10 { XCTFail("round trip \(x.bitPattern): \(csvText(Array(bytes)))") }
                continue
            }
            if x == 0 { continue }
            let ours = digitsAndExponent(csvText(Array(bytes)))
            let swift = digitsAndExponent(x.description)
            if ours != swift {
                failures += 1
                if failures < 10 { XCTFail("digits \(x.bitPattern): ours \(csvText(Array(bytes))) swift \(x.description)") }
            }
        }
        XCTAssertEqual(failures, 0)
    }

    func testPrecisionMatchesSnprintf() {
        var r = CSVTestRNG(seed: 11)
        let n = csvBigSweep ? 20_000_000 : 150_000
        var failures = 0
        let buf = UnsafeMutablePointer<UInt8>.allocate(capacity: 64)
        defer { buf.deallocate() }
        for i in 0..<n {
            let x: Float = i % 3 == 0
                ? Float(Double(r.next() % 10_000_000) / 1e6) - 5
                : Float(bitPattern: UInt32(truncatingIfNeeded: r.next()))
            if x.isNaN { continue }
            let p = i % 2 == 0 ? 9 : 1 + r.below(9)
            let len = FloatFormatter.write(x, precision: p, to: buf)
            let c = csvCFormat("%.*g", Int32(p), Double(x))
            if !c.elementsEqual(UnsafeBufferPointer(start: buf, count: len)) {
                failures += 1
                if failures < 10 {
                    XCTFail("%.\(p)g of \(x.bitPattern): ours \(csvText(Array(UnsafeBufferPointer(start: buf, count: len)))) libc \(csvText(c))")
                }
            }
        }
        XCTAssertEqual(failures, 0)
    }

    /// Every float with a few chosen exponents and all mantissas with low bits patterns.
    func testStructuredSweep() {
        var failures = 0
        let buf = UnsafeMutablePointer<UInt8>.allocate(capacity: 64)
        defer { buf.deallocate() }
        for exponent: UInt32 in [0, 1, 2, 50, 100, 126, 127, 128, 150, 200, 253, 254] {
            for mant: UInt32 in [0, 1, 2, 3, 0x7F_FFFF, 0x7F_FFFE, 0x40_0000, 0x3F_FFFF, 0x12_3456, 0x55_5555] {
                let x = Float(bitPattern: exponent << 23 | mant)
                let s = FloatFormatter.shortest(x)
                if FloatParser.parse(s)?.bitPattern != x.bitPattern { failures += 1; XCTFail("round trip \(s)") }
                if x != 0 && digitsAndExponent(s) != digitsAndExponent(x.description) {
                    failures += 1
                    XCTFail("digits \(s) vs \(x.description)")
                }
                for p in 1...9 {
                    let n = FloatFormatter.write(x, precision: p, to: buf)
                    let c = csvCFormat("%.*g", Int32(p), Double(x))
                    if !c.elementsEqual(UnsafeBufferPointer(start: buf, count: n)) {
                        failures += 1
                        XCTFail("%.\(p)g \(x): \(csvText(Array(UnsafeBufferPointer(start: buf, count: n)))) vs \(csvText(c))")
                    }
                }
            }
        }
        XCTAssertEqual(failures, 0)
    }

    func testMaxLength() {
        var r = CSVTestRNG(seed: 12)
        let buf = UnsafeMutablePointer<UInt8>.allocate(capacity: 64)
        defer { buf.deallocate() }
        var longest = 0
        for _ in 0..<50_000 {
            let x = Float(bitPattern: UInt32(truncatingIfNeeded: r.next()))
            longest = max(longest, FloatFormatter.writeShortest(x, to: buf))
            for p in [1, 5, 9] { longest = max(longest, FloatFormatter.write(x, precision: p, to: buf)) }
        }
        longest = max(longest, FloatFormatter.writeShortest(-1.2345678e-5, to: buf))
        XCTAssertLessThanOrEqual(longest, 16)
        XCTAssertLessThanOrEqual(longest, FloatFormatter.maxLength)
    }
}
