/// An ancillary chunk this reader does not know, carried from the file it was read from to the
/// file a writer produces, byte for byte (docs/FORMAT.md §11).
///
/// Its place is kept as the number of known chunks (ARCH, TNSR…, NORM, META, test) before it, so
/// read → write puts it back where it was. A chunk built in memory with the default place goes
/// just before NEND.
///
/// ```swift
/// var model = try NNZReader.read(path: "with_ancillary.nnz")
/// model.ancillaryChunks.append(AncillaryChunk(type: "prVt", data: Array("mine".utf8)))
/// try NNZWriter.write(model, to: "out.nnz")   // the file's own chunks stay where they were
/// ```
public struct AncillaryChunk: Equatable, Sendable {
    /// Four ASCII letters, the first lowercase (ancillary), not a type format 1.0 knows.
    public var type: String
    /// The chunk's data, exactly as stored.
    public var data: [UInt8]
    /// How many known chunks precede it; the writer places it after that many (at least after
    /// ARCH, at most just before NEND). `Int.max` means "just before NEND".
    public var afterKnownChunks: Int

    public init(type: String, data: [UInt8], afterKnownChunks: Int = .max) {
        self.type = type
        self.data = data
        self.afterKnownChunks = afterKnownChunks
    }

    /// Why this chunk cannot be written, or nil when it can.
    var problem: String? {
        let bytes = Array(type.utf8)
        guard bytes.count == 4, bytes.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
            return "ancillary chunk type \"\(type)\" is not 4 ASCII letters"
        }
        guard (0x61...0x7A).contains(bytes[0]) else {
            return "chunk type \(type) is critical (uppercase first letter); only ancillary chunks are carried"
        }
        guard Parser.orderRank[type] == nil else {
            return "chunk type \(type) is a known chunk of format 1.0, not an unknown ancillary one"
        }
        guard data.count <= Limits.maxChunkLength else {
            return "ancillary chunk \(type) holds \(data.count) bytes; the limit is \(Limits.maxChunkLength)"
        }
        return nil
    }
}
