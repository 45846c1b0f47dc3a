import Dispatch
import XCTest
@testable import NNZRuntime

final class WorkPoolTests: XCTestCase {
    /// One rule for every caller: split only when each part gets at least 4 M flops, never
    /// into more parts than threads or items.
    func testPartCountSplitsOnlyWorkThatPaysForAnotherCore() {
        XCTAssertEqual(WorkPool.partCount(work: 2 * 512 * 512 * 512, threads: 2, items: 64), 2, "sgemm 512³ on 2 threads")
        XCTAssertEqual(WorkPool.partCount(work: 2 * 16 * 16 * 16, threads: 2, items: 2), 1, "small work stays on the caller")
        XCTAssertEqual(WorkPool.partCount(work: 2 * 512 * 512 * 512, threads: 1, items: 64), 1, "one thread asked for")
        XCTAssertEqual(WorkPool.partCount(work: 1 << 40, threads: 8, items: 3), 3, "no more parts than items")
        XCTAssertEqual(WorkPool.partCount(work: 3 * WorkPool.minimumWorkPerPart - 1, threads: 8, items: 100), 2,
                       "every part gets at least the minimum")
        XCTAssertEqual(WorkPool.partCount(work: .max, threads: 0, items: 0), 1, "degenerate arguments still give one part")
    }

    /// Every task index runs exactly once, also when many threads submit jobs at the same time
    /// (a busy pool makes the submitter run its tasks itself).
    func testEveryTaskRunsOnceUnderConcurrentSubmitters() {
        struct Counts: @unchecked Sendable { let p: UnsafeMutablePointer<Int> }
        let jobs = 200, tasks = 37
        let counts = Counts(p: .allocate(capacity: 8 * jobs * tasks))
        counts.p.initialize(repeating: 0, count: 8 * jobs * tasks)
        defer { counts.p.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 8) { submitter in
            for job in 0..<jobs {
                let base = (submitter * jobs + job) * tasks
                WorkPool.run(tasks) { counts.p[base + $0] += 1 }
            }
        }
        XCTAssertEqual(UnsafeBufferPointer(start: counts.p, count: 8 * jobs * tasks).filter { $0 != 1 }.count, 0)
    }

    /// A task that calls `run` again (a CSV part scoring a batch on several threads) runs the
    /// inner tasks itself instead of waiting for the pool it is part of.
    func testNestedRunsCompleteWithEveryTaskOnce() {
        struct Counts: @unchecked Sendable { let p: UnsafeMutablePointer<Int> }
        let outer = 6, inner = 9
        let counts = Counts(p: .allocate(capacity: outer * inner))
        counts.p.initialize(repeating: 0, count: outer * inner)
        defer { counts.p.deallocate() }
        WorkPool.run(outer) { o in WorkPool.run(inner) { counts.p[o * inner + $0] += 1 } }
        XCTAssertEqual(Array(UnsafeBufferPointer(start: counts.p, count: outer * inner)), Array(repeating: 1, count: outer * inner))
    }
}
