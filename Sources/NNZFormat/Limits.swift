/// The hard limits of format 1.x (docs/FORMAT.md §9; 1.1 added only the int8 reduction length). A reader refuses anything beyond them
/// before allocating; the writer refuses to produce it.
public enum Limits {
    /// Bytes before the first chunk.
    public static let headerSize = 28
    /// Length, type and CRC around each chunk's data.
    public static let chunkOverhead = 12
    /// Largest file a reader accepts.
    public static let maxFileLength = 1 << 31
    /// Largest chunk data.
    public static let maxChunkLength = 1 << 30
    /// Most chunks in a file, NEND included.
    public static let maxChunks = 65_536
    /// Most layers.
    public static let maxLayers = 4_096
    /// Largest dimension of an input, layer or tensor.
    public static let maxDimension = 1 << 24
    /// Largest padding.
    public static let maxPad = 65_535
    /// Largest stride.
    public static let maxStride = 65_535
    /// Most dimensions of a tensor.
    public static let maxTensorRank = 4
    /// Largest tensor, in bytes after decompression.
    public static let maxTensorBytes = 1 << 30
    /// Most values in one sample's activation (the input included).
    public static let maxActivationElements = 1 << 28
    /// Longest string, in UTF-8 bytes.
    public static let maxStringBytes = 65_536
    /// Most items in a string list.
    public static let maxListItems = 65_536
    /// Most metadata entries.
    public static let maxMetadataEntries = 4_096
    /// Most self-test rows.
    public static let maxSelfTestRows = 256
    /// Deflate cannot expand data by more than about 1032:1.
    public static let maxInflateRatio = 1_032
    /// Longest reduction of an int8 layer (a dense layer's inputs, a conv2d's
    /// `in_channels · kernel_h · kernel_w`): ⌊(2^31 − 1) / (255 · 127)⌋, so that summing u8 × int8
    /// products in int32 cannot overflow (format 1.1).
    public static let maxInt8ReductionLength = 66_311
}

/// The 8-byte signature `\x89NNZ\r\n\x1a\n`.
public let nnzSignature: [UInt8] = [0x89, 0x4E, 0x4E, 0x5A, 0x0D, 0x0A, 0x1A, 0x0A]

/// The chunk types of format 1.x (1.1 added none).
enum ChunkType {
    static let architecture = "ARCH"
    static let tensor = "TNSR"
    static let normalization = "NORM"
    static let metadata = "META"
    static let selfTest = "test"
    static let end = "NEND"
}
