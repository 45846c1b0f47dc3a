#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads `.nnz` bytes into a ``ModelFile``, validating every rule of docs/FORMAT.md.
///
/// The reader is safe on files from strangers: every declared size is checked against the
/// bytes present and the hard ``Limits`` before anything is allocated, every CRC is checked,
/// and every failure is a ``FormatError`` naming the chunk and byte offset.
///
/// ```swift
/// do {
///     let model = try NNZReader.read(path: "digits.nnz")
///     print(model.layers.map(\.kindName))
/// } catch {
///     print(error)   // digits.nnz: byte 912, chunk TNSR: CRC-32 mismatch (...)
/// }
/// ```
public enum NNZReader {
    /// Reads and validates the file at `path`.
    public static func read(path: String) throws(FormatError) -> ModelFile {
        try readValidated(path: path).file
    }

    /// Reads and validates the file at `path`, keeping what validation derived (layer shapes).
    public static func readValidated(path: String) throws(FormatError) -> ValidatedModel {
        let bytes = try readFile(path)
        do throws(FormatError) {
            return try decodeValidated(bytes)
        } catch {
            throw error.at(path: path)
        }
    }

    /// The whole file at `path`, refusing directories and anything over the format's size limit.
    public static func readFile(_ path: String) throws(FormatError) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let code: FormatError.Code = errno == ENOENT ? .fileNotFound : .ioError
            throw FormatError(code, "cannot open: \(errnoText())", path: path)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw FormatError(.ioError, "cannot stat: \(errnoText())", path: path)
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw FormatError(.ioError, "is a directory, expected an .nnz model file", path: path)
        }
        let size = Int(info.st_size)
        guard size <= Limits.maxFileLength else {
            throw FormatError(.limitExceeded, "file is \(size) bytes; the format's limit is \(Limits.maxFileLength)", path: path)
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        while filled < size {
            let n = bytes.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress! + filled, size - filled) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FormatError(.ioError, "cannot read: \(errnoText())", path: path)
            }
            if n == 0 { break }
            filled += n
        }
        if filled < size { bytes.removeSubrange(filled...) }
        return bytes
    }

    /// Decodes and validates a whole file held in memory.
    public static func decode(_ bytes: [UInt8]) throws(FormatError) -> ModelFile {
        try decodeValidated(bytes).file
    }

    /// Decodes and validates a whole file held in memory.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(FormatError) -> ModelFile {
        try decodeValidated(bytes).file
    }

    /// Decodes and validates a whole file held in memory, keeping what validation derived.
    public static func decodeValidated(_ bytes: [UInt8]) throws(FormatError) -> ValidatedModel {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(FormatError) -> ValidatedModel in try decodeValidated(buffer) }
        }
        return try result.get()
    }

    /// Decodes and validates a whole file held in memory, keeping what validation derived.
    public static func decodeValidated(_ bytes: UnsafeRawBufferPointer) throws(FormatError) -> ValidatedModel {
        var parser = Parser(bytes: bytes)
        return try parser.parse()
    }

    /// Decodes as a reader of format `readerVersion` (1.0 … ``FormatVersion/current``) would:
    /// a file needing a newer reader is refused ("needs reader 1.1; this reader implements
    /// format 1.0"), and the layer kinds of later versions are unknown kinds. For tests that
    /// prove what an older reader says about a newer file.
    ///
    /// ```swift
    /// @_spi(Testing) import NNZFormat
    /// _ = try NNZReader.decodeValidated(bytes, readerVersion: .v1_0)   // throws for a 1.1 file
    /// ```
    @_spi(Testing)
    public static func decodeValidated(_ bytes: [UInt8], readerVersion: FormatVersion) throws(FormatError) -> ValidatedModel {
        precondition(readerVersion >= .v1_0 && readerVersion <= .current, "no reader of format \(readerVersion) exists")
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(FormatError) -> ValidatedModel in
                var parser = Parser(bytes: buffer, readerVersion: readerVersion)
                return try parser.parse()
            }
        }
        return try result.get()
    }
}

