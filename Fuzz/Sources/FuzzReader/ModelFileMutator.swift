import FuzzSupport

// Structure-aware mutation of .nnz files (docs/FORMAT.md §2–§4), written from the spec at the
// byte level and independent of NNZFormat, so that the fuzzer does not inherit the reader's bugs.
//
// Why: a random byte flip almost always breaks a CRC-32, so plain mutation stops at the checksum
// checks and the chunk parsers and validation behind them are barely reached. Most mutations here
// therefore change a file's chunks and then *re-frame* it (chunk lengths and CRCs, file_length,
// header CRC recomputed); one in eight stays a raw, un-re-framed libFuzzer mutation so that the
// framing and CRC paths stay covered.

/// xorshift64*: the mutator's only randomness, seeded by libFuzzer so that runs are reproducible.
struct MutationRandom {
    var state: UInt64

    init(seed: UInt32) { state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1 }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    /// Uniform in 0..<n (n > 0).
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    mutating func chance(_ oneIn: Int) -> Bool { below(oneIn) == 0 }
}

/// One chunk: its 4 type bytes and its data (length and CRC are recomputed when framing).
struct RawChunk {
    var type: [UInt8]
    var data: [UInt8]
}

/// CRC-32 (ISO-HDLC, FORMAT.md §1), computed in FuzzSupport's C.
enum CRC32 {
    static func of(_ parts: [UInt8]...) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for part in parts {
            part.withUnsafeBufferPointer { c = nnz_fuzz_crc32_update(c, $0.baseAddress, $0.count) }
        }
        return c ^ 0xFFFF_FFFF
    }

    static func of(_ p: UnsafePointer<UInt8>, _ count: Int) -> UInt32 {
        nnz_fuzz_crc32_update(0xFFFF_FFFF, p, count) ^ 0xFFFF_FFFF
    }
}

func readU32(_ b: [UInt8], _ at: Int) -> UInt32? {
    guard at >= 0, at + 4 <= b.count else { return nil }
    return UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
}

func appendU32(_ b: inout [UInt8], _ v: UInt32) {
    for i in 0..<4 { b.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) }
}

