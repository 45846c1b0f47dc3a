import NNZFormat

/// How an nnz model's META, output kind and layer details travel in ONNX `metadata_props`, so
/// that `.nnz → .onnx → .nnz` restores them exactly.
///
/// Each META entry is written twice: readable (`name` = `digits`, `class_labels` =
/// `["0","1"]` as a JSON array) for ONNX users, and typed under `nnz.meta.<key>` with a one-letter
/// tag: `s:` string, `n:` number (shortest round-trip decimal), `b:` `true`/`false`, `l:` a JSON
/// array of strings. The importer restores META from the typed entries when any is present.
enum NNZMetadataProps {
    static let metaPrefix = "nnz.meta."
    static let outputKindKey = "nnz.output_kind"
    static let formatKey = "nnz.format_version"
    /// A min-max input normalization's maxima, as comma-separated float32 bit patterns (hex).
    static let minMaxKey = "nnz.normalization.max"
    /// The doc string of a `Dropout` node that stands for an nnz inverted-dropout layer.
    static let dropoutDocPrefix = "nnz: inverted dropout"
    /// The doc string of a `Mul` node that stands for an nnz scale-at-inference dropout layer,
    /// followed by the ratio (shortest round-trip decimal), so the ratio comes back bit for bit.
    static let scaleDropoutDocPrefix = "nnz: scale-at-inference dropout, ratio "

    static func outputKindName(_ kind: OutputKind) -> String {
        switch kind {
        case .scores: return "scores"
        case .probabilities: return "probabilities"
        case .regression: return "regression"
        }
    }

    static func outputKind(_ name: String) -> OutputKind? {
        OutputKind.allCases.first { outputKindName($0) == name }
    }

    /// The readable and the typed properties for `metadata`.
    static func encode(_ metadata: Metadata) -> [(String, String)] {
        var readable: [(String, String)] = []
        var typed: [(String, String)] = []
        for (key, value) in metadata.entries {
            switch value {
            case .string(let s):
                readable.append((key, s)); typed.append((metaPrefix + key, "s:" + s))
            case .number(let d):
                readable.append((key, "\(d)")); typed.append((metaPrefix + key, "n:\(d)"))
            case .bool(let b):
                readable.append((key, b ? "true" : "false")); typed.append((metaPrefix + key, b ? "b:true" : "b:false"))
            case .stringList(let l):
                let json = JSONStrings.encode(l)
                readable.append((key, json)); typed.append((metaPrefix + key, "l:" + json))
            }
        }
        return readable + typed
    }

    /// META entries carried under `nnz.meta.*`; empty when the file has none.
    static func decode(_ props: [String: String]) -> [(String, MetadataValue)] {
        var entries: [(String, MetadataValue)] = []
        for (key, raw) in props.sorted(by: { $0.key < $1.key }) where key.hasPrefix(metaPrefix) {
            let name = String(key.dropFirst(metaPrefix.count))
            guard !name.isEmpty, raw.count >= 2 else { continue }
            let tag = raw.prefix(2), body = String(raw.dropFirst(2))
            switch tag {
            case "s:": entries.append((name, .string(body)))
            case "n:": if let d = Double(body), d.isFinite { entries.append((name, .number(d))) }
            case "b:": entries.append((name, .bool(body == "true")))
            case "l:": if let l = JSONStrings.decode(body) { entries.append((name, .stringList(l))) }
            default: continue
            }
        }
        return entries
    }
}

/// A JSON array of strings, written and read without Foundation's number handling.
enum JSONStrings {
    static func encode(_ strings: [String]) -> String {
        var out = "["
        for (i, s) in strings.enumerated() {
            if i > 0 { out += "," }
            out += "\""
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                default:
                    if u.value < 0x20 {
                        let hex = String(u.value, radix: 16)
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    } else {
                        out.unicodeScalars.append(u)
                    }
                }
            }
            out += "\""
        }
        return out + "]"
    }

    /// The strings of a JSON array of strings, or nil when `text` is not one.
    static func decode(_ text: String) -> [String]? {
        var scalars = Array(text.unicodeScalars)[...]
        func skipSpace() { while let c = scalars.first, c == " " || c == "\n" || c == "\t" || c == "\r" { scalars.removeFirst() } }
        func hex4() -> UInt32? {
            guard scalars.count >= 4 else { return nil }
            let digits = String(String.UnicodeScalarView(scalars.prefix(4)))
            scalars.removeFirst(4)
            return UInt32(digits, radix: 16)
        }
        skipSpace()
        guard scalars.popFirst() == "[" else { return nil }
        var result: [String] = []
        skipSpace()
        if scalars.first == "]" { scalars.removeFirst(); skipSpace(); return scalars.isEmpty ? [] : nil }
        while true {
            skipSpace()
            guard scalars.popFirst() == "\"" else { return nil }
            var s = String.UnicodeScalarView()
            while true {
                guard let c = scalars.popFirst() else { return nil }
                if c == "\"" { break }
                if c == "\\" {
                    guard let e = scalars.popFirst() else { return nil }
                    switch e {
                    case "\"", "\\", "/": s.append(e)
                    case "n": s.append("\n")
                    case "r": s.append("\r")
                    case "t": s.append("\t")
                    case "b": s.append("\u{8}")
                    case "f": s.append("\u{C}")
                    case "u":
                        guard var v = hex4() else { return nil }
                        if v >= 0xD800, v < 0xDC00 {
                            guard scalars.popFirst() == "\\", scalars.popFirst() == "u", let low = hex4(), low >= 0xDC00, low < 0xE000 else { return nil }
                            v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let u = Unicode.Scalar(v) else { return nil }
                        s.append(u)
                    default: return nil
                    }
                } else {
                    s.append(c)
                }
            }
            result.append(String(s))
            skipSpace()
            guard let sep = scalars.popFirst() else { return nil }
            if sep == "]" { break }
            guard sep == "," else { return nil }
        }
        skipSpace()
        return scalars.isEmpty ? result : nil
    }
}
