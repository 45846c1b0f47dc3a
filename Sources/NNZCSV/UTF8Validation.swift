/// UTF-8 checks for text cells (header names, pass-through columns).
public enum UTF8Validation {
    /// The 0-based index of the first byte that makes `bytes` invalid UTF-8 (overlong forms,
    /// surrogates and code points above U+10FFFF included), or nil when it is valid.
    public static func firstInvalidByte(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        firstInvalidUTF8(bytes)
    }

    /// How an error message shows a byte: `'a'`, `a line feed`, `byte 0xFF`.
    public static func describe(_ byte: UInt8) -> String {
        describeByte(byte)
    }
}
