/// Everything the format knows about one layer kind: its kind code(s), how its fields are
/// encoded and decoded in ARCH, the rules its fields obey, the tensors it needs, the shape it
/// produces, and the short description `nninfer inspect` prints.
///
/// The reader, writer, validator and ``Layer``'s public API call this instead of switching over
/// the kinds, so each kind lives in one file (`Layers/<Kind>.swift`). A new kind adds its file,
/// a case to ``Layer`` with its arm in ``Layer/format``, and its type to ``Layer/formats``; a
/// kind added after format 1.0 also says which version introduced it (``introducedIn``).
protocol LayerFormat: Sendable {
    /// The ARCH kind codes this type decodes (one, or one per function for the activations).
    static var kindCodes: [UInt8] { get }
    /// The format version that introduced these kinds: a file using one must declare at least
    /// this `min_reader_version`, and an older reader does not know them.
    static var introducedIn: FormatVersion { get }
    /// The short lowercase name of kind `code` (one of ``kindCodes``): `dense`, `conv2d`, …
    static func kindName(ofCode code: UInt8) -> String
    /// Decodes the fields that follow the kind byte `kind` of layer `index`.
    static func decode(kind: UInt8, from d: inout ByteSource, index: Int) throws(FormatError) -> Layer
    /// This layer's kind code in ARCH.
    var kindCode: UInt8 { get }
    /// Appends the fields that follow the kind byte.
    func encode(into d: inout ByteSink)
    /// Why this layer's own fields are out of range, or nil when they are fine.
    var fieldProblem: String? { get }
    /// The learned tensors, in canonical order: parameter name and shape.
    var parameters: [(name: String, shape: [Int])] { get }
    /// The shape this layer produces from `input`, or why it cannot take it.
    func outputShape(for input: [Int]) -> Result<[Int], ShapeMismatch>
    /// A buffer the runtime materializes from the input besides the output (e.g. a padded
    /// copy), which counts against the activation limit; nil when there is none.
    func materializedInputShape(for input: [Int]) -> [Int]?
    /// Hyper-parameters in a few words, e.g. `64→128 no bias`; empty when there are none.
    var summary: String { get }
    /// For a parameter that may be stored as int8 (a dense or conv2d weight), the number of
    /// products summed per output value (its reduction length, at most
    /// ``Limits/maxInt8ReductionLength``); nil for a parameter that may not be int8.
    func int8ReductionLength(ofParameter name: String) -> Int?
}

extension LayerFormat {
    static var introducedIn: FormatVersion { .v1_0 }
    /// A short lowercase name: `dense`, `conv2d`, …
    var kindName: String { Self.kindName(ofCode: kindCode) }
    var fieldProblem: String? { nil }
    var parameters: [(name: String, shape: [Int])] { [] }
    func materializedInputShape(for input: [Int]) -> [Int]? { nil }
    var summary: String { "" }
    func int8ReductionLength(ofParameter name: String) -> Int? { nil }
}

/// A layer kind with one ARCH kind code (every kind but the activations).
protocol SingleCodeLayerFormat: LayerFormat {
    /// The kind code.
    static var kindCode: UInt8 { get }
    /// The kind's short lowercase name: `dense`, `maxpool`, …
    static var kindName: String { get }
}

extension SingleCodeLayerFormat {
    static var kindCodes: [UInt8] { [kindCode] }
    static func kindName(ofCode code: UInt8) -> String { kindName }
    var kindCode: UInt8 { Self.kindCode }
}

extension Limits {
    /// Values a *dim* field may take (docs/FORMAT.md §3).
    static let dimensions = 1...maxDimension
    /// Values a *stride* field may take.
    static let strides = 1...maxStride
    /// Values a *pad* field may take.
    static let pads = 0...maxPad
}
