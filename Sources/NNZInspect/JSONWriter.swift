import NNZScoring
/// A small JSON emitter (no Foundation): commas and escaping handled, keys in call order.
public final class JSONWriter {
    public enum Scalar { case int(Int), float(Float), string(String) }
    public private(set) var text = ""

    public init() {}
    private var needsComma = [false]

    private func separator() {
        if needsComma[needsComma.count - 1] { text += "," }
        needsComma[needsComma.count - 1] = true
    }

    public func object(_ body: () -> Void) {
        separator()
        text += "{"
        needsComma.append(false)
        body()
        needsComma.removeLast()
        text += "}"
    }

    public func arrayOfObjects<T>(_ items: [T], _ body: (T) -> Void) {
        separator()
        text += "["
        needsComma.append(false)
        for item in items { object { body(item) } }
        needsComma.removeLast()
        text += "]"
    }

    public func array(_ items: [Scalar]) {
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

    public func key(_ k: String) {
        separator()
        text += JSONWriter.quoted(k) + ":"
        needsComma[needsComma.count - 1] = false
        // The value that follows must not add a comma; restore the flag after it.
    }


    private func value(_ raw: String) {
        separator()
        text += raw
    }

    public func string(_ s: String) { value(JSONWriter.quoted(s)) }
    public func number(_ n: Int) { value(String(n)) }
    public func float(_ f: Float) { value(JSONWriter.floatText(f)) }
    public func double(_ d: Double) { value(d.isFinite ? (d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : "\(d)") : "null") }
    public func bool(_ b: Bool) { value(b ? "true" : "false") }
    public func null() { value("null") }

    public static func floatText(_ f: Float) -> String {
        guard f.isFinite else { return "null" }
        return f == f.rounded() && abs(f) < 1e7 ? String(Int(f)) : "\(f)"
    }

    public static func quoted(_ s: String) -> String { JSONString.quoted(s) }
}
