#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
import NNZCSV
import NNZFormat
import NNZRuntime
import NNZScoring

/// The streaming scorer as an embedder uses it: exact output bytes, errors with their line and
/// column, and the same bytes whatever the threads, batch size or block size.
final class CSVScorerTests: XCTestCase {
    static let root: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()
    static let digits = root + "/Fixtures/trained/digits_mlp.nnz"
    static let digitsTest = root + "/Fixtures/data/digits_test.csv"
    static let tiny = root + "/Fixtures/models/tiny.nnz"

    var directory = ""

    override func setUpWithError() throws {
        var template = Array("/tmp/nnz-scoring-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        XCTAssertNotNil(made)
        directory = String(cString: template)
    }

    override func tearDownWithError() throws {
        _ = directory.withCString { path in
            let removal = "rm -rf '\(String(cString: path))'"
            return system(removal)
        }
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = directory + "/" + name
        let file = fopen(path, "wb")!
        _ = text.utf8CString.withUnsafeBufferPointer { fwrite($0.baseAddress!, 1, $0.count - 1, file) }
        fclose(file)
        return path
    }

    func contents(_ path: String) -> String {
        guard let file = fopen(path, "rb") else { return "<missing \(path)>" }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n == 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Scores `inputPath` with `options`, reading in blocks of `bufferSize` bytes; returns the
    /// output text and the bad rows reported.
    func score(_ model: Model, _ inputPath: String, _ options: ScoringOptions, bufferSize: Int = 1 << 21)
        throws -> (output: String, badRows: [CSVError], summary: ScoringSummary) {
        let outputPath = directory + "/out-\(UInt32.random(in: 0...UInt32.max)).csv"
        var bad: [CSVError] = []
        let summary: ScoringSummary
        do {
            let reader = try CSVReader(path: inputPath, delimiter: options.delimiter, bufferSize: bufferSize)
            let writer = try CSVWriter(path: outputPath)
            summary = try CSVScorer(model: model, options: options).score(reader, to: writer) { bad.append($0) }
        }
        return (contents(outputPath), bad, summary)
    }

    /// The tiny fixture against its float64 reference outputs: labels, `predicted`, and every
    /// probability within 1e-6.
    func testTinyFixtureMatchesItsGoldenOutput() throws {
        let model = try Model(path: Self.tiny)
        var options = ScoringOptions()
        options.precision = 9
        let output = directory + "/tiny.csv"
        let summary = try CSVScorer(model: model, options: options)
            .score(inputPath: Self.root + "/Fixtures/models/tiny.input.csv", outputPath: output)
        let golden = contents(Self.root + "/Fixtures/models/tiny.expected.csv").split(separator: "\n").dropFirst()
        let rows = contents(output).split(separator: "\n")
        XCTAssertEqual(rows.first, "0,1,predicted")
        XCTAssertEqual(rows.count - 1, golden.count)
        for (row, want) in zip(rows.dropFirst(), golden) {
            let fields = row.split(separator: ",")
            let expected = want.split(separator: ",").map { Double(String($0))! }
            XCTAssertEqual(Double(String(fields[0]))!, expected[0], accuracy: 1e-6)
            XCTAssertEqual(Double(String(fields[1]))!, expected[1], accuracy: 1e-6)
            XCTAssertEqual(fields[2], expected[1] > expected[0] ? "1" : "0", String(row))
        }
        XCTAssertEqual(summary, ScoringSummary(rowsScored: golden.count, badRows: 0))
    }

    /// Threads, batch sizes and block sizes change how the work is cut, never a byte of output.
    func testOutputIsTheSameForEveryThreadBatchAndBlockSize() throws {
        let model = try Model(path: Self.digits)
        let reference = try score(model, Self.digitsTest, ScoringOptions()).output
        XCTAssertEqual(reference.split(separator: "\n").count, 361)
        for (threads, batch, buffer) in [(1, 1, 4096), (2, 7, 8192), (3, 256, 1 << 16), (2, 1000, 1 << 21)] {
            var options = ScoringOptions()
            options.threads = threads
            options.batchSize = batch
            XCTAssertEqual(try score(model, Self.digitsTest, options, bufferSize: buffer).output, reference,
                           "threads \(threads), batch \(batch), buffer \(buffer)")
        }
    }

    /// `keep` goes through the same parallel path: each output row is the kept fields followed
    /// by exactly the plain run's row, quoting preserved.
    func testKeptColumnsPrefixThePlainRows() throws {
        let model = try Model(path: Self.tiny)
        var lines = ["id,x0,x1,note"]
        var plain = ["x0,x1"]
        for i in 0..<3000 {
            let note = i % 3 == 0 ? "\"say \"\"hi\"\", \(i)\"" : i % 3 == 1 ? "plain\(i)" : "\"multi\nline\""
            lines.append("r\(i),\(i % 17),\(Float(i % 5) / 4)," + note)
            plain.append("\(i % 17),\(Float(i % 5) / 4)")
        }
        let input = try write("kept.csv", lines.joined(separator: "\r\n") + "\r\n")
        let plainInput = try write("plain.csv", plain.joined(separator: "\n") + "\n")
        let plainRows = try score(model, plainInput, ScoringOptions()).output.split(separator: "\n")
        for threads in [1, 2] {
            var options = ScoringOptions()
            options.keep = ["id", "note"]
            options.threads = threads
            options.batchSize = 64
            let run = try score(model, input, options, bufferSize: 1 << 14)
            let rows = run.output.split(separator: "\n", omittingEmptySubsequences: false)
            XCTAssertEqual(rows[0], "id,note," + plainRows[0])
            XCTAssertEqual(rows[1], "r0,\"say \"\"hi\"\", 0\"," + plainRows[1])
            XCTAssertEqual(rows[2], "r1,plain1," + plainRows[2])
            XCTAssertEqual(rows[3], "r2,\"multi")
            XCTAssertEqual(rows[4], "line\"," + plainRows[3])
            XCTAssertEqual(run.summary.rowsScored, 3000)
        }
        var json = ScoringOptions()
        json.keep = ["note", "id"]
        json.format = .jsonl
        let first = try score(model, input, json).output.split(separator: "\n")[0]
        XCTAssertTrue(first.hasPrefix("{\"note\":\"say \\\"hi\\\", 0\",\"id\":\"r0\",\"0\":"), String(first))
    }

    /// Bad rows found by different pieces of different blocks are reported with the right line
    /// and column, in input order; every good row is scored.
    func testSkippedBadRowsKeepTheirLinesAcrossPiecesAndBlocks() throws {
        let model = try Model(path: Self.tiny)
        var lines = ["x0,x1"]
        var badLines: [Int: (Int, String)] = [:]
        for i in 0..<6000 {
            let line = lines.count + 1
            switch i % 997 {
            case 5: lines.append("1,nan"); badLines[line] = (2, "found NaN, expected a finite number")
            case 17: lines.append("x,2"); badLines[line] = (1, "found \"x\", expected a number")
            case 33: lines.append("1,2,3"); badLines[line] = (3, "found 3 fields, expected 2 (as in the header)")
            default: lines.append("\(i % 7),\(i % 3)")
            }
        }
        let input = try write("bad.csv", lines.joined(separator: "\n") + "\n")
        for threads in [1, 2] {
            var options = ScoringOptions()
            options.skipBadRows = true
            options.threads = threads
            options.batchSize = 50
            let run = try score(model, input, options, bufferSize: 1 << 13)
            XCTAssertEqual(run.badRows.map(\.line), badLines.keys.sorted(), "threads \(threads)")
            for error in run.badRows {
                XCTAssertEqual(error.column, badLines[error.line]?.0, error.description)
                XCTAssertEqual(error.message, badLines[error.line]?.1, error.description)
            }
            XCTAssertEqual(run.summary, ScoringSummary(rowsScored: 6000 - badLines.count, badRows: badLines.count))
            XCTAssertEqual(run.output.split(separator: "\n").count, 6001 - badLines.count)
        }
    }

    /// Without skipping, the first bad row ends the run with its place, after every earlier row
    /// has been written.
    func testFirstBadRowStopsTheRunAfterEveryEarlierRow() throws {
        let model = try Model(path: Self.tiny)
        var lines = ["x0,x1"]
        for i in 0..<4000 { lines.append(i == 2500 ? "3,inf" : "\(i % 5),1") }
        let input = try write("stop.csv", lines.joined(separator: "\n") + "\n")
        let outputPath = directory + "/partial.csv"
        var options = ScoringOptions()
        options.threads = 2
        let reader = try CSVReader(path: input, bufferSize: 1 << 12)
        let writer = try CSVWriter(path: outputPath)
        XCTAssertThrowsError(try CSVScorer(model: model, options: options).score(reader, to: writer)) { error in
            let failure = error as! ScoringError
            XCTAssertEqual(failure.kind, .badData)
            XCTAssertEqual(failure.sysexitsCode, 65)
            XCTAssertEqual(failure.description, "\(input):2502:2: found infinity, expected a finite number")
        }
        XCTAssertEqual(contents(outputPath).split(separator: "\n").count, 2501)
    }

    /// Feature names match header names byte for byte: a decomposed `é` is another name.
    func testHeaderNamesAreComparedAsBytes() throws {
        var file = try NNZReader.read(path: Self.tiny)
        file.metadata.featureNames = ["caf\u{E9}", "x1"]
        let model = try Model(file: file)
        let composed = try write("composed.csv", "x1,caf\u{E9}\n1,0\n")
        XCTAssertEqual(try score(model, composed, ScoringOptions()).output,
                       try score(model, try write("plain.csv", "0,1\n"), ScoringOptions()).output)
        let decomposed = try write("decomposed.csv", "x1,cafe\u{301}\n1,0\n")
        XCTAssertThrowsError(try score(model, decomposed, ScoringOptions())) { error in
            XCTAssertEqual((error as! ScoringError).description,
                           "\(decomposed):1: missing column 'caf\u{E9}' that the model needs (it expects 2 named features)")
        }
    }

    /// A model whose output rows are far wider than its input rows: a block is scored in
    /// rounds whose formatted output stays bounded, and every row still comes out, in order,
    /// with the values `Model.predict` gives.
    func testWideOutputRowsAreScoredInBoundedRounds() throws {
        let outputs = 2000
        var file = ModelFile(inputShape: [1], outputKind: .regression, layers: [.dense(DenseLayer(inputs: 1, outputs: outputs))])
        file.tensors = file.expectedTensors.map { spec in
            Tensor(name: spec.name, shape: spec.shape, values: (0..<spec.shape.reduce(1, *)).map { Float($0 % 97) / 8 })
        }
        let model = try Model(file: file)
        let rows = 1000
        let input = try write("wide.csv", (0..<rows).map { "\($0 % 13)" }.joined(separator: "\n") + "\n")
        var options = ScoringOptions()
        options.precision = 4
        options.header = false
        options.threads = 2
        let run = try score(model, input, options)
        options.threads = 1
        XCTAssertEqual(try score(model, input, options, bufferSize: 4096).output, run.output)
        let lines = run.output.split(separator: "\n")
        XCTAssertEqual(lines.count, rows + 1)
        XCTAssertEqual(run.summary.rowsScored, rows)
        for r in [0, 1, 222, 223, 224, 500, rows - 1] {
            let expected = try model.predict([Float(r % 13)]).map { FloatFormatter.format($0, precision: 4) }
            XCTAssertEqual(lines[r + 1].split(separator: ",").map(String.init), expected, "row \(r)")
        }
    }

    func testOptionsAreCheckedAgainstTheModel() throws {
        let regression = try Model(path: Self.root + "/Fixtures/models/regression.nnz")
        var options = ScoringOptions()
        options.topK = 2
        XCTAssertThrowsError(try CSVScorer(model: regression, options: options)) { error in
            XCTAssertEqual((error as! ScoringError).kind, .usage)
        }
        options = ScoringOptions()
        options.keep = ["nope"]
        let tiny = try Model(path: Self.tiny)
        let input = try write("keep.csv", "x0,x1\n1,2\n")
        XCTAssertThrowsError(try score(tiny, input, options)) { error in
            XCTAssertEqual((error as! ScoringError).description, "\(input):1: --keep nope: no such column: the header has x0, x1")
            XCTAssertEqual((error as! ScoringError).sysexitsCode, 64)
        }
    }
}
