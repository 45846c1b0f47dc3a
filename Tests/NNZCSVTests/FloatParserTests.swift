#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
@testable import NNZCSV

final class FloatParserTests: XCTestCase {

    private func assertSameAsStrtof(_ s: String, file: StaticString = #filePath, line: UInt = #line) {
        let b = Array(s.utf8)
        // strtof skips leading whitespace but stops at trailing; compare on the trimmed text.
        var t = b
        while let f = t.first, f == 32 || f == 9 { t.removeFirst() }
        while let l = t.last, l == 32 || l == 9 { t.removeLast() }
        let expected = csvStrtof(t)
        let got = csvParse(b)
        XCTAssertNotNil(got, "\(s) rejected", file: file, line: line)
        if let e = expected, let g = got {
            if e.isNaN {
                XCTAssertTrue(g.isNaN, s, file: file, line: line)
                XCTAssertEqual(e.sign, g.sign, s, file: file, line: line)
            } else {
                XCTAssertEqual(e.bitPattern, g.bitPattern, "\(s): strtof \(e) got \(g)", file: file, line: line)
            }
        } else {
            XCTFail("strtof rejects \(s)", file: file, line: line)
        }
    }

    func testAcceptedForms() {
        for s in ["0", "-0", "+0", "0.0", "00000", "1", "-1", "+1.5", ".5", "-.5", "5.", "5.e3", "1e10", "1E-5",
                  "1e+5", "  3.25  ", "\t1\t", "0.1", "123456789", "1234567890123456789",
                  "0.000001", "1e0", "1e-0", "000123.4500", "3.4028235e38", "3.4028236e38", "3.40282357e38",
                  "3.4028235677973366e38", "3.4028235677973367e38", "1e38", "1e39", "1e-38", "1.17549435e-38",
                  "1.4e-45", "1e-45", "7e-46", "7.1e-46", "1e-46", "1e-400", "1e400", "-1e400",
                  "9999999999999999999", "99999999999999999999", "1.00000005960464477539062499",
                  "1.000000059604644775390625", "1.00000005960464477539062501",
                  "16777217", "16777216.5", "33554435", "0.30000001192092896", "2.5e-8", "0.015625",
                  "inf", "-inf", "+INF", "Infinity", "-INFINITY", "nan", "NaN", "-nan", "NAN",
                  "1e-64", "1e-65", "123e-67", "1e38", "0.0000000000000000000000000000000000000000000014",
                  "4.9406564584124654e-324", "1." + String(repeating: "0", count: 200) + "1",
                  String(repeating: "9", count: 60), "0." + String(repeating: "0", count: 50) + "123"] {
            assertSameAsStrtof(s)
        }
    }

    func testExactValues() {
        XCTAssertEqual(csvParse(csvBytes("1.5")), 1.5)
        XCTAssertEqual(csvParse(csvBytes("-0"))?.sign, .minus)
        XCTAssertEqual(csvParse(csvBytes("0"))?.sign, .plus)
        XCTAssertEqual(csvParse(csvBytes("1e39")), .infinity)
        XCTAssertEqual(csvParse(csvBytes("-1e39")), -.infinity)
        XCTAssertEqual(csvParse(csvBytes("1e-50")), 0)
        XCTAssertEqual(csvParse(csvBytes("1.4e-45")), Float.leastNonzeroMagnitude)
        XCTAssertEqual(csvParse(csvBytes("3.4028235e38")), Float.greatestFiniteMagnitude)
        XCTAssertEqual(csvParse(csvBytes(" +2.5E+2 ")), 250)
        XCTAssertTrue(csvParse(csvBytes("nan"))!.isNaN)
        XCTAssertEqual(FloatParser.parse("0.1"), 0.1)
    }

    func testRejected() {
        for s in ["", " ", "\t", "+", "-", ".", "+.", "-.", "e5", ".e5", "1e", "1e+", "1e-", "--1", "+-1", "-+1",
                  "1.2.3", "0x1p3", "0x10", "1,5", "1 2", "1_000", "nan(1)", "nan()", "infinit", "infinityy", "in",
                  "na", "1f", "1d", "1.5x", "x1", "e", "E", "1ee5", "1e5.5", "1e5e5", "٣", "1\u{0}", "\u{0}1",
                  "\"1\"", "'1'", "1\n", "\n1", "1\r", "+ 1", "- 1", "1. 5", "1 .5", ". 5", "１"] {
            XCTAssertNil(csvParse(csvBytes(s)), "accepted \(s.debugDescription)")
        }
    }

