/// How the server runs: what `nnzserve`'s options set.
public struct ServerConfiguration: Sendable {
    /// Models by name: `(name, path)` in the order given.
    public var models: [(name: String, path: String)]
    public var host = "127.0.0.1"
    public var port = 8080
    /// Cores one forward pass may be split across (large batches only).
    public var threads: Int
    /// Rows per forward pass at most (a larger request runs on its own).
    public var maxBatchRows = 256
    /// How long the batcher waits for more requests once one is queued (0: take what is queued).
    public var maxDelayMilliseconds = 0
    /// Largest request body accepted (413 beyond).
    public var maxBodyBytes = 8 << 20
    /// Rows one request may hold.
    public var maxRowsPerRequest = 65_536
    /// Seconds a client may take to send a request body (408 beyond) and a connection may stay
    /// idle between requests (then it is closed).
    public var readTimeoutSeconds = 10.0

    public init(models: [(name: String, path: String)], threads: Int? = nil) {
        self.models = models
        self.threads = threads ?? ServerConfiguration.onlineCores
    }

    static var onlineCores: Int {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
        #endif
    }

    /// Why these settings cannot run, or nil.
    public var problem: String? {
        if models.isEmpty { return "give at least one --model NAME=PATH" }
        if !(0...65535).contains(port) { return "--port must be 0–65535" }
        if threads < 1 { return "--threads must be at least 1" }
        if maxBatchRows < 1 { return "--max-batch-rows must be at least 1" }
        if maxDelayMilliseconds < 0 { return "--max-delay-ms must be 0 or more" }
        if maxBodyBytes < 1 { return "--max-body-bytes must be at least 1" }
        if !(readTimeoutSeconds > 0) { return "--read-timeout must be more than 0" }
        return nil
    }
}

#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif
