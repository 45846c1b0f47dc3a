#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Working memory kept between calls, so repeated predictions do not pay for fresh pages
/// (a 256 KB buffer allocated per call costs tens of microseconds in page faults).
/// Buffers are handed to one caller at a time; at most `capacity` are kept.
final class ScratchPool: @unchecked Sendable {
    private let plan: Plan
    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private var free: [Scratch] = []
    private let capacity = 8

    init(plan: Plan) {
        self.plan = plan
        lock = .allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
    }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    /// Runs `body` with a scratch for at least `rows` rows (or ``Plan/rowsPerPass``, if fewer:
    /// the plan then runs the batch in passes), then keeps it for the next caller.
    func with<R>(rows: Int, _ body: (Scratch) -> R) -> R {
        let rows = min(rows, plan.rowsPerPass)
        pthread_mutex_lock(lock)
        let index = free.firstIndex { $0.rows >= rows }
        let reused = index.map { free.remove(at: $0) }
        pthread_mutex_unlock(lock)
        let scratch = reused ?? Scratch(plan: plan, rows: rows)
        let result = body(scratch)
        pthread_mutex_lock(lock)
        if free.count < capacity {
            free.append(scratch)
        } else if let smallest = free.indices.min(by: { free[$0].rows < free[$1].rows }), free[smallest].rows < scratch.rows {
            free[smallest] = scratch
        }
        pthread_mutex_unlock(lock)
        return result
    }
}