struct Parser {
    let bytes: UnsafeRawBufferPointer
    /// The format this parser reads as: ``FormatVersion/current`` but in tests of older readers.
    let readerVersion: FormatVersion
    /// The file's version and `min_reader_version`, from the header.
    var version = FormatVersion.current
    var minimumReader = FormatVersion.v1_0
    var inputShape: [Int] = []
    var outputKind = OutputKind.scores
    var layers: [Layer] = []
    var outputWidth = 0
    var layerShapes: [[Int]] = []
    /// Every tensor ARCH calls for: its canonical position, shape, layer index and parameter name.
    var expected: [String: (index: Int, shape: [Int], layer: Int, parameter: String)] = [:]
    var tensors: [Tensor?] = []
    var normalization: InputNormalization?
    var metadata: Metadata?
    var metadataOffset = 0
    var selfTest: SelfTest?
    var ancillaryChunks: [AncillaryChunk] = []
    /// Known chunks read so far (NEND excluded): where the next unknown ancillary chunk sits.
    var knownChunks = 0

    init(bytes: UnsafeRawBufferPointer, readerVersion: FormatVersion = .current) {
        self.bytes = bytes
        self.readerVersion = readerVersion
    }

    /// Known chunk types must appear in this order (docs/FORMAT.md §2); unknown ancillary ones anywhere.
    static let orderRank: [String: Int] = [
        ChunkType.architecture: 0, ChunkType.tensor: 1, ChunkType.normalization: 2,
        ChunkType.metadata: 3, ChunkType.selfTest: 4, ChunkType.end: 5,
    ]

