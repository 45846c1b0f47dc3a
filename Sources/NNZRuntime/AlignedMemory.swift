/// Float storage aligned to 64 bytes, so that 512-bit loads never straddle two cache lines.
func allocateAligned(floats count: Int) -> UnsafeMutablePointer<Float> {
    UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * MemoryLayout<Float>.stride, alignment: 64)
        .bindMemory(to: Float.self, capacity: max(1, count))
}

/// Frees what ``allocateAligned(floats:)`` returned.
func deallocateAligned(_ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).deallocate()
}
