import Foundation
import Hummingbird
import Logging
import NIOCore
import NNZCSV
import NNZInspect
import NNZRuntime
import NNZScoring

/// The nnzserve HTTP server: routes, body limits, micro-batched scoring, reload, metrics.
///
///     let server = try NNZServer(configuration: ServerConfiguration(models: [("digits", "digits.nnz")]))
///     try await server.makeApplication().runService()
public final class NNZServer: Sendable {
    public let configuration: ServerConfiguration
    public let store: ModelStore
    public let metrics: ServerMetrics
    public let logger: Logger

    /// Loads and verifies every model; throws the first that fails (or a settings problem).
    public init(configuration: ServerConfiguration, logger: Logger = Logger(label: "nnzserve")) throws(LoadError) {
        if let problem = configuration.problem { throw LoadError(problem) }
        self.configuration = configuration
        self.logger = logger
        let metrics = ServerMetrics()
        self.metrics = metrics
        store = try ModelStore(models: configuration.models, configuration: configuration, metrics: metrics, logger: logger)
    }

    /// The HTTP application: bind address, HTTP/1.1 with an idle timeout (slow or silent clients
    /// are dropped), and ``makeRouter()``.
    public func makeApplication(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> some ApplicationProtocol {
        // Longer than the body timeout, so a stalled body gets its 408 before the connection is dropped.
        let timeout = TimeAmount.nanoseconds(Int64(configuration.readTimeoutSeconds * 2e9))
        return Application(
            router: makeRouter(),
            server: .http1(configuration: .init(idleTimeout: timeout)),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "nnzserve"),
            onServerRunning: onServerRunning,
            logger: logger
        )
    }

    /// Every route, behind the middleware that turns any error into a JSON answer and counts
    /// requests by endpoint and status.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: AnswerMiddleware(metrics: metrics))
        router.get("/healthz") { _, _ in
            json(.ok, "{\"status\":\"ok\",\"models\":\(self.store.names.count)}\n")
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: self.metrics.exposition())))
        }
        router.get("/v1/models") { _, _ in
            let j = JSONWriter()
            let served = self.store.names.compactMap { self.store.model(named: $0) }
            j.object {
                j.key("models")
                j.arrayOfObjects(served) { served in
                    j.key("name"); j.string(served.name)
                    j.key("path"); j.string(served.path)
                    j.key("generation"); j.number(served.generation)
                    j.key("input_width"); j.number(served.model.inputWidth)
                    j.key("output_width"); j.number(served.model.outputWidth)
                    j.key("output_kind"); j.string(outputKindName(served.model.outputKind))
                }
            }
            return json(.ok, j.text + "\n")
        }
        router.get("/v1/models/:name") { _, context in
            let served = try self.served(context)
            return json(.ok, served.descriptionJSON() + "\n")
        }
        router.post("/v1/models/:name/reload") { _, context in
            let name = context.parameters.get("name") ?? ""
            let outcome = await withCheckedContinuation { (done: CheckedContinuation<ModelStore.ReloadOutcome, Never>) in
                DispatchQueue.global().async { done.resume(returning: self.store.reload(name)) }
            }
            switch outcome {
            case .reloaded(let served):
                return json(.ok, "{\"model\":\(JSONString.quoted(name)),\"generation\":\(served.generation),\"status\":\"reloaded\"}\n")
            case .failed(let error):
                let generation = self.store.model(named: name)?.generation ?? 0
                return errorAnswer(.internalServerError, "reload refused: \(error.description); generation \(generation) keeps serving")
            case .busy:
                return errorAnswer(.conflict, "model '\(name)' is being reloaded; try again")
            case .unknownModel:
                return self.unknownModel(name)
            }
        }
        router.post("/v1/models/:name/predict") { request, context in
            try await self.predict(request, context: context)
        }
        return router
    }

    func unknownModel(_ name: String) -> Response {
        errorAnswer(.notFound, "unknown model '\(name)'; this server has: \(store.names.joined(separator: ", "))")
    }

    func served(_ context: BasicRequestContext) throws -> ServedModel {
        let name = context.parameters.get("name") ?? ""
        guard let served = store.model(named: name) else { throw AnswerError(unknownModel(name)) }
        return served
    }

    func predict(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        guard let served = store.model(named: name), let batcher = store.batcher(named: name) else { return unknownModel(name) }
        let model = served.model
        var topK: Int?
        if let raw = request.uri.queryParameters["top_k"] {
            guard let k = Int(raw), k >= 1 else { return errorAnswer(.badRequest, "top_k: expected a whole number of at least 1, found '\(raw)'") }
            guard model.isClassifier else { return errorAnswer(.badRequest, "top_k: model '\(name)' outputs regression values, not classes") }
            topK = min(k, model.outputWidth)
        }
        let limit = configuration.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            return errorAnswer(.contentTooLarge, "the body has \(length) bytes, more than the limit of \(limit) (--max-body-bytes)", close: true)
        }
        let body: ByteBuffer
        switch await collectBody(request, limit: limit, timeout: configuration.readTimeoutSeconds) {
        case .body(let buffer): body = buffer
        case .tooLarge: return errorAnswer(.contentTooLarge, "the body is larger than the limit of \(limit) bytes (--max-body-bytes)", close: true)
        case .timedOut:
            return errorAnswer(.requestTimeout, "the body did not arrive within \(configuration.readTimeoutSeconds) s", close: true)
        case .failed(let message): return errorAnswer(.badRequest, "reading the body failed: \(message)", close: true)
        }
        let bytes = Array(buffer: body)
        let contentType = (request.headers[.contentType] ?? "").lowercased()
        let parsed: ParsedRows
        do throws(RequestError) {
            if contentType.hasPrefix("text/csv") {
                parsed = try parseCSVBody(bytes, model: model, maxRows: configuration.maxRowsPerRequest)
            } else {
                // JSON: application/json, or any other type (curl -d sends form-urlencoded).
                parsed = try JSONRowsParser.parse(bytes, width: model.inputWidth, featureNames: model.featureNames,
                                                  featureIndex: served.featureIndex, maxRows: configuration.maxRowsPerRequest)
            }
        } catch {
            return errorAnswer(.badRequest, error.description)
        }
        let outputs = await batcher.score(model: model, values: parsed.values, rows: parsed.rows)
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: encodePredictions(outputs, rows: parsed.rows, served: served, topK: topK))))
    }
}

