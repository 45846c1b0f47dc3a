import NNZKernels

/// Runs `body(0..<count)` on the calling thread and the kernel pool's workers, returning when
/// all are done. Small jobs should not come here: see ``Model/partCount(rows:threads:)``.
func parallelFor(_ count: Int, _ body: (Int) -> Void) {
    guard count > 1 else {
        if count == 1 { body(0) }
        return
    }
    withoutActuallyEscaping(body) { body in
        let box = TaskBox(body: body)
        withExtendedLifetime(box) {
            nnz_parallel_run(Int32(count), { context, index in
                Unmanaged<TaskBox>.fromOpaque(context!).takeUnretainedValue().body(Int(index))
            }, Unmanaged.passUnretained(box).toOpaque())
        }
    }
}

private final class TaskBox {
    let body: (Int) -> Void
    init(body: @escaping (Int) -> Void) { self.body = body }
}