func appendU64(_ b: inout [UInt8], _ v: UInt64) {
    for i in 0..<8 { b.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
}

func storeU32(_ b: UnsafeMutablePointer<UInt8>, _ v: UInt32) {
    for i in 0..<4 { b[i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
}

/// A file split into its 28-byte header and its chunks, leniently (whatever the lengths say).
struct FramedFile {
    static let headerSize = 28
    static let signature: [UInt8] = [0x89, 0x4E, 0x4E, 0x5A, 0x0D, 0x0A, 0x1A, 0x0A]
    static let nend: [UInt8] = Array("NEND".utf8)

    var header: [UInt8]
    var chunks: [RawChunk]

    /// Nil when there is no room for a header. A chunk whose length runs past the end keeps the
    /// bytes there are; bytes too few for a frame become an empty chunk of whatever type they hold.
    init?(_ bytes: [UInt8]) {
        guard bytes.count >= Self.headerSize else { return nil }
        header = Array(bytes[0..<Self.headerSize])
        chunks = []
        var at = Self.headerSize
        while at + 8 <= bytes.count, chunks.count < 512 {
            let length = Int(readU32(bytes, at)!)
            let type = Array(bytes[(at + 4)..<(at + 8)])
            let dataEnd = min(bytes.count, at + 8 + length)
            chunks.append(RawChunk(type: type, data: Array(bytes[(at + 8)..<dataEnd])))
            at = dataEnd + 4
        }
    }

    /// Header with the signature restored (usually), file_length and the header CRC recomputed,
    /// then every chunk with its true length and CRC.
    func framed(keepSignature: Bool) -> [UInt8] {
        var out = header
        if !keepSignature { out.replaceSubrange(0..<8, with: Self.signature) }
        let total = Self.headerSize + chunks.reduce(0) { $0 + 12 + $1.data.count }
        out.replaceSubrange(16..<24, with: withUnsafeBytes(of: UInt64(total).littleEndian, Array.init))
        out.replaceSubrange(24..<28, with: withUnsafeBytes(of: CRC32.of(Array(out[0..<24])).littleEndian, Array.init))
        out.reserveCapacity(total)
        for chunk in chunks {
            appendU32(&out, UInt32(chunk.data.count))
            out += chunk.type
            out += chunk.data
            appendU32(&out, CRC32.of(chunk.type, chunk.data))
        }
        return out
    }

    /// Recomputes the header CRC, file_length and every complete chunk's CRC in place, keeping
    /// the lengths the bytes declare (for raw mutations that changed a length field: the chunk
    /// walk then follows the new length).
    static func reframeInPlace(_ b: UnsafeMutablePointer<UInt8>, _ size: Int) {
        guard size >= headerSize else { return }
        var length = UInt64(size)
        for i in 0..<8 { b[16 + i] = UInt8(truncatingIfNeeded: length); length >>= 8 }
        storeU32(b + 24, CRC32.of(b, 24))
        var at = headerSize
        while at + 12 <= size {
            let n = Int(UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24)
            guard n <= size - at - 12 else { return }
            storeU32(b + at + 8 + n, CRC32.of(b + at + 4, 4 + n))
            at += 12 + n
        }
    }
}

/// What an ARCH chunk declares, as far as the mutator needs it: the learned tensors each layer
/// expects (name and shape, FORMAT.md §3–§4) and the byte offsets of its integer fields.
struct ArchSummary {
    var tensors: [(name: String, shape: [UInt32], nonNegative: Bool)] = []
    /// Offsets (in the ARCH data) of u32 fields: input dims, layer_count, dims, strides, pads.
    var u32Fields: [Int] = []
    /// Offsets of u8 fields: output_kind, input_rank, layer kinds, flags.
    var u8Fields: [Int] = []

    /// Parses as far as the data makes sense; what was parsed before a bad byte is kept.
    init(_ d: [UInt8]) {
        guard d.count >= 2 else { return }
        u8Fields = [0, 1]
        let rank = Int(d[1])
        var at = 2
        guard rank <= 4 else { return }
        for _ in 0..<rank {
            guard readU32(d, at) != nil else { return }
            u32Fields.append(at)
            at += 4
        }
        guard let count = readU32(d, at) else { return }
        u32Fields.append(at)
        at += 4
        for index in 0..<min(Int(count), 64) {
            guard at < d.count else { return }
            u8Fields.append(at)
            let kind = d[at]
            at += 1
            let prefix = "layers.\(index)."
            func u32s(_ n: Int) -> [UInt32]? {
                var r: [UInt32] = []
                for _ in 0..<n {
                    guard let v = readU32(d, at) else { return nil }
                    u32Fields.append(at)
                    r.append(v)
                    at += 4
                }
                return r
            }
            func flag() -> UInt8? {
                guard at < d.count else { return nil }
                u8Fields.append(at)
                at += 1
                return d[at - 1]
            }
            switch kind {
            case 1:
                guard let f = u32s(2), let bias = flag() else { return }
                tensors.append((prefix + "weight", [f[0], f[1]], false))
                if bias == 1 { tensors.append((prefix + "bias", [f[1]], false)) }
            case 2:
                guard let f = u32s(8), let bias = flag() else { return }
                tensors.append((prefix + "weight", [f[1], f[0], f[2], f[3]], false))
                if bias == 1 { tensors.append((prefix + "bias", [f[1]], false)) }
            case 3:
                guard u32s(6) != nil else { return }
            case 4, 5, 6, 7, 8:
                break
            case 9:
                at += 4
                guard flag() != nil else { return }
            case 10:
                guard flag() != nil, let c = u32s(1) else { return }
                at += 8
                for name in ["gamma", "beta", "running_mean", "running_var"] {
                    tensors.append((prefix + name, [c[0]], name == "running_var"))
                }
            case 11: // avgpool (format 1.1): the six window fields, count_include_pad
                guard u32s(6) != nil, flag() != nil else { return }
            case 12: // globalavgpool
                break
            case 13: // leakyrelu: f32 alpha
                at += 4
            default:
                return
            }
        }
    }
}

enum ModelFileMutator {
    /// Values that sit on the format's limits and on the runtime's (FORMAT.md §9, the conv2d
    /// padded-input rule: C·(H+2·pad_h)·(W+2·pad_w) ≤ 2^28 per sample).
    static let interestingU32: [UInt32] = [
        0, 1, 2, 3, 4, 7, 8, 16, 255, 256, 4095, 4096, 4097, 16383, 16384,
        65534, 65535, 65536, 1 << 24, (1 << 24) + 1, 1 << 28, (1 << 28) + 1, 1 << 30, (1 << 30) + 1,
        1 << 31, 0xFFFF_FFFF, 8190, 8191, 8192, 16382,
    ]

    /// Largest total of regenerated tensor bytes (keeps each execution fast).
    static let tensorBudget = 1 << 16

    static func mutate(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int, _ seed: UInt32) -> Int {
        var random = MutationRandom(seed: seed)
        // One in eight: a plain libFuzzer mutation, CRCs left as they fall.
        if random.chance(8) || size < FramedFile.headerSize {
            return LLVMFuzzerMutate(data, size, maxSize)
        }
        // One in four of the rest: raw mutation, then the CRCs fixed for the lengths it left.
        if random.chance(4) {
            let n = LLVMFuzzerMutate(data, size, maxSize)
            FramedFile.reframeInPlace(data, n)
            return n
        }
        guard var file = FramedFile(Array(UnsafeBufferPointer(start: data, count: size))) else {
            return LLVMFuzzerMutate(data, size, maxSize)
        }
        let rounds = 1 + random.below(3)
        for _ in 0..<rounds { mutateStructure(&file, &random, maxSize) }
        let out = file.framed(keepSignature: random.chance(64))
        guard out.count <= maxSize else { return LLVMFuzzerMutate(data, size, maxSize) }
        out.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: out.count) }
        return out.count
    }

    /// Chunk-level crossover: chunks of the second file replace or join the first's (the
    /// tensors then follow the ARCH again half the time), re-framed. libFuzzer's byte crossover
    /// would break the CRCs of both halves.
    static func crossOver(_ a: UnsafePointer<UInt8>, _ aSize: Int, _ b: UnsafePointer<UInt8>, _ bSize: Int,
                          _ out: UnsafeMutablePointer<UInt8>, _ maxOutSize: Int, _ seed: UInt32) -> Int {
        var random = MutationRandom(seed: seed)
        guard var first = FramedFile(Array(UnsafeBufferPointer(start: a, count: aSize))),
              let second = FramedFile(Array(UnsafeBufferPointer(start: b, count: bSize))),
              !first.chunks.isEmpty, !second.chunks.isEmpty else { return 0 }
        for _ in 0..<(1 + random.below(2)) {
            let donor = second.chunks[random.below(second.chunks.count)]
            if random.chance(2), let same = first.chunks.firstIndex(where: { $0.type == donor.type }) {
                first.chunks[same] = donor
            } else {
                first.chunks.insert(donor, at: random.below(first.chunks.count + 1))
            }
        }
        if random.chance(2) { regenerateTensors(&first, &random) }
        let bytes = first.framed(keepSignature: false)
        guard bytes.count <= maxOutSize else { return 0 }
        bytes.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: bytes.count) }
        return bytes.count
    }

    static func mutateStructure(_ file: inout FramedFile, _ random: inout MutationRandom, _ maxSize: Int) {
        let knownTypes = ["ARCH", "TNSR", "NORM", "META", "test", "NEND", "QNTZ", "zzzz", "arch", "Arch"]
        if file.chunks.isEmpty {
            file.chunks.append(RawChunk(type: FramedFile.nend, data: []))
        }
        let pick = random.below(file.chunks.count)
        switch random.below(16) {
        case 0..<6:
            // The chunk's data through libFuzzer's mutator (dictionary included).
            file.chunks[pick].data = mutateBytes(file.chunks[pick].data, random.below(2) == 0 ? 64 : 4096, maxSize)
        case 6, 7:
            // An integer field of ARCH set to a limit value; the tensors then follow the new shapes.
            if let a = file.chunks.firstIndex(where: { $0.type == Array("ARCH".utf8) }) {
                let summary = ArchSummary(file.chunks[a].data)
                if !summary.u32Fields.isEmpty, random.below(4) != 0 {
                    let at = summary.u32Fields[random.below(summary.u32Fields.count)]
                    var v = interestingU32[random.below(interestingU32.count)]
                    if random.chance(3) { v = UInt32(truncatingIfNeeded: Int(v) + random.below(5) - 2) }
                    file.chunks[a].data.withUnsafeMutableBufferPointer { storeU32($0.baseAddress! + at, v) }
                } else if !summary.u8Fields.isEmpty {
                    let at = summary.u8Fields[random.below(summary.u8Fields.count)]
                    file.chunks[a].data[at] = UInt8(random.below(12))
                }
                if !random.chance(4) { regenerateTensors(&file, &random) }
            }
        case 8, 9:
            regenerateTensors(&file, &random)
        case 10:
            file.chunks.insert(file.chunks[pick], at: random.below(file.chunks.count + 1))
        case 11:
            if file.chunks.count > 1 { file.chunks.remove(at: pick) }
        case 12:
            file.chunks.swapAt(pick, random.below(file.chunks.count))
        case 13:
            file.chunks[pick].type = Array(knownTypes[random.below(knownTypes.count)].utf8)
        case 14:
            // Header versions (bytes 8..<16): one u16 set to 0, 1, 2 or 0xFFFF.
            let field = 8 + 2 * random.below(4)
            let v: UInt16 = [0, 1, 2, 0xFFFF][random.below(4)]
            file.header[field] = UInt8(v & 0xFF)
            file.header[field + 1] = UInt8(v >> 8)
        default:
            // NEND made last again (after moves), or a copy of the chunk with ancillary type.
            if random.chance(2) {
                file.chunks.removeAll { $0.type == FramedFile.nend }
                file.chunks.append(RawChunk(type: FramedFile.nend, data: []))
            } else {
                var copy = file.chunks[pick]
                copy.type[0] |= 0x20
                file.chunks.insert(copy, at: random.below(file.chunks.count + 1))
            }
        }
    }

    static func mutateBytes(_ bytes: [UInt8], _ room: Int, _ maxSize: Int) -> [UInt8] {
        let capacity = min(bytes.count + room, max(maxSize, bytes.count))
        var buffer = bytes + [UInt8](repeating: 0, count: capacity - bytes.count)
        let n = buffer.withUnsafeMutableBufferPointer { LLVMFuzzerMutate($0.baseAddress!, bytes.count, capacity) }
        buffer.removeSubrange(n...)
        return buffer
    }

    /// Replaces every TNSR chunk by the tensors the ARCH chunk asks for (stored raw, in canonical
    /// order, right after ARCH) holding small values, so that a mutated architecture reaches
    /// shape validation, compilation and prediction instead of failing on the tensor set.
    static func regenerateTensors(_ file: inout FramedFile, _ random: inout MutationRandom) {
        guard let a = file.chunks.firstIndex(where: { $0.type == Array("ARCH".utf8) }) else { return }
        let summary = ArchSummary(file.chunks[a].data)
        var fresh: [RawChunk] = []
        var budget = tensorBudget
        for t in summary.tensors {
            var count: UInt64 = 1
            for d in t.shape { count = count.multipliedReportingOverflow(by: UInt64(d)).partialValue }
            let bytes = count &* 4
            // A tensor too large to write keeps the right header and no values: the reader must
            // refuse it on its own (raw_length vs stored length).
            let stored = bytes <= UInt64(budget) ? Int(bytes) : 0
            budget -= stored
            var d: [UInt8] = []
            appendU32(&d, UInt32(t.name.utf8.count))
            d += Array(t.name.utf8)
            d += [1, 0, 0, UInt8(t.shape.count)]
            for s in t.shape { appendU32(&d, s) }
            appendU64(&d, bytes)
            var values = [Float](repeating: 0, count: stored / 4)
            for i in values.indices {
                let v = Float(random.below(2001) - 1000) / 1000
                values[i] = t.nonNegative ? abs(v) : v
            }
            values.withUnsafeBytes { d.append(contentsOf: $0) }   // little-endian host (x86_64, arm64)
            fresh.append(RawChunk(type: Array("TNSR".utf8), data: d))
        }
        file.chunks.removeAll { $0.type == Array("TNSR".utf8) }
        file.chunks.insert(contentsOf: fresh, at: min(a + 1, file.chunks.count))
        // A NORM whose count no longer fits the input: one pair for every value instead.
        if let n = file.chunks.firstIndex(where: { $0.type == Array("NORM".utf8) }), random.chance(2) {
            file.chunks[n].data = [1, 1, 0, 0, 0] + withUnsafeBytes(of: Float(0).bitPattern, Array.init)
                + withUnsafeBytes(of: Float(1).bitPattern, Array.init)
        }
    }
}
