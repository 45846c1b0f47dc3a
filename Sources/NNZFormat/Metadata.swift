/// Key → typed value metadata, kept sorted by key (byte order of the UTF-8) so that the same
/// metadata always serializes to the same bytes.
///
/// Keys are compared as UTF-8 byte strings, never with Unicode normalization (Swift's `==` on
/// `String` is canonical equivalence): `e\u{301}` and `\u{e9}` are two different keys.
///
/// Well-known keys have typed accessors; any other key is free for the producer's use.
///
/// ```swift
/// var meta = Metadata()
/// meta.name = "digits-mlp"
/// meta.classLabels = (0...9).map(String.init)
/// meta["training.epochs"] = .number(50)
/// ```
public struct Metadata: Equatable, Sendable {
    /// The entries, sorted by key, keys unique.
    public private(set) var entries: [(key: String, value: MetadataValue)]

    public init() { entries = [] }

    /// Builds metadata from entries in any order; a later duplicate key replaces an earlier one.
    public init(_ pairs: [(String, MetadataValue)]) {
        entries = []
        for (key, value) in pairs { self[key] = value }
    }

    public static func == (lhs: Metadata, rhs: Metadata) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.key.utf8.elementsEqual($1.key.utf8) && $0.value == $1.value }
    }

    /// Whether there are no entries (the writer then omits the META chunk).
    public var isEmpty: Bool { entries.isEmpty }

    /// The value for `key`; assigning nil removes it.
    public subscript(key: String) -> MetadataValue? {
        get {
            let index = insertionIndex(of: key)
            return index < entries.count && entries[index].key.utf8.elementsEqual(key.utf8) ? entries[index].value : nil
        }
        set {
            let index = insertionIndex(of: key)
            let present = index < entries.count && entries[index].key.utf8.elementsEqual(key.utf8)
            switch (present, newValue) {
            case (true, let value?): entries[index].value = value
            case (true, nil): entries.remove(at: index)
            case (false, let value?): entries.insert((key, value), at: index)
            case (false, nil): break
            }
        }
    }

    private func insertionIndex(of key: String) -> Int {
        let keyBytes = Array(key.utf8)
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if Array(entries[mid].key.utf8).lexicographicallyPrecedes(keyBytes) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private func string(_ key: String) -> String? {
        if case .string(let s)? = self[key] { return s }
        return nil
    }

    private func list(_ key: String) -> [String]? {
        if case .stringList(let l)? = self[key] { return l }
        return nil
    }

    /// Well-known key names.
    public enum Key {
        /// The `name` key.
        public static let name = "name"
        /// The `description` key.
        public static let description = "description"
        /// The `author` key.
        public static let author = "author"
        /// The `license` key.
        public static let license = "license"
        /// The `producer` key.
        public static let producer = "producer"
        /// The `producer_version` key.
        public static let producerVersion = "producer_version"
        /// The `feature_names` key.
        public static let featureNames = "feature_names"
        /// The `class_labels` key.
        public static let classLabels = "class_labels"
        /// Prefix of the training summary keys (`training.dataset`, `training.epochs`, ...).
        public static let trainingPrefix = "training."
    }

    /// `name`: a short model name.
    public var name: String? {
        get { string(Key.name) }
        set { self[Key.name] = newValue.map(MetadataValue.string) }
    }
    /// `description`: what the model does.
    public var modelDescription: String? {
        get { string(Key.description) }
        set { self[Key.description] = newValue.map(MetadataValue.string) }
    }
    /// `author`: who trained or published it.
    public var author: String? {
        get { string(Key.author) }
        set { self[Key.author] = newValue.map(MetadataValue.string) }
    }
    /// `license`: terms of use, e.g. `MIT`.
    public var license: String? {
        get { string(Key.license) }
        set { self[Key.license] = newValue.map(MetadataValue.string) }
    }
    /// `producer`: the program that wrote the file, e.g. `nntrain`.
    public var producer: String? {
        get { string(Key.producer) }
        set { self[Key.producer] = newValue.map(MetadataValue.string) }
    }
    /// `producer_version`: that program's version.
    public var producerVersion: String? {
        get { string(Key.producerVersion) }
        set { self[Key.producerVersion] = newValue.map(MetadataValue.string) }
    }
    /// One name per input value; the runtime matches CSV header columns by these names.
    public var featureNames: [String]? {
        get { list(Key.featureNames) }
        set { self[Key.featureNames] = newValue.map(MetadataValue.stringList) }
    }
    /// One label per output; classifiers report predictions by these names.
    public var classLabels: [String]? {
        get { list(Key.classLabels) }
        set { self[Key.classLabels] = newValue.map(MetadataValue.stringList) }
    }
    /// The `training.*` entries with the prefix removed.
    public var trainingSummary: [(key: String, value: MetadataValue)] {
        entries.filter { $0.key.hasPrefix(Key.trainingPrefix) }
            .map { (String($0.key.dropFirst(Key.trainingPrefix.count)), $0.value) }
    }
}
