import CoreMetrics
import Prometheus
import Synchronization

/// The server's Prometheus metrics, recorded through the swift-metrics API into this server's
/// own registry (not the process-wide `MetricsSystem`, so several servers, such as tests,
/// keep separate counts). `GET /metrics` prints the registry in the Prometheus text format:
///
///     nnzserve_requests_total{endpoint="predict",status="200"}      requests answered, by status
///     nnzserve_request_duration_seconds{endpoint="predict"}         latency histogram
///     nnzserve_rows_scored_total{model="digits"}                    rows scored
///     nnzserve_batch_rows{model="digits"}                           rows per forward pass (histogram)
///     nnzserve_model_reloads_total{model="digits",result="ok"}      reloads, ok or failed
public final class ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    static let batchBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192]
    static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(10),
    ]

    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.valueHistogramBuckets = ["nnzserve_batch_rows": Self.batchBuckets]
        factory.durationHistogramBuckets = ["nnzserve_request_duration_seconds": Self.latencyBuckets]
        self.registry = registry
        self.factory = factory
    }

    struct RequestKey: Hashable { let endpoint: String; let status: Int }
    /// Metric objects made once per label set (a lookup in the registry per request costs more).
    private let requestMetrics = Mutex<[RequestKey: (CoreMetrics.Counter, CoreMetrics.Timer)]>([:])
    private let batchMetrics = Mutex<[String: (CoreMetrics.Recorder, CoreMetrics.Counter)]>([:])

    func request(endpoint: String, status: Int, nanoseconds: Int64) {
        let key = RequestKey(endpoint: endpoint, status: status)
        let (counter, timer) = requestMetrics.withLock { cache in
            if let made = cache[key] { return made }
            let made = (CoreMetrics.Counter(label: "nnzserve_requests_total", dimensions: [("endpoint", endpoint), ("status", String(status))], factory: factory),
                        CoreMetrics.Timer(label: "nnzserve_request_duration_seconds", dimensions: [("endpoint", endpoint)], factory: factory))
            cache[key] = made
            return made
        }
        counter.increment()
        timer.recordNanoseconds(nanoseconds)
    }

    func batch(model: String, rows: Int) {
        let (recorder, counter) = batchMetrics.withLock { cache in
            if let made = cache[model] { return made }
            let made = (CoreMetrics.Recorder(label: "nnzserve_batch_rows", dimensions: [("model", model)], aggregate: true, factory: factory),
                        CoreMetrics.Counter(label: "nnzserve_rows_scored_total", dimensions: [("model", model)], factory: factory))
            cache[model] = made
            return made
        }
        recorder.record(rows)
        counter.increment(by: rows)
    }

    func reload(model: String, ok: Bool) {
        CoreMetrics.Counter(label: "nnzserve_model_reloads_total", dimensions: [("model", model), ("result", ok ? "ok" : "failed")], factory: factory).increment()
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> [UInt8] { registry.emitToBuffer() }
}
