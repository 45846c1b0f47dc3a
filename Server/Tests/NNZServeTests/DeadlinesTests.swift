import Foundation
@testable import NNZServe
import Testing

/// The body timeout's clock (``Deadlines``): a wait ends at its deadline (up to one tick late,
/// never early), a cancelled wait ends at once, and no entry is left behind either way.
@Suite struct DeadlinesTests {
    @Test func aWaitEndsAtItsDeadlineNeverEarly() async {
        let deadlines = Deadlines(tick: 0.01)
        let start = Deadlines.now()
        await deadlines.sleep(seconds: 0.2)
        let elapsed = Deadlines.now() - start
        #expect(elapsed >= 0.2, "woke after \(elapsed) s")
        #expect(deadlines.pending == 0)
    }

    @Test func aCancelledWaitEndsAtOnceAndLeavesNoEntry() async {
        let deadlines = Deadlines(tick: 0.01)
        let start = Deadlines.now()
        // The way collectBody races a body against the timeout: the body wins, the wait is cancelled.
        let winner = await withTaskGroup(of: String.self) { group in
            group.addTask { await deadlines.sleep(seconds: 30); return "timeout" }
            group.addTask { try? await Task.sleep(nanoseconds: 20_000_000); return "body" }
            let first = await group.next()!
            group.cancelAll()
            await group.waitForAll()
            return first
        }
        #expect(winner == "body")
        #expect(Deadlines.now() - start < 10, "the cancelled 30 s wait held the group")
        #expect(deadlines.pending == 0)
    }

    @Test func aWaitCancelledBeforeItStartsEndsAtOnce() async {
        let deadlines = Deadlines(tick: 0.01)
        let task = Task { await deadlines.sleep(seconds: 30) }
        task.cancel()
        await task.value
        #expect(deadlines.pending == 0)
    }
}