    mutating func parse() throws(FormatError) -> ValidatedModel {
        try parseHeader()
        var position = Limits.headerSize
        var chunkCount = 0
        var sawEnd = false
        var seen: Set<String> = []
        var lastRank = 0
        while !sawEnd {
            chunkCount += 1
            guard chunkCount <= Limits.maxChunks else {
                throw FormatError(.limitExceeded, "more than \(Limits.maxChunks) chunks", offset: position)
            }
            guard bytes.count - position >= Limits.chunkOverhead else {
                throw FormatError(.truncated, "the file ends inside a chunk header at byte \(position), before the NEND chunk (need 12 bytes, \(bytes.count - position) remain)", offset: position)
            }
            var frame = ByteSource(bytes, from: position, to: bytes.count, chunk: nil)
            let length = Int(try frame.u32("chunk length"))
            let typeBytes = (0..<4).map { bytes[position + 4 + $0] }
            guard typeBytes.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
                throw FormatError(.malformed, "chunk type bytes \(typeBytes.map { hex($0) }.joined(separator: " ")) are not 4 ASCII letters", offset: position + 4)
            }
            let type = String(decoding: typeBytes, as: UTF8.self)
            guard length <= Limits.maxChunkLength else {
                throw FormatError(.limitExceeded, "chunk length \(length) exceeds the limit \(Limits.maxChunkLength)", offset: position, chunk: type)
            }
            let dataStart = position + 8
            guard bytes.count - dataStart >= length + 4 else {
                throw FormatError(.truncated, "chunk declares \(length) data bytes + 4 CRC bytes but the file has \(bytes.count - dataStart) left", offset: position, chunk: type)
            }
            let stored = bytes.loadUnaligned(fromByteOffset: dataStart + length, as: UInt32.self).littleEndian
            let computed = crc32Of(UnsafeRawBufferPointer(rebasing: bytes[(position + 4)..<(dataStart + length)]))
            guard stored == computed else {
                throw FormatError(.checksumMismatch, "CRC-32 mismatch (stored 0x\(hex32(stored)), computed 0x\(hex32(computed)))", offset: dataStart + length, chunk: type)
            }
            if chunkCount == 1, type != ChunkType.architecture {
                throw FormatError(.malformed, "the first chunk is \(type), expected ARCH", offset: position, chunk: type)
            }
            var data = ByteSource(bytes, from: dataStart, to: dataStart + length, chunk: type)
            let critical = typeBytes[0] < 0x61
            if [ChunkType.architecture, ChunkType.normalization, ChunkType.metadata, ChunkType.selfTest].contains(type) {
                guard seen.insert(type).inserted else {
                    throw FormatError(.malformed, "a second \(type) chunk; at most one is allowed", offset: position, chunk: type)
                }
            }
            if let rank = Self.orderRank[type] {
                guard rank >= lastRank else {
                    throw FormatError(.malformed, "\(type) chunk after a later-ordered chunk; the order is ARCH, TNSR…, NORM, META, test, NEND", offset: position, chunk: type)
                }
                lastRank = rank
            }
            switch type {
            case ChunkType.architecture: try parseArchitecture(&data)
            case ChunkType.tensor: try parseTensor(&data)
            case ChunkType.normalization: try parseNormalization(&data)
            case ChunkType.metadata:
                metadataOffset = dataStart
                try parseMetadata(&data)
            case ChunkType.selfTest: try parseSelfTest(&data)
            case ChunkType.end:
                guard length == 0 else {
                    throw FormatError(.malformed, "NEND has length \(length), expected 0", offset: position, chunk: type)
                }
                sawEnd = true
            default:
                if critical {
                    throw FormatError(.unknownCriticalChunk, "unknown critical chunk \(type): the file is format \(version), this reader knows format \(readerVersion); a newer reader is needed", offset: position, chunk: type)
                }
                // Unknown ancillary: carried along, byte for byte, with its place among the known chunks.
                ancillaryChunks.append(AncillaryChunk(type: type, data: Array(UnsafeRawBufferPointer(rebasing: bytes[dataStart..<(dataStart + length)])),
                                                      afterKnownChunks: knownChunks))
                data.position = data.end
            }
            guard data.remaining == 0 else {
                throw FormatError(.malformed, "\(data.remaining) unexpected bytes at the end of the chunk", offset: data.position, chunk: type)
            }
            if Self.orderRank[type] != nil, type != ChunkType.end { knownChunks += 1 }
            position = dataStart + length + 4
        }
        guard position == bytes.count else {
            throw FormatError(.malformed, "\(bytes.count - position) bytes follow the NEND chunk", offset: position)
        }
        var ordered: [Tensor] = []
        let canonical = expected.sorted { $0.value.index < $1.value.index }
        for (name, info) in canonical {
            guard let tensor = tensors[info.index] else {
                throw FormatError(.inconsistent, "tensor \(name) is missing (expected shape \(info.shape))", offset: position - Limits.chunkOverhead, chunk: ChunkType.end)
            }
            ordered.append(tensor)
        }
        if let metadata {
            try ModelFile.validate(metadata, inputCount: inputShape.reduce(1, *), outputWidth: outputWidth, outputKind: outputKind, offset: metadataOffset)
        }
        let file = ModelFile(inputShape: inputShape, outputKind: outputKind, layers: layers, tensors: ordered,
                             normalization: normalization, metadata: metadata ?? Metadata(), selfTest: selfTest,
                             ancillaryChunks: ancillaryChunks, formatVersion: version)
        return ValidatedModel(alreadyValidated: file, layerOutputShapes: layerShapes)
    }

    mutating func parseHeader() throws(FormatError) {
        // The signature is checked on whatever prefix exists, so a short text file is "not a
        // model" rather than "truncated".
        let prefix = min(bytes.count, 8)
        guard (0..<prefix).allSatisfy({ bytes[$0] == nnzSignature[$0] }) else {
            if bytes.count >= 8, let damage = textModeDamage() {
                throw FormatError(.badSignature, "the signature was altered by a text-mode transfer (\(damage)); transfer the file in binary mode", offset: 0)
            }
            throw FormatError(.badSignature, "not an nnz model file: the first bytes are \(bytes.prefix(8).map { hex($0) }.joined(separator: " ")), expected 89 4E 4E 5A 0D 0A 1A 0A", offset: 0)
        }
        guard bytes.count >= Limits.headerSize + Limits.chunkOverhead else {
            throw FormatError(.truncated, "the file is \(bytes.count) bytes; even an empty model needs \(Limits.headerSize + Limits.chunkOverhead)", offset: bytes.count)
        }
        var header = ByteSource(bytes, from: 8, to: Limits.headerSize, chunk: nil)
        let major = Int(try header.u16("version_major"))
        let minor = Int(try header.u16("version_minor"))
        let readerMajor = Int(try header.u16("min_reader_major"))
        let readerMinor = Int(try header.u16("min_reader_minor"))
        let declaredLength = try header.u64("file_length")
        let storedCRC = try header.u32("header_crc")
        let computedCRC = crc32Of(UnsafeRawBufferPointer(rebasing: bytes[0..<24]))
        guard storedCRC == computedCRC else {
            throw FormatError(.checksumMismatch, "header CRC-32 mismatch (stored 0x\(hex32(storedCRC)), computed 0x\(hex32(computedCRC)))", offset: 24)
        }
        version = FormatVersion(major: major, minor: minor)
        let needed = FormatVersion(major: readerMajor, minor: readerMinor)
        guard major <= readerVersion.major else {
            throw FormatError(.unsupportedVersion, "the file is format \(version), a newer major version; this reader implements format \(readerVersion)", offset: 8)
        }
        guard needed <= readerVersion else {
            throw FormatError(.unsupportedVersion, "the file is format \(version) and needs reader \(needed); this reader implements format \(readerVersion)", offset: 12)
        }
        guard readerMajor >= 1, needed <= version else {
            throw FormatError(.malformed, "min_reader version \(needed) is not a valid version for a format \(version) file", offset: 12)
        }
        minimumReader = needed
        // The limit is on the declared length, so a short file declaring too much is refused as
        // too large rather than as cut short.
        guard declaredLength <= UInt64(Limits.maxFileLength) else {
            throw FormatError(.limitExceeded, "the header declares file_length \(declaredLength); the format's limit is \(Limits.maxFileLength) (2^31) bytes", offset: 16)
        }
        guard declaredLength == UInt64(bytes.count) else {
            if declaredLength > UInt64(bytes.count) {
                throw FormatError(.truncated, "the file is \(bytes.count) bytes but its header declares \(declaredLength): it was cut short", offset: bytes.count)
            }
            throw FormatError(.malformed, "the file is \(bytes.count) bytes but its header declares \(declaredLength): \(UInt64(bytes.count) - declaredLength) bytes were appended", offset: Int(declaredLength))
        }
    }

    /// Describes how the signature was damaged if undoing a newline conversion repairs it.
    func textModeDamage() -> String? {
        let head = Array(bytes.prefix(9))
        // CRLF → LF: 89 N N Z 0A 1A 0A
        if head.count >= 7, head[0..<4].elementsEqual(nnzSignature[0..<4]), head[4] == 0x0A, head[5] == 0x1A { return "CR LF became LF" }
        // LF → CRLF: 89 N N Z 0D 0D 0A 1A 0D 0A
        if head.count >= 8, head[0..<4].elementsEqual(nnzSignature[0..<4]), head[4] == 0x0D, head[5] == 0x0D { return "LF became CR LF" }
        if head[0] == 0x09 || (head[0] != 0x89 && head[1..<4].elementsEqual(nnzSignature[1..<4])) { return "the high bit of the first byte was cleared" }
        return nil
    }

    mutating func parseArchitecture(_ d: inout ByteSource) throws(FormatError) {
        let kindOffset = d.position
        let kind = try d.u8("output_kind")
        guard let outputKind = OutputKind(rawValue: kind) else {
            throw d.error(.malformed, "output_kind is \(kind), expected 0 (scores), 1 (probabilities) or 2 (regression)", at: kindOffset)
        }
        self.outputKind = outputKind
        let rankOffset = d.position
        let rank = Int(try d.u8("input_rank"))
        guard rank == 1 || rank == 3 else {
            throw d.error(.malformed, "input_rank is \(rank), expected 1 ([features]) or 3 ([channels, height, width])", at: rankOffset)
        }
        var shape: [Int] = []
        for i in 0..<rank { shape.append(try d.int("input dimension \(i)", in: 1...Limits.maxDimension)) }
        inputShape = shape
        // Three dims of up to 2^24 overflow Int: saturate, so the limit check refuses them.
        let inputElements = ModelFile.elementCount(shape)
        guard inputElements <= Limits.maxActivationElements else {
            throw d.error(.limitExceeded, "the input shape \(shape) has \(inputElements) values; the limit is \(Limits.maxActivationElements)", at: rankOffset)
        }
        let count = try d.int("layer_count", in: 1...Limits.maxLayers)
        var offsets: [Int] = []
        for index in 0..<count {
            offsets.append(d.position)
            layers.append(try parseLayer(&d, index: index))
        }
        let shapes = try ModelFile.layerOutputShapes(inputShape: inputShape, layers: layers, layerOffsets: offsets)
        try ModelFile.validateOutputKind(outputKind, layers: layers, offset: kindOffset)
        try ModelFile.validateTensorSizes(layers: layers, layerOffsets: offsets)
        outputWidth = shapes.last![0]
        layerShapes = shapes
        for (layerIndex, layer) in layers.enumerated() {
            for (parameter, shape) in zip(layer.parameterNames, layer.parameterShapes) {
                expected["layers.\(layerIndex).\(parameter)"] = (expected.count, shape, layerIndex, parameter)
            }
        }
        tensors = Array(repeating: nil, count: expected.count)
    }

    /// Opens the existential so the typed-throws static requirement is called on a concrete type.
    static func decodeLayer<Format: LayerFormat>(_ format: Format.Type, kind: UInt8, from d: inout ByteSource, index: Int) throws(FormatError) -> Layer {
        try Format.decode(kind: kind, from: &d, index: index)
    }

    func parseLayer(_ d: inout ByteSource, index: Int) throws(FormatError) -> Layer {
        let start = d.position
        let kind = try d.u8("kind of layer \(index)")
        let formats = Layer.formats.filter { $0.introducedIn <= readerVersion }
        guard let format = formats.first(where: { $0.kindCodes.contains(kind) }) else {
            let known = formats.flatMap { $0.kindCodes }
            throw d.error(.malformed, "unknown layer kind \(kind) for layer \(index); this reader knows kinds \(known.min()!)...\(known.max()!) of format \(readerVersion)", at: start)
        }
        // Checked before the fields: a file that uses a newer kind must say so in its header,
        // so that an older reader refuses it by version instead of misreading it.
        guard format.introducedIn <= minimumReader else {
            throw d.error(.malformed, "layer \(index) is \(format.kindName(ofCode: kind)) (kind \(kind)), a kind of format \(format.introducedIn), but the file declares min_reader_version \(minimumReader); it must be at least \(format.introducedIn)", at: start)
        }
        let layer = try Self.decodeLayer(format, kind: kind, from: &d, index: index)
        if let problem = layer.fieldProblem {
            throw d.error(.malformed, "layer \(index) (\(layer.kindName)): \(problem)", at: start)
        }
        return layer
    }

    mutating func parseTensor(_ d: inout ByteSource) throws(FormatError) {
        guard !layers.isEmpty else { throw d.error(.malformed, "TNSR before ARCH") }
        let nameOffset = d.position
        let name = try d.str("tensor name")
        guard let info = expected[name] else {
            throw d.error(.inconsistent, "tensor \(name) belongs to no layer parameter of this architecture", at: nameOffset)
        }
        guard tensors[info.index] == nil else {
            throw d.error(.inconsistent, "tensor \(name) appears twice", at: nameOffset)
        }
        let dtypeOffset = d.position
        let dtypeCode = try d.u8("dtype")
        let knownTypes = TensorDType.allCases.filter { $0.introducedIn <= readerVersion }
        guard let dtype = TensorDType(rawValue: dtypeCode), knownTypes.contains(dtype) else {
            let known = knownTypes.count == 1 ? "only 1 (float32)" : knownTypes.map(\.codeAndName).joined(separator: ", ")
            throw d.error(.malformed, "tensor \(name) has dtype \(dtypeCode); format \(readerVersion) knows \(known)", at: dtypeOffset)
        }
        // As for layer kinds: a file holding a newer dtype must say so in its header, so that an
        // older reader refuses it by version instead of misreading it.
        guard dtype.introducedIn <= minimumReader else {
            throw d.error(.malformed, "tensor \(name) has dtype \(dtype.codeAndName), which needs min_reader \(dtype.introducedIn); the file says \(minimumReader)", at: dtypeOffset)
        }
        // Which tensors may be int8, and the reduction-length limit, follow from ARCH and the
        // dtype alone: checked before anything is inflated.
        if let problem = TensorRules.dtypeProblem(dtype, tensor: name, layer: layers[info.layer], layerIndex: info.layer, parameter: info.parameter) {
            throw d.error(problem.code, problem.message, at: dtypeOffset)
        }
        let codecOffset = d.position
        let codec = try d.u8("codec")
        guard codec <= 1 else { throw d.error(.malformed, "tensor \(name) has codec \(codec), expected 0 (raw) or 1 (zlib)", at: codecOffset) }
        let filter = try d.u8("filter")
        guard filter <= 1 else { throw d.error(.malformed, "tensor \(name) has filter \(filter), expected 0 (none) or 1 (byte-shuffle)", at: codecOffset + 1) }
        guard filter == 0 || codec == 1 else {
            throw d.error(.malformed, "tensor \(name): byte-shuffle filter requires codec 1 (zlib)", at: codecOffset + 1)
        }
        let rankOffset = d.position
        let rank = Int(try d.u8("rank"))
        guard (1...Limits.maxTensorRank).contains(rank) else {
            throw d.error(.malformed, "tensor \(name) has rank \(rank), expected 1...\(Limits.maxTensorRank)", at: rankOffset)
        }
        var shape: [Int] = []
        for i in 0..<rank { shape.append(try d.int("tensor \(name) dimension \(i)", in: 1...Limits.maxDimension)) }
        guard shape == info.shape else {
            throw d.error(.inconsistent, "tensor \(name) has shape \(shape), the layer needs \(info.shape)", at: rankOffset)
        }
        let lengthOffset = d.position
        let rawLength = try d.u64("raw_length")
        var elements = 1
        for dim in shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw d.error(.limitExceeded, "tensor \(name) shape \(shape) overflows", at: rankOffset) }
            elements = product
        }
        guard elements <= Limits.maxTensorBytes / 4 else {
            throw d.error(.limitExceeded, "tensor \(name) has \(elements) elements; the limit is \(Limits.maxTensorBytes / 4)", at: rankOffset)
        }
        let (rawCount, layout) = TensorRules.rawLength(dtype, shape: shape, elements: elements)
        guard rawLength == UInt64(rawCount) else {
            throw d.error(.inconsistent, "tensor \(name) raw_length is \(rawLength), its shape \(shape) of \(layout) needs \(rawCount)", at: lengthOffset)
        }
        let storedStart = d.position
        let stored = UnsafeRawBufferPointer(rebasing: bytes[storedStart..<d.end])
        var raw: [UInt8]
        if codec == 0 {
            guard stored.count == rawCount else {
                throw d.error(.inconsistent, "tensor \(name) is stored raw in \(stored.count) bytes, expected \(rawCount)", at: storedStart)
            }
            raw = Array(stored)
        } else {
            guard rawCount <= Limits.maxInflateRatio * stored.count + 64 else {
                throw d.error(.limitExceeded, "tensor \(name) declares \(rawCount) bytes from a \(stored.count)-byte zlib stream, more than deflate can expand (decompression bomb)", at: lengthOffset)
            }
            switch zlibInflate(stored, rawLength: rawCount) {
            case .success(let inflated): raw = inflated
            case .failure(let failure): throw d.error(.decompressionFailed, "tensor \(name): \(failure.reason)", at: storedStart)
            }
        }
        d.position = d.end
        if filter == 1 { raw = unshuffleTensor(raw, dtype: dtype, elements: elements) }
        let data = decodeTensorData(raw, dtype: dtype, elements: elements)
        if let problem = TensorRules.valueProblem(data, tensor: name) {
            // A raw tensor's bytes are in the file as they are: name the culprit's own byte.
            throw d.error(.malformed, problem.message, at: codec == 0 ? storedStart + problem.rawOffset : storedStart)
        }
        let tensor = Tensor(name: name, shape: shape, data: data)
        if name.hasSuffix(".running_var"), let bad = tensor.values.first(where: { !($0 >= 0) }) {
            throw d.error(.malformed, "tensor \(name) holds \(bad); a variance must be ≥ 0", at: storedStart)
        }
        tensors[info.index] = tensor
    }

    mutating func parseNormalization(_ d: inout ByteSource) throws(FormatError) {
        guard !layers.isEmpty else { throw d.error(.malformed, "NORM before ARCH") }
        let start = d.position
        let kindCode = try d.u8("normalization kind")
        guard let kind = InputNormalization.Kind(rawValue: kindCode) else {
            throw d.error(.malformed, "normalization kind is \(kindCode), expected 1 (standard) or 2 (min-max)", at: start)
        }
        let inputCount = inputShape.reduce(1, *)
        let countOffset = d.position
        let count = Int(try d.u32("normalization count"))
        guard count == 1 || count == inputCount else {
            throw d.error(.inconsistent, "normalization count is \(count), expected 1 or \(inputCount) (one per input value)", at: countOffset)
        }
        let first = try d.floats(count, "normalization values")
        let second = try d.floats(count, "normalization values")
        let n = InputNormalization(kind: kind, first: first, second: second)
        try ModelFile.validate(n, inputCount: inputCount, offset: start)
        normalization = n
    }

    mutating func parseMetadata(_ d: inout ByteSource) throws(FormatError) {
        let countOffset = d.position
        let count = Int(try d.u32("metadata entry_count"))
        guard count <= Limits.maxMetadataEntries else {
            throw d.error(.limitExceeded, "\(count) metadata entries; the limit is \(Limits.maxMetadataEntries)", at: countOffset)
        }
        var pairs: [(String, MetadataValue)] = []
        var previous: [UInt8]? = nil
        for i in 0..<count {
            let keyOffset = d.position
            let key = try d.str("metadata key \(i)")
            let keyBytes = Array(key.utf8)
            guard !keyBytes.isEmpty else { throw d.error(.malformed, "metadata key \(i) is empty", at: keyOffset) }
            if let previous, !previous.lexicographicallyPrecedes(keyBytes) {
                throw d.error(.malformed, "metadata key \"\(key)\" is out of order or repeated; keys must be sorted and unique", at: keyOffset)
            }
            previous = keyBytes
            let typeOffset = d.position
            let type = try d.u8("type of metadata \(key)")
            let value: MetadataValue
            switch type {
            case 1: value = .string(try d.str("metadata \(key)"))
            case 2:
                let number = try d.f64("metadata \(key)")
                guard number.isFinite else { throw d.error(.malformed, "metadata \(key) is \(number); numbers must be finite", at: typeOffset + 1) }
                value = .number(number)
            case 3: value = .bool(try d.flag("metadata \(key)"))
            case 4: value = .stringList(try d.strlist("metadata \(key)"))
            default: throw d.error(.malformed, "metadata \(key) has type \(type), expected 1 (string), 2 (number), 3 (bool) or 4 (string list)", at: typeOffset)
            }
            pairs.append((key, value))
        }
        metadata = Metadata(pairs)
    }

    mutating func parseSelfTest(_ d: inout ByteSource) throws(FormatError) {
        let start = d.position
        let tolerance = try d.f32("self-test tolerance")
        let rowsOffset = d.position
        let rows = Int(try d.u32("self-test rows"))
        guard (1...Limits.maxSelfTestRows).contains(rows) else {
            throw d.error(rows == 0 ? .malformed : .limitExceeded, "self-test has \(rows) rows, expected 1...\(Limits.maxSelfTestRows)", at: rowsOffset)
        }
        let widthOffset = d.position
        let inputWidth = Int(try d.u32("self-test input_width"))
        let outputWidth = Int(try d.u32("self-test output_width"))
        guard inputWidth == inputShape.reduce(1, *), outputWidth == self.outputWidth else {
            throw d.error(.inconsistent, "self-test widths are \(inputWidth)→\(outputWidth), the model maps \(inputShape.reduce(1, *))→\(self.outputWidth)", at: widthOffset)
        }
        var inputs: [[Float]] = [], outputs: [[Float]] = []
        for r in 0..<rows { inputs.append(try d.floats(inputWidth, "self-test input row \(r)")) }
        for r in 0..<rows { outputs.append(try d.floats(outputWidth, "self-test output row \(r)")) }
        let test = SelfTest(tolerance: tolerance, inputs: inputs, outputs: outputs)
        try ModelFile.validate(test, inputWidth: inputWidth, outputWidth: outputWidth, offset: start)
        selfTest = test
    }
}

