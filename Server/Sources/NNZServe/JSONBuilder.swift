import NNZCSV
import NNZScoring

/// A small JSON text builder: commas placed for you, strings escaped by nnz's one JSON string
/// rule (``JSONString``), floats in the shortest form that reads back to the same float (the
/// form `nninfer` prints), non-finite floats as null.
final class JSONBuilder {
    private(set) var text = ""
    private var needsComma: [Bool] = [false]

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

    func array(_ body: () -> Void) {
        separator()
        text += "["
        needsComma.append(false)
        body()
        needsComma.removeLast()
        text += "]"
    }

    func key(_ name: String) {
        separator()
        text += JSONString.quoted(name) + ":"
        needsComma[needsComma.count - 1] = false
    }

    func raw(_ value: String) { separator(); text += value }
    func string(_ value: String) { raw(JSONString.quoted(value)) }
    func null() { raw("null") }
    func float(_ value: Float) { raw(value.isFinite ? FloatFormatter.shortest(value) : "null") }
    func ints(_ values: [Int]) { raw("[" + values.map(String.init).joined(separator: ",") + "]") }
    func strings(_ values: [String]) { raw("[" + values.map(JSONString.quoted).joined(separator: ",") + "]") }

    func field(_ name: String, string value: String) { key(name); string(value) }
    func field(_ name: String, int value: Int) { key(name); raw(String(value)) }
    func field(_ name: String, float value: Float) { key(name); float(value) }
}
