/// Where one chunk sits in a file and how big it is, for tools such as `nninfer inspect`.
public struct ChunkInfo: Equatable, Sendable {
    /// The 4-letter chunk type, e.g. `TNSR`.
    public var type: String
    /// Byte offset of the chunk's length field.
    public var offset: Int
    /// Data bytes as stored in the file.
    public var storedLength: Int
    /// For tensors: its name.
    public var tensorName: String?
    /// For tensors: bytes after decompression. Otherwise equal to ``storedLength``.
    public var rawLength: Int
    /// For tensors: `raw`, `zlib` or `zlib+shuffle`.
    public var encoding: String?
    /// For tensors: the stored dtype.
    public var dtype: TensorDType?
    /// Whether a reader that does not know this type must refuse the file.
    public var isCritical: Bool
}

extension NNZReader {
    /// Lists the chunks of a file after validating it completely with ``decode(_:)``.
    ///
    /// ```swift
    /// for chunk in try NNZReader.chunks(bytes) { print(chunk.type, chunk.storedLength) }
    /// ```
    public static func chunks(_ bytes: [UInt8]) throws(FormatError) -> [ChunkInfo] {
        try decodeWithChunks(bytes).chunks
    }

    /// Decodes and validates a file (as ``decode(_:)``) and lists its chunks, in one pass over
    /// the validation work.
    ///
    /// ```swift
    /// let (model, chunks) = try NNZReader.decodeWithChunks(bytes)
    /// ```
    public static func decodeWithChunks(_ bytes: [UInt8]) throws(FormatError) -> (model: ModelFile, chunks: [ChunkInfo]) {
        let (model, chunks) = try decodeValidatedWithChunks(bytes)
        return (model.file, chunks)
    }

    /// ``decodeWithChunks(_:)``, keeping what validation derived (layer shapes).
    public static func decodeValidatedWithChunks(_ bytes: [UInt8]) throws(FormatError) -> (model: ValidatedModel, chunks: [ChunkInfo]) {
        let model = try decodeValidated(bytes)
        return (model, listChunks(bytes))
    }

    /// Walks the chunk frames of a file that has already been validated.
    static func listChunks(_ bytes: [UInt8]) -> [ChunkInfo] {
        var result: [ChunkInfo] = []
        var position = Limits.headerSize
        while position + Limits.chunkOverhead <= bytes.count {
            let length = (0..<4).reduce(0) { $0 | Int(bytes[position + $1]) << (8 * $1) }
            let type = String(decoding: bytes[(position + 4)..<(position + 8)], as: UTF8.self)
            var info = ChunkInfo(type: type, offset: position, storedLength: length, tensorName: nil,
                                 rawLength: length, encoding: nil, dtype: nil, isCritical: bytes[position + 4] < 0x61)
            if type == ChunkType.tensor {
                bytes.withUnsafeBytes { buffer in
                    var d = ByteSource(buffer, from: position + 8, to: position + 8 + length, chunk: type)
                    // The file was validated above, so these reads cannot fail.
                    guard let name = try? d.str("name"), let dtype = try? d.u8("dtype"),
                          let codec = try? d.u8("codec"), let filter = try? d.u8("filter"),
                          let rank = try? d.u8("rank") else { return }
                    for _ in 0..<rank { _ = try? d.u32("dim") }
                    let raw = (try? d.u64("raw_length")) ?? 0
                    info.tensorName = name
                    info.dtype = TensorDType(rawValue: dtype)
                    info.rawLength = Int(raw)
                    info.storedLength = d.remaining
                    info.encoding = codec == 0 ? "raw" : (filter == 1 ? "zlib+shuffle" : "zlib")
                }
            }
            result.append(info)
            position += Limits.chunkOverhead + length
        }
        return result
    }
}
