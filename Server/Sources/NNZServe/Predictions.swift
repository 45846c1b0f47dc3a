import NNZCSV
import NNZRuntime
import NNZScoring

/// Pre-encoded JSON pieces of one model's answers (built once per load).
struct AnswerEncoding: Sendable {
    /// `"label":` per class (classifiers).
    let keys: [[UInt8]]
    /// `"label"` per class.
    let labels: [[UInt8]]
    /// `"scores":{` or `"probabilities":{`.
    let scoresOpen: [UInt8]
    let isClassifier: Bool

    init(model: Model) {
        isClassifier = model.isClassifier
        if model.isClassifier {
            let names = model.outputNames
            labels = names.map { Array(JSONString.quoted($0).utf8) }
            keys = names.map { Array((JSONString.quoted($0) + ":").utf8) }
        } else {
            labels = []
            keys = []
        }
        scoresOpen = Array((model.outputKind == .probabilities ? "\"probabilities\":{" : "\"scores\":{").utf8)
    }
}

/// Writes the answer to a predict request: one object per row, in request order.
///
///     {"model":"digits","generation":1,"predictions":[{"probabilities":{"0":0.01,…},"predicted":"7"}]}
///     with top_k=2: {"top_k":[{"label":"7","score":0.98},{"label":"1","score":0.01}],"predicted":"7"}
///     regression:   {"outputs":[1.5,-0.25]}
///
/// Numbers are the shortest text that reads back to the same float (as `nninfer` prints them);
/// a non-finite output is null. `predicted` is the first class with the highest score.
func encodePredictions(_ outputs: [Float], rows: Int, served: ServedModel, topK: Int?) -> [UInt8] {
    let width = served.model.outputWidth
    let enc = served.encoding
    var out: [UInt8] = []
    out.reserveCapacity(64 + rows * (enc.isClassifier ? (topK.map { $0 * 40 } ?? width * 24) + 32 : width * 16 + 16))
    out.append(contentsOf: Array("{\"model\":".utf8))
    out.append(contentsOf: Array(JSONString.quoted(served.name).utf8))
    out.append(contentsOf: Array(",\"generation\":\(served.generation),\"predictions\":[".utf8))
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: FloatFormatter.maxLength + 8) { scratch in
        func number(_ x: Float) {
            if x.isFinite {
                let n = FloatFormatter.writeShortest(x, to: scratch.baseAddress!)
                out.append(contentsOf: UnsafeBufferPointer(start: scratch.baseAddress!, count: n))
            } else {
                out.append(contentsOf: [0x6e, 0x75, 0x6c, 0x6c])  // null
            }
        }
        outputs.withUnsafeBufferPointer { all in
            for r in 0..<rows {
                if r > 0 { out.append(UInt8(ascii: ",")) }
                let row = UnsafeBufferPointer(rebasing: all[r * width..<(r + 1) * width])
                out.append(UInt8(ascii: "{"))
                if enc.isClassifier {
                    var best = 0
                    for i in 1..<max(1, width) where row[i] > row[best] || (row[best].isNaN && !row[i].isNaN) { best = i }
                    if let topK {
                        out.append(contentsOf: Array("\"top_k\":[".utf8))
                        let order = row.indices.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }
                        for (rank, index) in order.prefix(topK).enumerated() {
                            if rank > 0 { out.append(UInt8(ascii: ",")) }
                            out.append(contentsOf: Array("{\"label\":".utf8))
                            out.append(contentsOf: enc.labels[index])
                            out.append(contentsOf: Array(",\"score\":".utf8))
                            number(row[index])
                            out.append(UInt8(ascii: "}"))
                        }
                        out.append(UInt8(ascii: "]"))
                    } else {
                        out.append(contentsOf: enc.scoresOpen)
                        for i in 0..<width {
                            if i > 0 { out.append(UInt8(ascii: ",")) }
                            out.append(contentsOf: enc.keys[i])
                            number(row[i])
                        }
                        out.append(UInt8(ascii: "}"))
                    }
                    out.append(contentsOf: Array(",\"predicted\":".utf8))
                    out.append(contentsOf: enc.labels[best])
                } else {
                    out.append(contentsOf: Array("\"outputs\":[".utf8))
                    for i in 0..<width {
                        if i > 0 { out.append(UInt8(ascii: ",")) }
                        number(row[i])
                    }
                    out.append(UInt8(ascii: "]"))
                }
                out.append(UInt8(ascii: "}"))
            }
        }
    }
    out.append(contentsOf: [UInt8(ascii: "]"), UInt8(ascii: "}"), 10])
    return out
}