/// What reading a request body gave.
enum BodyOutcome: Sendable {
    case body(ByteBuffer)
    case tooLarge
    case timedOut
    case failed(String)
}

/// Collects the body up to `limit` bytes, giving up after `timeout` seconds (a slow client).
/// (A read in an unstructured task, cancelled by a shared watchdog, is cheaper but leaves the
/// body stream unusable: the 408 is then never written. The timer is ``Deadlines``: a
/// `Task.sleep` per request cost 13 % of the CPU at 26 k requests/s.)
func collectBody(_ request: Request, limit: Int, timeout: Double) async -> BodyOutcome {
    await withTaskGroup(of: BodyOutcome.self) { group in
        group.addTask {
            do {
                return .body(try await request.body.collect(upTo: limit))
            } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
                return .tooLarge
            } catch is CancellationError {
                return .timedOut
            } catch {
                return .failed("\(error)")
            }
        }
        group.addTask {
            await Deadlines.shared.sleep(seconds: timeout)  // one sweeping thread, not a timer per request
            return .timedOut
        }
        let first = await group.next() ?? .timedOut
        group.cancelAll()
        return first
    }
}

/// Parses a `text/csv` body with `nninfer`'s header and column rules (``CSVScorer/readRows(_:maxRows:)``).
func parseCSVBody(_ bytes: [UInt8], model: Model, maxRows: Int) throws(RequestError) -> ParsedRows {
    let fd = memoryFile(bytes)
    guard fd >= 0 else { throw RequestError("could not buffer the CSV body") }
    do throws(ScoringError) {
        let reader: CSVReader
        do throws(CSVError) {
            reader = try CSVReader(fileDescriptor: fd, name: "body", closeWhenDone: true)
        } catch {
            close(fd)
            throw ScoringError(error)
        }
        let (values, rows) = try CSVScorer(model: model).readRows(reader, maxRows: maxRows)
        return ParsedRows(values: values, rows: rows)
    } catch {
        throw RequestError(error.description)
    }
}

/// A file descriptor reading `bytes` from the start: an unlinked file in /dev/shm (memory) or /tmp.
func memoryFile(_ bytes: [UInt8]) -> Int32 {
    var fd: Int32 = -1
    for directory in ["/dev/shm", "/tmp"] where fd < 0 {
        var template = Array("\(directory)/nnzserve-body-XXXXXX".utf8CString)
        fd = mkstemp(&template)
        if fd >= 0 { unlink(template) }
    }
    guard fd >= 0 else { return -1 }
    var written = 0
    while written < bytes.count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
        if n < 0 {
            if errno == EINTR { continue }
            close(fd)
            return -1
        }
        written += n
    }
    lseek(fd, 0, SEEK_SET)
    return fd
}

/// A ready answer thrown from a helper.
struct AnswerError: Error {
    let response: Response
    init(_ response: Response) { self.response = response }
}

func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
}

/// `{"error": "...", "status": 400}`; `close` asks the client to close the connection (the
/// rest of its body is not read).
func errorAnswer(_ status: HTTPResponse.Status, _ message: String, close: Bool = false) -> Response {
    var response = json(status, "{\"error\":\(JSONString.quoted(message)),\"status\":\(status.code)}\n")
    if close { response.headers[.connection] = "close" }
    return response
}

/// Turns every error into a JSON answer and counts requests (by endpoint and status) and latency.
struct AnswerMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let response: Response
        do {
            response = try await next(request, context)
        } catch let answer as AnswerError {
            response = answer.response
        } catch let error as any HTTPResponseError {
            let message = error.status == .notFound
                ? "no route for \(request.method) \(request.uri.path): see GET /v1/models, POST /v1/models/{name}/predict"
                : (error.status == .methodNotAllowed ? "\(request.method) is not allowed on \(request.uri.path)" : "\(error.status.reasonPhrase)")
            response = errorAnswer(error.status, message)
        } catch {
            response = errorAnswer(.internalServerError, "\(error)")
        }
        let elapsed = Int64(DispatchTime.now().uptimeNanoseconds &- start)
        metrics.request(endpoint: Self.endpoint(request.uri.path), status: response.status.code, nanoseconds: elapsed)
        return response
    }

    /// A bounded label: the route, never the (client-chosen) model name.
    static func endpoint(_ path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        switch (parts.count, parts.first, parts.last) {
        case (1, "healthz", _): return "healthz"
        case (1, "metrics", _): return "metrics"
        case (2, "v1", "models"): return "models"
        case (3, "v1", _) where parts[1] == "models": return "model"
        case (4, "v1", "predict") where parts[1] == "models": return "predict"
        case (4, "v1", "reload") where parts[1] == "models": return "reload"
        default: return "other"
        }
    }
}
