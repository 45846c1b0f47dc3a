/// The bytes RFC 4180 gives a meaning to (the delimiter is a parameter).
@usableFromInline
enum ASCII {
    @usableFromInline static let lineFeed: UInt8 = 0x0A
    @usableFromInline static let carriageReturn: UInt8 = 0x0D
    @usableFromInline static let quote: UInt8 = 0x22
}
