import NNZScoring
/// A small JSON emitter (no Foundation): commas and escaping handled, keys in call order.
final class JSONWriter {
    enum Scalar { case int(Int), float(Float), string(String) }
    private(set) var text = ""
    private var needsComma = [false]

    private func separator() {
        if needsComma[needsComma.count - 1] { text += "," }
        needsComma[needsComma.count - 1] = true
    }

    func object(_ body: () -> Void) {
        separator()
        text += "{"
        needsComma.append(false)
        body()
        needsComma.removeLast()
        text += "}"
    }

    func arrayOfObjects<T>(_ items: [T], _ body: (T) -> Void) {
        separator()
        text += "["
        needsComma.append(false)
        for item in items { object { body(item) } }
        needsComma.removeLast()
        text += "]"
    }

    func array(_ items: [Scalar]) {
        separator()
        text += "["
        text += items.map { item -> String in
            switch item {
            case .int(let i): return String(i)
            case .float(let f): return JSONWriter.floatText(f)
            case .string(let s): return JSONWriter.quoted(s)
            }
        }.joined(separator: ",")
        text += "]"
    }

    func key(_ k: String) {
        separator()
        text += JSONWriter.quoted(k) + ":"
        needsComma[needsComma.count - 1] = false
        // The value that follows must not add a comma; restore the flag after it.
    }


    private func value(_ raw: String) {
        separator()
        text += raw
    }

    func string(_ s: String) { value(JSONWriter.quoted(s)) }
    func number(_ n: Int) { value(String(n)) }
    func float(_ f: Float) { value(JSONWriter.floatText(f)) }
    func double(_ d: Double) { value(d.isFinite ? (d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : "\(d)") : "null") }
    func bool(_ b: Bool) { value(b ? "true" : "false") }
    func null() { value("null") }

    static func floatText(_ f: Float) -> String {
        guard f.isFinite else { return "null" }
        return f == f.rounded() && abs(f) < 1e7 ? String(Int(f)) : "\(f)"
    }

    static func quoted(_ s: String) -> String { JSONString.quoted(s) }
}
