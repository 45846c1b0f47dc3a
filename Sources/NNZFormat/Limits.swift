/// The hard limits of format 1.0 (docs/FORMAT.md §9). A reader refuses anything beyond them
/// before allocating; the writer refuses to produce it.
public enum Limits {
    public static let headerSize = 28
    public static let chunkOverhead = 12
    public static let maxFileLength = 1 << 31
    public static let maxChunkLength = 1 << 30
    public static let maxChunks = 65_536
    public static let maxLayers = 4_096
    public static let maxDimension = 1 << 24
    public static let maxPad = 65_535
    public static let maxStride = 65_535
    public static let maxTensorRank = 4
    public static let maxTensorBytes = 1 << 30
    public static let maxActivationElements = 1 << 28
    public static let maxStringBytes = 65_536
    public static let maxListItems = 65_536
    public static let maxMetadataEntries = 4_096
    public static let maxSelfTestRows = 256
    /// Deflate cannot expand data by more than about 1032:1.
    public static let maxInflateRatio = 1_032
}

/// The 8-byte signature `\x89NNZ\r\n\x1a\n`.
public let nnzSignature: [UInt8] = [0x89, 0x4E, 0x4E, 0x5A, 0x0D, 0x0A, 0x1A, 0x0A]

/// The chunk types of format 1.0.
enum ChunkType {
    static let architecture = "ARCH"
    static let tensor = "TNSR"
    static let normalization = "NORM"
    static let metadata = "META"
    static let selfTest = "test"
    static let end = "NEND"
}
