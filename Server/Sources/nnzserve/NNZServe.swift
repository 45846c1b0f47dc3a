import ArgumentParser
import Dispatch
import Hummingbird
import Logging
import NNZServe
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@main
struct NNZServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nnzserve",
        abstract: "Serve .nnz models over HTTP (JSON or CSV in, JSON out), with micro-batching, hot reload and Prometheus metrics.",
        discussion: """
        Every model is read, checked (checksums, validation rules, its stored
        self-test: what `nninfer verify` checks) and compiled at start; a bad file
        stops the server (exit 66) before it listens.

        Endpoints:
          POST /v1/models/NAME/predict  score rows; ?top_k=K: the K best classes
          GET  /v1/models               the models served
          GET  /v1/models/NAME          what `nninfer inspect --json` prints of
                                        the file, + name, path, generation
          POST /v1/models/NAME/reload   read and verify the file again, swap it in
          GET  /healthz                 200 while the server runs
          GET  /metrics                 Prometheus text: requests, latency, rows,
                                        batch sizes, reloads

        Predict bodies (raw feature values: the file's normalization is applied):
          {"rows": [[v1, v2, …], …]}       values in input order
          {"instances": [{"p0": 1, …}]}    by the model's feature names, any
                                           order; extra keys are ignored,
                                           missing ones are errors
          text/csv                         nninfer's rules: a header (a first
                                           line not all numbers) matches
                                           columns by name
        Answer: {"model", "generation", "predictions": [one object per row]}:
          {"probabilities": {label: p, …}, "predicted": label}
                                   ("scores" instead for logit models)
          {"top_k": [{"label", "score"}, …], "predicted": label}  with ?top_k=K
          {"outputs": [y0, y1, …]}  for regression models
        Errors are JSON {"error": "...", "status": N} naming the row, column or
        field: 400 bad JSON/CSV, widths, names or non-finite values; 404 unknown
        model; 408 a body that does not arrive within --read-timeout; 413 a body
        over --max-body-bytes.

        Batching: concurrent requests for one model are scored in one forward
        pass of up to --max-batch-rows rows; the batcher takes what is queued
        (requests that arrived while the previous batch ran), and with
        --max-delay-ms D > 0 waits up to D ms for more.

        Reload: SIGHUP reloads every model, POST …/reload one. The new file is
        verified first; requests already admitted finish on the old model; a bad
        file is refused (logged; the reload endpoint answers 500 with the reason)
        and the old model keeps serving.
        SIGTERM or SIGINT: stop accepting, finish in-flight requests, exit.

        Examples:
          nnzserve --model digits=Fixtures/trained/digits_mlp.nnz --port 8080
          curl -s localhost:8080/v1/models/digits/predict \\
               -H 'Content-Type: application/json' -d @rows.json
          curl -s 'localhost:8080/v1/models/digits/predict?top_k=3' \\
               -H 'Content-Type: text/csv' \\
               --data-binary @Fixtures/data/digits_test.csv
          curl -s localhost:8080/v1/models/digits | jq .layers
          curl -s -X POST localhost:8080/v1/models/digits/reload
          kill -HUP $(pidof nnzserve)
          curl -s localhost:8080/metrics | grep nnzserve_batch_rows
        (rows.json: {"rows": [[0,0,5,13,9,1,0,0, …64 values]]})
        """
    )

    @Option(name: .customLong("model"), help: ArgumentHelp("A model to serve, as NAME=PATH (repeatable).", valueName: "name=path"))
    var models: [String] = []

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port, printed at start).")
    var port = 8080

    @Option(help: "Cores one forward pass may be split across (default: all online cores).")
    var threads: Int?

    @Option(name: .customLong("max-batch-rows"), help: "Rows per forward pass at most; a larger request runs on its own.")
    var maxBatchRows = 256

    @Option(name: .customLong("max-delay-ms"), help: "Milliseconds the batcher waits for more requests once one is queued (0: none).")
    var maxDelayMilliseconds = 0

    @Option(name: .customLong("max-body-bytes"), help: "Largest request body accepted; larger ones get 413.")
    var maxBodyBytes = 8 << 20

    @Option(name: .customLong("read-timeout"), help: "Seconds a client may take to send a body (408 after), and a connection may idle.")
    var readTimeout = 10.0

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        if models.isEmpty { throw ValidationError("give at least one --model NAME=PATH") }
        for spec in models {
            guard let eq = spec.firstIndex(of: "="), eq != spec.startIndex, spec.index(after: eq) != spec.endIndex else {
                throw ValidationError("--model \(spec): expected NAME=PATH, e.g. --model digits=digits_mlp.nnz")
            }
        }
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("--log-level \(logLevel): expected trace, debug, info, notice, warning, error or critical") }
        if let problem = configuration.problem { throw ValidationError(problem) }
    }

    var configuration: ServerConfiguration {
        let pairs = models.map { spec -> (name: String, path: String) in
            let eq = spec.firstIndex(of: "=") ?? spec.endIndex
            return (String(spec[..<eq]), eq == spec.endIndex ? "" : String(spec[spec.index(after: eq)...]))
        }
        var c = ServerConfiguration(models: pairs, threads: threads)
        c.host = host
        c.port = port
        c.maxBatchRows = maxBatchRows
        c.maxDelayMilliseconds = maxDelayMilliseconds
        c.maxBodyBytes = maxBodyBytes
        c.readTimeoutSeconds = readTimeout
        return c
    }

    func run() async throws {
        var log = Logger(label: "nnzserve")
        log.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let logger = log
        let server: NNZServer
        do {
            server = try NNZServer(configuration: configuration, logger: logger)
        } catch {
            FileHandleStderr.write("nnzserve: \(error.description)\n")
            throw ExitCode(66)
        }
        for name in server.store.names {
            if let m = server.store.model(named: name) {
                logger.info("serving model", metadata: ["model": "\(name)", "path": "\(m.path)",
                                                        "input_width": "\(m.model.inputWidth)", "output_width": "\(m.model.outputWidth)"])
            }
        }
        // SIGHUP: reload every model, off the event loops.
        signal(SIGHUP, SIG_IGN)
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "nnzserve.sighup"))
        hangup.setEventHandler {
            logger.info("SIGHUP: reloading every model")
            server.store.reloadAll()
        }
        hangup.resume()
        let app = server.makeApplication { channel in
            if let address = channel.localAddress {
                logger.notice("listening", metadata: ["address": "\(address)"])
                // One line on stdout for scripts that start the server on port 0.
                print("nnzserve listening on http://\(server.configuration.host):\(address.port ?? 0)")
                fflush(nil)
            }
        }
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        hangup.cancel()
        server.store.stop()
    }
}

enum FileHandleStderr {
    static func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { writeStderr(2, $0.baseAddress, $0.count) }
    }
}

#if canImport(Glibc)
private let writeStderr = Glibc.write
#else
private let writeStderr = Darwin.write
#endif