/// Undoes filter 1 (docs/FORMAT.md §4): 4-byte planes over float32 values, 2-byte planes over
/// float16 values, and for int8 4-byte planes over the scales only (the int8 values follow them
/// unshuffled).
func unshuffleTensor(_ filtered: [UInt8], dtype: TensorDType, elements: Int) -> [UInt8] {
    switch dtype {
    case .float32: return unshuffle(filtered, elementSize: 4)
    case .float16: return unshuffle(filtered, elementSize: 2)
    case .int8:
        let scaleBytes = filtered.count - elements
        return unshuffle(Array(filtered[0..<scaleBytes]), elementSize: 4) + filtered[scaleBytes...]
    }
}

/// The values of a tensor's raw (decompressed, unshuffled) little-endian bytes, whose length the
/// reader has checked against the dtype.
func decodeTensorData(_ raw: [UInt8], dtype: TensorDType, elements: Int) -> TensorData {
    raw.withUnsafeBytes { buffer in
        switch dtype {
        case .float32:
            return .float32((0..<elements).map { Float(bitPattern: buffer.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self).littleEndian) })
        case .float16:
            return .float16((0..<elements).map { buffer.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self).littleEndian })
        case .int8:
            let channels = (raw.count - elements) / 4
            let scales = (0..<channels).map { Float(bitPattern: buffer.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self).littleEndian) }
            return .int8(scales: scales, values: (0..<elements).map { Int8(bitPattern: buffer[4 * channels + $0]) })
        }
    }
}

func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
}

func hex32(_ value: UInt32) -> String {
    (0..<4).reversed().map { hex(UInt8(truncatingIfNeeded: value >> (8 * UInt32($0)))) }.joined().lowercased()
}
