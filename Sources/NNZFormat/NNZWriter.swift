#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NNZSystem

/// Turns a ``ModelFile`` into `.nnz` bytes, deterministically, and writes files atomically.
///
/// The header's version and `min_reader_version` are both the model's
/// ``ModelFile/minimumReaderVersion``: 1.0 unless a layer kind or a tensor dtype of format 1.1
/// is used.
///
/// The same model always gives the same bytes (no clocks, sorted metadata, fixed zlib
/// parameters), and `write(_:to:)` never leaves a half-written file behind: it writes a
/// temporary file beside the target, syncs it, then renames it over the target.
///
/// ```swift
/// try NNZWriter.write(model, to: "digits.nnz")
/// let bytes = try NNZWriter.encode(model)   // the same bytes, in memory
/// ```
public enum NNZWriter {
    /// The file's bytes. Validates the model first (``ModelFile/validate()``).
    public static func encode(_ model: ModelFile) throws(FormatError) -> [UInt8] {
        do { try model.validate() } catch { throw FormatError(.writeFailed, "model is invalid: \(error.message)") }
        var out = ByteSink()
        out.append(nnzSignature)
        // Both the version and min_reader_version are the lowest version that describes the file.
        let version = model.minimumReaderVersion
        for _ in 0..<2 {
            out.u16(UInt16(version.major))
            out.u16(UInt16(version.minor))
        }
        out.u64(0) // file_length, patched below
        out.u32(UInt32(0)) // header CRC, patched below

        var known: [(type: String, data: [UInt8])] = [(ChunkType.architecture, architectureData(model))]
        for tensor in model.tensors {
            known.append((ChunkType.tensor, tensorData(tensor)))
        }
        if let n = model.normalization {
            var data = ByteSink()
            data.u8(n.kind.rawValue)
            data.u32(n.first.count)
            data.floats(n.first)
            data.floats(n.second)
            known.append((ChunkType.normalization, data.bytes))
        }
        if !model.metadata.isEmpty {
            known.append((ChunkType.metadata, metadataData(model.metadata)))
        }
        if let t = model.selfTest {
            var data = ByteSink()
            data.f32(t.tolerance)
            data.u32(t.inputs.count)
            data.u32(t.inputs.first?.count ?? 0)
            data.u32(t.outputs.first?.count ?? 0)
            for row in t.inputs { data.floats(row) }
            for row in t.outputs { data.floats(row) }
            known.append((ChunkType.selfTest, data.bytes))
        }
        // Each carried ancillary chunk goes after as many known chunks as preceded it in the
        // file it came from (at least ARCH, at most all): docs/FORMAT.md §11.
        for (index, chunk) in known.enumerated() {
            appendChunk(chunk.type, chunk.data, to: &out)
            let placed = index + 1
            for a in model.ancillaryChunks where max(1, min(a.afterKnownChunks, known.count)) == placed {
                appendChunk(a.type, a.data, to: &out)
            }
        }
        appendChunk(ChunkType.end, [], to: &out)

        guard out.bytes.count <= Limits.maxFileLength else {
            throw FormatError(.writeFailed, "the model needs \(out.bytes.count) bytes; the format's limit is \(Limits.maxFileLength)")
        }
        let length = UInt64(out.bytes.count)
        for i in 0..<8 { out.bytes[16 + i] = UInt8(truncatingIfNeeded: length >> (8 * UInt64(i))) }
        let crc = out.bytes.withUnsafeBytes { crc32Of(UnsafeRawBufferPointer(rebasing: $0[0..<24])) }
        for i in 0..<4 { out.bytes[24 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        return out.bytes
    }

    /// Encodes `model` and writes it to `path` atomically (temporary file, fsync, rename).
    public static func write(_ model: ModelFile, to path: String) throws(FormatError) {
        let bytes = try encode(model)
        try writeAtomically(bytes, to: path)
    }

    /// Writes `bytes` to `path` through a temporary file in the same directory, so a crash
    /// leaves either the old file or the complete new one.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(FormatError) {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw FormatError(.writeFailed, "cannot create \(temporary): \(errnoText())", path: path)
        }
        let status = bytes.withUnsafeBytes { writeAll($0, to: fd) }
        if status != 0 {
            let reason = String(cString: strerror(status))
            close(fd)
            unlink(temporary)
            throw FormatError(.writeFailed, "cannot write \(temporary): \(reason)", path: path)
        }
        if fsync(fd) != 0 {
            let reason = errnoText()
            close(fd)
            unlink(temporary)
            throw FormatError(.writeFailed, "cannot sync \(temporary): \(reason)", path: path)
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let reason = errnoText()
            unlink(temporary)
            throw FormatError(.writeFailed, "cannot rename \(temporary) to \(path): \(reason)", path: path)
        }
        // Make the rename itself durable.
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let dirFD = open(directory.isEmpty ? "/" : directory, O_RDONLY)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            close(dirFD)
        }
    }

    static func appendChunk(_ type: String, _ data: [UInt8], to out: inout ByteSink) {
        out.u32(data.count)
        let typeBytes = Array(type.utf8)
        var crc = crc32Of(typeBytes)
        crc = data.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress, buffer.count > 0 else { return crc }
            return UInt32(truncatingIfNeeded: CZlibCRC.update(crc, base, buffer.count))
        }
        out.append(typeBytes)
        out.append(data)
        out.u32(crc)
    }

    static func architectureData(_ model: ModelFile) -> [UInt8] {
        var d = ByteSink()
        d.u8(model.outputKind.rawValue)
        d.u8(UInt8(model.inputShape.count))
        for dim in model.inputShape { d.u32(dim) }
        d.u32(model.layers.count)
        for layer in model.layers {
            let format = layer.format
            d.u8(format.kindCode)
            format.encode(into: &d)
        }
        return d.bytes
    }

    /// TNSR data by the writer policy (docs/FORMAT.md §4): the raw little-endian bytes of the
    /// dtype, byte-shuffled (float32: 4-byte planes; float16: 2-byte planes; int8: 4-byte planes
    /// over the scales, values as they are) and compressed with ``zlibCompress(_:)``; stored raw,
    /// unshuffled, when the stream is not shorter.
    static func tensorData(_ tensor: Tensor) -> [UInt8] {
        var raw = ByteSink()
        let filtered: [UInt8]
        switch tensor.data {
        case .float32(let values):
            raw.floats(values)
            filtered = shuffle(raw.bytes, elementSize: 4)
        case .float16(let bits):
            raw.bytes.reserveCapacity(2 * bits.count)
            for h in bits { raw.u16(h) }
            filtered = shuffle(raw.bytes, elementSize: 2)
        case .int8(let scales, let values):
            raw.floats(scales)
            filtered = shuffle(raw.bytes, elementSize: 4) + values.map { UInt8(bitPattern: $0) }
            raw.append(values.map { UInt8(bitPattern: $0) })
        }
        var codec: UInt8 = 0, filter: UInt8 = 0
        var stored = raw.bytes
        if let compressed = zlibCompress(filtered), compressed.count < raw.bytes.count {
            codec = 1
            filter = 1
            stored = compressed
        }
        var d = ByteSink()
        d.str(tensor.name)
        d.u8(tensor.dtype.rawValue)
        d.u8(codec)
        d.u8(filter)
        d.u8(UInt8(tensor.shape.count))
        for dim in tensor.shape { d.u32(dim) }
        d.u64(UInt64(raw.bytes.count))
        d.append(stored)
        return d.bytes
    }

    static func metadataData(_ metadata: Metadata) -> [UInt8] {
        var d = ByteSink()
        d.u32(metadata.entries.count)
        for (key, value) in metadata.entries {
            d.str(key)
            switch value {
            case .string(let s): d.u8(1); d.str(s)
            case .number(let v): d.u8(2); d.f64(v)
            case .bool(let b): d.u8(3); d.u8(b ? 1 : 0)
            case .stringList(let l): d.u8(4); d.strlist(l)
            }
        }
        return d.bytes
    }
}

func errnoText() -> String {
    String(cString: strerror(errno))
}

@inline(__always)
func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}
