import Foundation

/// Timeouts for many short waits (one per request body) without one timer each.
///
/// `Task.sleep` arms a libdispatch timer per call and disarms it when the sleep is cancelled:
/// with a body timeout on every request that was 13 % of nnzserve's CPU at 26 k requests/s
/// (`perf record`: `_dispatch_mgr_thread`, `timerfd_settime`). Here every waiter is an entry in
/// one table, and one thread wakes every ``tick`` seconds and resumes the waiters whose deadline
/// has passed; a waiter whose task is cancelled is resumed at once. A deadline is therefore met
/// up to one tick late, never early.
final class Deadlines: @unchecked Sendable {
    static let shared = Deadlines(tick: 0.05)

    private enum Entry {
        case waiting(deadline: Double, resume: CheckedContinuation<Void, Never>)
        case cancelledEarly
    }

    let tick: Double
    static let idleTicks = 20
    private let condition = NSCondition()
    private var entries: [UInt64: Entry] = [:]
    private var nextID: UInt64 = 0
    private var threadStarted = false

    init(tick: Double) { self.tick = tick }

    /// Returns after `seconds`, or as soon as the calling task is cancelled.
    func sleep(seconds: Double) async {
        let id = allocate()
        let deadline = Self.now() + seconds
        await withTaskCancellationHandler {
            await withCheckedContinuation { (resume: CheckedContinuation<Void, Never>) in
                condition.lock()
                if case .cancelledEarly = entries[id] {
                    entries[id] = nil
                    condition.unlock()
                    resume.resume()
                    return
                }
                entries[id] = .waiting(deadline: deadline, resume: resume)
                condition.unlock()
            }
        } onCancel: {
            condition.lock()
            switch entries[id] {
            case .waiting(_, let resume)?:
                entries[id] = nil
                condition.unlock()
                resume.resume()
            default:
                // Cancelled before the continuation was registered: it resumes when it registers.
                entries[id] = .cancelledEarly
                condition.unlock()
            }
        }
    }

    /// A new waiter's id; starts the sweeping thread on first use.
    private func allocate() -> UInt64 {
        condition.lock()
        defer { condition.unlock() }
        let id = nextID
        nextID += 1
        if !threadStarted {
            threadStarted = true
            let thread = Thread { self.sweep() }  // holds self until it ends
            thread.name = "nnzserve-deadlines"
            thread.start()
        }
        return id
    }

    /// How many waits are pending (tests).
    var pending: Int {
        condition.lock()
        defer { condition.unlock() }
        return entries.count
    }

    /// The sweeping thread: resumes waiters past their deadline every tick; ends after
    /// ``idleTicks`` ticks with nothing to watch (the next wait starts it again).
    private func sweep() {
        var due: [CheckedContinuation<Void, Never>] = []
        var idle = 0
        while true {
            Thread.sleep(forTimeInterval: tick)
            let now = Self.now()
            condition.lock()
            for (id, entry) in entries {
                if case .waiting(let deadline, let resume) = entry, deadline <= now {
                    entries[id] = nil
                    due.append(resume)
                }
            }
            idle = entries.isEmpty ? idle + 1 : 0
            if idle >= Self.idleTicks {
                threadStarted = false
                condition.unlock()
                return
            }
            condition.unlock()
            for resume in due { resume.resume() }
            due.removeAll(keepingCapacity: true)
        }
    }

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}
