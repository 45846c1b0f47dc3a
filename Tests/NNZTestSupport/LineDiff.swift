/// A readable line diff of two texts: changed lines marked `-` (only in `expected`) and `+`
/// (only in `actual`), with two lines of context around each change and `…` for the
/// unchanged stretches between. Tabs and carriage returns are shown as `\t` and `\r`, and a
/// missing or extra final newline shows as a changed empty last line.
public func lineDiff(expected: String, actual: String, context: Int = 2) -> String {
    let old = expected.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let new = actual.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var removed = Set<Int>(), inserted = Set<Int>()
    for change in new.difference(from: old) {
        switch change {
        case .remove(let offset, _, _): removed.insert(offset)
        case .insert(let offset, _, _): inserted.insert(offset)
        }
    }
    var rows: [(mark: Character, text: String)] = []
    var i = 0, j = 0
    while i < old.count || j < new.count {
        if i < old.count, removed.contains(i) {
            rows.append(("-", old[i])); i += 1
        } else if j < new.count, inserted.contains(j) {
            rows.append(("+", new[j])); j += 1
        } else {
            rows.append((" ", old[i])); i += 1; j += 1
        }
    }
    let changed = rows.indices.filter { rows[$0].mark != " " }
    var shown = Set<Int>()
    for index in changed { shown.formUnion(max(0, index - context)...min(rows.count - 1, index + context)) }
    var lines: [String] = []
    var skipping = false
    for (index, row) in rows.enumerated() {
        guard shown.contains(index) else {
            if !skipping { lines.append("  …") }
            skipping = true
            continue
        }
        skipping = false
        let visible = row.text.replacingTabsAndReturns()
        lines.append("\(row.mark) \(visible)")
    }
    return lines.joined(separator: "\n")
}

private extension String {
    func replacingTabsAndReturns() -> String {
        var out = ""
        for character in unicodeScalars {
            switch character {
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}
