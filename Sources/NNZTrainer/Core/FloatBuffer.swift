/// A fixed-size, manually allocated block of `Float`s.
///
/// Layers keep their activations, gradients and scratch space in these, sized once for the
/// largest batch, so a training step allocates nothing. Reference semantics: a layer hands the
/// next layer a pointer into its output buffer, not a copy.
final class FloatBuffer {
    private(set) var pointer: UnsafeMutablePointer<Float>
    private(set) var count: Int

    init(count: Int) {
        self.count = count
        pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    deinit {
        pointer.deallocate()
    }

    /// Grows (never shrinks) to hold at least `newCount` values; contents are zeroed on growth.
    func reserve(_ newCount: Int) {
        guard newCount > count else { return }
        pointer.deallocate()
        pointer = UnsafeMutablePointer<Float>.allocate(capacity: newCount)
        pointer.initialize(repeating: 0, count: newCount)
        count = newCount
    }

    func fill(_ value: Float, count n: Int? = nil) {
        pointer.update(repeating: value, count: n ?? count)
    }

    /// A copy of the first `n` values (all by default).
    func array(count n: Int? = nil) -> [Float] {
        Array(UnsafeBufferPointer(start: pointer, count: n ?? count))
    }

    func copy(from values: [Float]) {
        precondition(values.count <= count)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }
}

/// A shared, growable block of `Int32`s (max-pool winners).
final class IndexBuffer {
    private(set) var pointer: UnsafeMutablePointer<Int32>
    private(set) var count: Int

    init(count: Int) {
        self.count = count
        pointer = UnsafeMutablePointer<Int32>.allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }

    func reserve(_ newCount: Int) {
        guard newCount > count else { return }
        pointer.deallocate()
        pointer = UnsafeMutablePointer<Int32>.allocate(capacity: newCount)
        pointer.initialize(repeating: 0, count: newCount)
        count = newCount
    }
}