    func testRandomDecimalStringsAgainstStrtof() {
        var r = CSVTestRNG(seed: 1)
        let n = csvBigSweep ? 20_000_000 : 300_000
        var failures = 0
        for _ in 0..<n {
            var s: [UInt8] = []
            switch r.below(4) { case 0: s.append(45); case 1: s.append(43); default: break }
            let nInt = r.chance(4) ? r.below(30) : r.below(10)
            let nFrac = r.chance(3) ? 0 : (r.chance(4) ? r.below(30) : r.below(12))
            for k in 0..<nInt { s.append(UInt8(48 + (k == 0 && r.chance(3) ? 0 : r.below(10)))) }
            if nFrac > 0 || r.chance(5) { s.append(46) }
            for _ in 0..<nFrac { s.append(UInt8(48 + r.below(10))) }
            if nInt == 0 && nFrac == 0 { s.append(UInt8(48 + r.below(10))) }
            if r.chance(2) {
                s.append(r.chance(2) ? 101 : 69)
                switch r.below(3) { case 0: s.append(45); case 1: s.append(43); default: break }
                s += Array(String(r.chance(4) ? r.below(400) : r.below(60)).utf8)
            }
            let e = csvStrtof(s)
            let g = csvParse(s)
            if e?.bitPattern != g?.bitPattern {
                failures += 1
                if failures < 10 { XCTFail("\(csvText(s)): strtof \(String(describing: e)) got \(String(describing: g))") }
            }
        }
        XCTAssertEqual(failures, 0)
    }

    func testPrintedFloatsAgainstStrtof() {
        // %.Ng outputs of random floats (N = 1...12), including subnormals and huge values.
        var r = CSVTestRNG(seed: 2)
        let n = csvBigSweep ? 20_000_000 : 300_000
        var failures = 0
        for i in 0..<n {
            let x = r.finiteFloat()
            let p = i % 3 == 0 ? 9 : 1 + r.below(12)
            let s = csvCFormat("%.*g", Int32(p), Double(x))
            let e = csvStrtof(s)
            let g = csvParse(s)
            if e?.bitPattern != g?.bitPattern {
                failures += 1
                if failures < 10 { XCTFail("\(csvText(s)): strtof \(String(describing: e)) got \(String(describing: g))") }
            }
            if p == 9 { XCTAssertEqual(g?.bitPattern, x.bitPattern) }   // %.9g round-trips
        }
        XCTAssertEqual(failures, 0)
    }

    /// Decimal strings at, just below and just above the exact midpoint between two adjacent
    /// floats (the double-rounding trap), truncated to various lengths.
    func testNearHalfwayAgainstStrtof() {
        var r = CSVTestRNG(seed: 3)
        let n = csvBigSweep ? 10_000_000 : 200_000
        var failures = 0
        for _ in 0..<n {
            var f = abs(r.finiteFloat())
            if r.chance(5) { f = Float(bitPattern: UInt32(r.below(0x0100_0000))) }   // subnormal / tiny
            if f == .greatestFiniteMagnitude { f = f.nextDown }
            let mid = (Double(f) + Double(f.nextUp)) / 2      // exact in Double
            let exact = csvCFormat("%.160e", mid)               // exact decimal expansion
            let eIdx = exact.lastIndex(of: 101)!
            var digits = exact[0..<eIdx].filter { $0 != 46 }
            let expPart = Array(exact[(eIdx + 1)...])
            while digits.count > 1 && digits.last == 48 { digits.removeLast() }
            let len = r.chance(3) ? digits.count : min(digits.count, 6 + r.below(24))
            var d = Array(digits[0..<len])
            switch r.below(4) {
            case 0: break
            case 1:
                var i = d.count - 1
                while i >= 0 { if d[i] == 57 { d[i] = 48; i -= 1 } else { d[i] += 1; break } }
                if i < 0 { d.insert(49, at: 0); d.removeLast() }
            case 2:
                d += (0..<(1 + r.below(5))).map { _ in UInt8(48 + r.below(10)) }
            default:
                var i = d.count - 1
                while i >= 0 { if d[i] == 48 { d[i] = 57; i -= 1 } else { d[i] -= 1; break } }
            }
            var s: [UInt8] = [d[0]]
            if d.count > 1 { s.append(46); s += d[1...] }
            s.append(101)
            s += expPart
            let e = csvStrtof(s)
            let g = csvParse(s)
            if e?.bitPattern != g?.bitPattern {
                failures += 1
                if failures < 10 { XCTFail("\(csvText(s)): strtof \(String(describing: e)) got \(String(describing: g))") }
            }
        }
        XCTAssertEqual(failures, 0)
    }

    func testShortFormsUsedByTheFastPath() {
        // Every 1–4 digit mantissa with every small exponent: exercises the exact Float path.
        var failures = 0
        for m in stride(from: 0, through: 9999, by: 7) {
            for e in -12...12 {
                for s in ["\(m)e\(e)", "0.\(m)e\(e)", "\(m).5e\(e)"] {
                    let b = Array(s.utf8)
                    if csvStrtof(b)?.bitPattern != csvParse(b)?.bitPattern { failures += 1 }
                }
            }
        }
        XCTAssertEqual(failures, 0)
    }

    func testScanSimpleStopsAtDelimiter() {
        let text = Array("-12.5e1,7\n".utf8)
        text.withUnsafeBufferPointer { b in
            let (v, q) = FloatParser.scanSimple(b.baseAddress!)!
            XCTAssertEqual(v, -125)
            XCTAssertEqual(q - b.baseAddress!, 7)
            XCTAssertNil(FloatParser.scanSimple(b.baseAddress! + 7 + 1 + 1))   // "\n": no digits
        }
        let long = Array("12345678901234567890,".utf8)   // 20 digits: not simple
        long.withUnsafeBufferPointer { b in XCTAssertNil(FloatParser.scanSimple(b.baseAddress!)) }
    }
}
