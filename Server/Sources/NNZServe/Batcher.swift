import Foundation
import NNZRuntime

/// Micro-batching for one model name: requests queue here and one worker thread (off the NIO
/// event loops and off Swift's cooperative pool) scores whatever is queued in one forward pass,
/// split across ``threads`` cores by the runtime when the batch is large.
///
/// Policy: batches take the queue as they find it, up to ``maxBatchRows`` rows, so requests
/// that arrive while a batch runs are scored together in the next one (no added latency when
/// there is no load). With ``maxDelay`` > 0 the worker also waits up to that long after the first
/// queued request for the batch to fill. A request larger than ``maxBatchRows`` runs on its own.
///
/// Without a delay, a request that finds the batcher idle scores the queue itself, on its own
/// thread (a thread of Swift's pool, never an event loop), until its own rows are done, then
/// hands what is still queued to the worker thread: no thread hop at low load, one batch per
/// forward pass under load.
///
/// Each job carries the ``Model`` it was admitted with, and a batch only holds jobs of one
/// model: after a reload, requests already queued finish on the old model.
final class Batcher: @unchecked Sendable {
    struct Job {
        let model: Model
        let values: [Float]
        let rows: Int
        let done: CheckedContinuation<[Float], Never>
        let ticket: UInt64
    }

    let name: String
    let maxBatchRows: Int
    let maxDelay: Double
    let threads: Int
    let metrics: ServerMetrics

    private let condition = NSCondition()
    private var queue: [Job] = []
    private var head = 0
    private var queuedRows = 0
    private var stopped = false
    /// Whether a batch is being scored (by a request's thread or the worker); new jobs then queue.
    private var running = false
    private var nextTicket: UInt64 = 0
    private var thread: Thread?

    init(name: String, maxBatchRows: Int, maxDelay: Double, threads: Int, metrics: ServerMetrics) {
        self.name = name
        self.maxBatchRows = max(1, maxBatchRows)
        self.maxDelay = max(0, maxDelay)
        self.threads = max(1, threads)
        self.metrics = metrics
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "nnzserve-batch-\(name)"
        self.thread = thread
        thread.start()
    }

    /// Scores `rows` rows (`values`: rows × model.inputWidth floats) with `model`; returns
    /// rows × model.outputWidth floats.
    func score(model: Model, values: [Float], rows: Int) async -> [Float] {
        await withCheckedContinuation { (done: CheckedContinuation<[Float], Never>) in
            condition.lock()
            let ticket = nextTicket
            nextTicket += 1
            queue.append(Job(model: model, values: values, rows: rows, done: done, ticket: ticket))
            queuedRows += rows
            if running || maxDelay > 0 || rows > maxBatchRows {
                // The worker: wake it when it is idle, or when it waits (--max-delay-ms) for the batch to fill.
                if !running || maxDelay > 0 { running = true; condition.signal() }
                condition.unlock()
                return
            }
            // Idle: score here until this request's rows are done.
            running = true
            condition.unlock()
            var input: [Float] = []
            var output: [Float] = []
            while true {
                condition.lock()
                guard let (batch, rows, model) = takeBatch() else {
                    running = false
                    condition.unlock()
                    return
                }
                condition.unlock()
                run(batch, rows: rows, model: model, input: &input, output: &output)
                if batch.contains(where: { $0.ticket == ticket }) {
                    condition.lock()
                    if head == queue.count {
                        running = false
                    } else {
                        condition.signal()  // the worker thread takes over what is queued
                    }
                    condition.unlock()
                    return
                }
            }
        }
    }

    /// The next batch: queued jobs of one model, up to `maxBatchRows` rows (at least one job).
    /// Called with the lock held.
    private func takeBatch() -> (batch: [Job], rows: Int, model: Model)? {
        guard head < queue.count else { return nil }
        let model = queue[head].model
        var batch: [Job] = [queue[head]]
        var rows = queue[head].rows
        head += 1
        while head < queue.count, queue[head].model === model, rows + queue[head].rows <= maxBatchRows {
            rows += queue[head].rows
            batch.append(queue[head])
            head += 1
        }
        queuedRows -= rows
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1024 {
            queue.removeFirst(head)
            head = 0
        }
        return (batch, rows, model)
    }

    /// Ends the worker once the queue is empty.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// The worker thread: waits until it is handed work (`running` set and jobs queued), scores
    /// batches until the queue is empty, then clears `running`.
    private func loop() {
        var input: [Float] = []
        var output: [Float] = []
        condition.lock()
        while true {
            while !(running && head < queue.count) && !stopped { condition.wait() }
            if stopped && head == queue.count {
                condition.unlock()
                return
            }
            if maxDelay > 0 && queuedRows < maxBatchRows {
                let deadline = Date(timeIntervalSinceNow: maxDelay)
                while queuedRows < maxBatchRows && !stopped && condition.wait(until: deadline) {}
            }
            guard let (batch, rows, model) = takeBatch() else { continue }
            condition.unlock()
            run(batch, rows: rows, model: model, input: &input, output: &output)
            condition.lock()
            if head == queue.count { running = false }
        }
    }

    private func run(_ batch: [Job], rows: Int, model: Model, input: inout [Float], output: inout [Float]) {
        let inWidth = model.inputWidth, outWidth = model.outputWidth
        if batch.count == 1 {
            var result = [Float](repeating: 0, count: rows * outWidth)
            batch[0].values.withUnsafeBufferPointer { source in
                result.withUnsafeMutableBufferPointer { out in
                    try! model.predict(source, rows: rows, into: out, threads: threads)  // widths checked on admission
                }
            }
            metrics.batch(model: name, rows: rows)
            batch[0].done.resume(returning: result)
            return
        }
        input.removeAll(keepingCapacity: true)
        input.reserveCapacity(rows * inWidth)
        for job in batch { input.append(contentsOf: job.values) }
        if output.count < rows * outWidth { output = [Float](repeating: 0, count: rows * outWidth) }
        input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { out in
                try! model.predict(source, rows: rows, into: UnsafeMutableBufferPointer(rebasing: out[0..<rows * outWidth]), threads: threads)
            }
        }
        metrics.batch(model: name, rows: rows)
        var start = 0
        for job in batch {
            let end = start + job.rows * outWidth
            job.done.resume(returning: Array(output[start..<end]))
            start = end
        }
    }
}
