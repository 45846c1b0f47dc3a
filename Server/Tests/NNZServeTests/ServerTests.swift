import Foundation
import Hummingbird
import HummingbirdTesting
import NNZCSV
import NNZFormat
import NNZInspect
import NNZRuntime
import NNZScoring
import NNZServe
import Testing

// Every expected output comes from the main package's runtime on the same rows (Model.predict,
// Classification.top, or CSVScorer: the pipeline `nninfer` prints), never a hard-coded number.

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures").path
let digitsPath = fixtures + "/trained/digits_mlp.nnz"
let metaPath = fixtures + "/models/mlp_all_meta.nnz"
let regressionPath = fixtures + "/models/regression.nnz"
let digitsCSV = fixtures + "/data/digits_test.csv"

func makeServer(_ models: [(String, String)]? = nil, _ tweak: (inout ServerConfiguration) -> Void = { _ in }) throws -> NNZServer {
    var configuration = ServerConfiguration(models: models ?? [("digits", digitsPath), ("meta", metaPath), ("reg", regressionPath)], threads: 2)
    configuration.port = 0
    tweak(&configuration)
    return try NNZServer(configuration: configuration)
}

/// The first `count` digits test rows (64 pixel values each), read with nnz's CSV parser.
func digitsRows(_ count: Int, from start: Int = 0) throws -> [[Float]] {
    let reader = try CSVReader(path: digitsCSV)
    _ = try reader.readHeader()
    var rows: [[Float]] = []
    var index = 0
    while rows.count < count, try reader.nextRecord() {
        defer { index += 1 }
        guard index >= start else { continue }
        rows.append(try (0..<64).map { try reader.floatValue(at: $0) })
    }
    return rows
}

func rowsBody(_ rows: [[Float]]) -> ByteBuffer {
    ByteBuffer(string: "{\"rows\":[" + rows.map { "[" + $0.map { FloatFormatter.shortest($0) }.joined(separator: ",") + "]" }.joined(separator: ",") + "]}")
}

func object(_ response: TestResponse) throws -> [String: Any] {
    let body = Data(Array(buffer: response.body))
    return try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any], "not a JSON object: \(String(decoding: body, as: UTF8.self))")
}

func predictions(_ response: TestResponse) throws -> [[String: Any]] {
    try #require(try object(response)["predictions"] as? [[String: Any]])
}

func float(_ any: Any?) -> Float? { (any as? NSNumber).map { Float($0.doubleValue) } }

/// A row's probabilities/scores in label order.
func scores(_ prediction: [String: Any], labels: [String], key: String = "probabilities") throws -> [Float] {
    let map = try #require(prediction[key] as? [String: Any])
    #expect(map.count == labels.count)
    return try labels.map { try #require(float(map[$0]), "no \($0)") }
}

func errorMessage(_ response: TestResponse) throws -> String {
    try #require(try object(response)["error"] as? String)
}

let json: HTTPFields = [.contentType: "application/json"]

@Suite struct PredictTests {
    @Test func rowsMatchTheRuntime() async throws {
        let server = try makeServer()
        let rows = try digitsRows(5)
        let model = try Model(path: digitsPath)
        let expected = try model.predict(rows: rows)
        try await server.makeApplication().test(.router) { client in
            let response = try await client.execute(uri: "/v1/models/digits/predict", method: .post, headers: json, body: rowsBody(rows))
            #expect(response.status == .ok)
            let answer = try object(response)
            #expect(answer["model"] as? String == "digits")
            #expect(answer["generation"] as? Int == 1)
            let got = try predictions(response)
            #expect(got.count == 5)
            for (r, prediction) in got.enumerated() {
                #expect(try scores(prediction, labels: model.outputNames) == expected[r])
                #expect(prediction["predicted"] as? String == Classification(scores: expected[r], names: model.outputNames).label)
            }
        }
    }

    @Test func topK() async throws {
        let server = try makeServer()
        let rows = try digitsRows(3, from: 10)
        let model = try Model(path: digitsPath)
        try await server.makeApplication().test(.router) { client in
            let response = try await client.execute(uri: "/v1/models/digits/predict?top_k=3", method: .post, headers: json, body: rowsBody(rows))
            #expect(response.status == .ok)
            for (r, prediction) in try predictions(response).enumerated() {
                let expected = try model.classify(rows[r])
                let top = try #require(prediction["top_k"] as? [[String: Any]])
                #expect(top.map { $0["label"] as? String } == expected.top(3).map(\.label))
                #expect(top.map { float($0["score"]) } == expected.top(3).map(\.score))
                #expect(prediction["predicted"] as? String == expected.label)
                #expect(prediction["probabilities"] == nil)
            }
            // K beyond the class count lists every class.
            let all = try await client.execute(uri: "/v1/models/digits/predict?top_k=99", method: .post, headers: json, body: rowsBody([rows[0]]))
            #expect(try (predictions(all)[0]["top_k"] as? [Any])?.count == 10)
        }
    }

    @Test func instancesByFeatureNameInAnyOrder() async throws {
        let server = try makeServer()
        let model = try Model(path: metaPath)
        let names = try #require(model.featureNames)
        let rows: [[Float]] = [[20, 1013, 0.5, 3, 120, 14], [-5, 990, 0.9, 12, 800, 3]]
        let expected = try model.predict(rows: rows)
        // Reversed key order, plus keys the model does not use.
        let body = "{\"id\":\"x\",\"instances\":[" + rows.map { row in
            "{\"note\":[1,{\"a\":null}]," + zip(names, row).reversed().map { "\"\($0)\":\(FloatFormatter.shortest($1))" }.joined(separator: ",") + ",\"extra\":true}"
        }.joined(separator: ",") + "]}"
        try await server.makeApplication().test(.router) { client in
            let response = try await client.execute(uri: "/v1/models/meta/predict", method: .post, headers: json, body: ByteBuffer(string: body))
            #expect(response.status == .ok)
            let got = try predictions(response)
            for r in 0..<2 {
                #expect(try scores(got[r], labels: model.outputNames) == expected[r])
            }
            #expect(model.outputNames == ["clear", "cloudy", "rain"])
        }
    }

    @Test func csvBodyGivesWhatNninferPrints() async throws {
        let server = try makeServer()
        let model = try Model(path: digitsPath)
        // The first 40 test rows with their header (p0…p63, label): columns matched by name.
        let lines = try String(contentsOfFile: digitsCSV, encoding: .utf8).split(separator: "\n").prefix(41)
        let csv = lines.joined(separator: "\n") + "\n"
        // nninfer's pipeline on the same bytes, as JSON Lines.
        let path = NSTemporaryDirectory() + "nnzserve-test-\(UUID().uuidString).csv"
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var options = ScoringOptions()
        options.format = .jsonl
        let outPath = path + ".jsonl"
        defer { try? FileManager.default.removeItem(atPath: outPath) }
        try CSVScorer(model: model, options: options).score(inputPath: path, outputPath: outPath)
        let lines2 = try String(contentsOfFile: outPath, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let nninferScores = lines2.map { line in model.outputNames.map { float(line[$0])! } }
        let nninferPredicted = lines2.map { $0["predicted"] as? String }
        try await server.makeApplication().test(.router) { client in
            let response = try await client.execute(uri: "/v1/models/digits/predict", method: .post,
                                                    headers: [.contentType: "text/csv"], body: ByteBuffer(string: csv))
            #expect(response.status == .ok)
            let got = try predictions(response)
            #expect(got.count == 40 && nninferScores.count == 40)
            for (r, mine) in got.enumerated() {
                #expect(try scores(mine, labels: model.outputNames) == nninferScores[r])
                #expect(mine["predicted"] as? String == nninferPredicted[r])
            }
            // Without a header: by position.
            let headerless = lines.dropFirst().prefix(2).map { $0.split(separator: ",").prefix(64).joined(separator: ",") }.joined(separator: "\n")
            let positional = try await client.execute(uri: "/v1/models/digits/predict", method: .post,
                                                      headers: [.contentType: "text/csv"], body: ByteBuffer(string: headerless))
            #expect(positional.status == .ok)
            #expect(try scores(predictions(positional)[1], labels: model.outputNames) == nninferScores[1])
        }
    }

    @Test func regressionOutputs() async throws {
        let server = try makeServer()
        let model = try Model(path: regressionPath)
        let rows: [[Float]] = [[0.1, 0.2, 0.3], [5, -2, 1e-3]]
        let expected = try model.predict(rows: rows)
        try await server.makeApplication().test(.router) { client in
            let response = try await client.execute(uri: "/v1/models/reg/predict", method: .post, headers: json, body: rowsBody(rows))
            #expect(response.status == .ok)
            let got = try predictions(response)
            for r in 0..<2 {
                #expect((got[r]["outputs"] as? [Any])?.map { float($0)! } == expected[r])
                #expect(got[r]["predicted"] == nil)
            }
        }
    }
}

@Suite struct ErrorTests {
    /// Posts `body` to `uri` and returns (status, error message).
    func post(_ client: any TestClientProtocol, _ uri: String, _ body: String, type: String = "application/json") async throws -> (HTTPResponse.Status, String) {
        let response = try await client.execute(uri: uri, method: .post, headers: [.contentType: type], body: ByteBuffer(string: body))
        return (response.status, try errorMessage(response))
    }

    @Test func badBodiesName400Places() async throws {
        let server = try makeServer()
        try await server.makeApplication().test(.router) { client in
            let p = "/v1/models/reg/predict"
            var (status, message) = try await post(client, p, "{\"rows\": [[1,2,3],\n [1,2")
            #expect(status == .badRequest)
            #expect(message == "malformed JSON at byte 24 (line 2, column 6): expected ',' or ']' in rows[1], found the end of the body")
            (status, message) = try await post(client, p, "{\"rows\": [[1,2,3],[1,2]]}")
            #expect(message == "rows[1]: has 2 values, the model takes 3")
            (status, message) = try await post(client, p, "{\"rows\": [[1,2,3,4]]}")
            #expect(message == "rows[0]: has 4 values, the model takes 3")
            (status, message) = try await post(client, p, "{\"rows\": [[1,NaN,3]]}")
            #expect(message == "rows[0][1]: expected a finite number, found NaN (not valid JSON; values must be finite numbers)")
            (status, message) = try await post(client, p, "{\"rows\": [[1,2,1e999]]}")
            #expect(message == "rows[0][2]: 1e999 is out of the float range (values must be finite)")
            (status, message) = try await post(client, p, "{\"rows\": [[1,\"2\",3]]}")
            #expect(message == "rows[0][1]: expected a finite number, found a string")
            (status, message) = try await post(client, p, "{\"rows\": []}")
            #expect(message == "no rows to score: the array is empty")
            (status, message) = try await post(client, p, "{\"data\": 1}")
            #expect(message.hasPrefix("the JSON object has no \"rows\""))
            (status, message) = try await post(client, p, "[1,2,3]")
            #expect(message.hasPrefix("malformed JSON at byte 0 (line 1, column 1): expected a JSON object"))
            (status, message) = try await post(client, p, "{\"rows\": [[1,2,3]]} x")
            #expect(message == "malformed JSON at byte 20 (line 1, column 21): expected the end of the body after the JSON object, found 'x'")
            // instances: a missing name.
            (status, message) = try await post(client, "/v1/models/meta/predict",
                                               "{\"instances\": [{\"temperature\":1,\"pressure\":2,\"humidity\":3,\"wind_speed\":4,\"altitude\":5,\"hour\":6}, {\"temperature\":1,\"pressure\":2,\"humidty\":3,\"wind_speed\":4,\"altitude\":5,\"hour\":6}]}")
            #expect(message == "instances[1]: missing feature 'humidity' (the model takes 6 named features)")
            (status, message) = try await post(client, "/v1/models/meta/predict", "{\"instances\": [{\"temperature\":1,\"temperature\":2}]}")
            #expect(message == "instances[0].temperature: given twice")
            // CSV: nninfer's messages with line and column.
            (status, message) = try await post(client, p, "1,2,3\n4,x,6\n", type: "text/csv")
            #expect(status == .badRequest)
            #expect(message.contains("body:2") && message.contains("x"), "\(message)")
            (status, message) = try await post(client, p, "1,2,3\n4,5\n", type: "text/csv")
            #expect(message.contains("body:2"), "\(message)")
            (status, message) = try await post(client, "/v1/models/meta/predict", "temperature,pressure\n1,2\n", type: "text/csv")
            #expect(message.contains("missing columns 'humidity', 'wind_speed', 'altitude', 'hour'"), "\(message)")
            (status, message) = try await post(client, p, "", type: "text/csv")
            #expect(message == "body: empty input, expected a header line or rows of 3 numbers")
        }
    }

    @Test func instancesNeedFeatureNames() async throws {
        let path = fixtures + "/models/mlp_f16.nnz"
        #expect(try Model(path: path).featureNames == nil)
        let server = try makeServer([("plain", path)])
        try await server.makeApplication().test(.router) { client in
            let (status, message) = try await post(client, "/v1/models/plain/predict", "{\"instances\": [{\"a\": 1}]}")
            #expect(status == .badRequest)
            #expect(message == "instances: the model stores no feature names; send \"rows\" (arrays of 5 numbers in input order)")
        }
    }

    @Test func routesModelsAndQuery() async throws {
        let server = try makeServer()
        try await server.makeApplication().test(.router) { client in
            var (status, message) = try await post(client, "/v1/models/nope/predict", "{\"rows\": [[1]]}")
            #expect(status == .notFound)
            #expect(message == "unknown model 'nope'; this server has: digits, meta, reg")
            let info = try await client.execute(uri: "/v1/models/nope", method: .get)
            #expect(info.status == .notFound)
            (status, message) = try await post(client, "/v1/models/nope/reload", "")
            #expect(status == .notFound)
            (status, message) = try await post(client, "/v1/models/digits/predict?top_k=0", "{\"rows\": [[1]]}")
            #expect(status == .badRequest)
            #expect(message == "top_k: expected a whole number of at least 1, found '0'")
            (status, message) = try await post(client, "/v1/models/reg/predict?top_k=2", "{\"rows\": [[1,2,3]]}")
            #expect(message == "top_k: model 'reg' outputs regression values, not classes")
            let route = try await client.execute(uri: "/v2/things", method: .get)
            #expect(route.status == .notFound)
            #expect(try errorMessage(route).hasPrefix("no route for GET /v2/things"))
        }
    }

    @Test func bodyOverTheLimitIs413() async throws {
        let server = try makeServer { $0.maxBodyBytes = 100 }
        try await server.makeApplication().test(.router) { client in
            let body = "{\"rows\": [" + Array(repeating: "[1,2,3]", count: 20).joined(separator: ",") + "]}"
            let (status, message) = try await post(client, "/v1/models/reg/predict", body)
            #expect(status == .contentTooLarge)
            #expect(message.contains("limit of 100"), "\(message)")
            let (ok, _) = try await (client.execute(uri: "/v1/models/reg/predict", method: .post, headers: json, body: ByteBuffer(string: "{\"rows\":[[1,2,3]]}")).status, "")
            #expect(ok == .ok)
        }
    }
}

/// Runs blocking work (sockets, pipes) on a Dispatch thread, not on Swift's cooperative pool,
/// where it would starve the in-process server under test.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { done in
        DispatchQueue.global().async { done.resume(with: Result { try work() }) }
    }
}

/// Sends `request` on a new TCP connection to 127.0.0.1:`port` and reads until the server closes
/// it (at most 10 s).
func rawExchange(port: Int, _ request: String) throws -> String {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #expect(fd >= 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    #expect(connected == 0)
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    let bytes = Array(request.utf8)
    _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        received += buffer[0..<n]
    }
    return String(decoding: received, as: UTF8.self)
}

@Suite struct InfoTests {
    @Test func modelsHealthAndDescription() async throws {
        let server = try makeServer()
        let meta = try Model(path: metaPath)
        try await server.makeApplication().test(.router) { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(try object(health)["status"] as? String == "ok")
            let list = try object(try await client.execute(uri: "/v1/models", method: .get))
            let models = try #require(list["models"] as? [[String: Any]])
            #expect(models.map { $0["name"] as? String } == ["digits", "meta", "reg"])
            #expect(models.map { $0["input_width"] as? Int } == [64, 6, 3])
            #expect(models.map { $0["output_kind"] as? String } == ["probabilities", "probabilities", "regression values"])
            let info = try object(try await client.execute(uri: "/v1/models/meta", method: .get))
            #expect(info["feature_names"] as? [String] == meta.featureNames)
            #expect(info["class_labels"] as? [String] == meta.outputNames)
            #expect(info["input_shape"] as? [Int] == meta.inputShape)
            #expect(info["format_version"] as? String == meta.file.formatVersion.description)
            let layers = try #require(info["layers"] as? [[String: Any]])
            #expect(layers.map { $0["kind"] as? String } == meta.file.layers.map(\.kindName))
            let selfTest = try #require(info["self_test"] as? [String: Any])
            #expect(selfTest["passed"] as? Bool == true)
            #expect(selfTest["rows"] as? Int == meta.file.selfTest?.inputs.count)
            let metadata = try #require(info["metadata"] as? [String: Any])
            #expect(metadata["author"] as? String == meta.file.metadata.author)
        }
    }

    /// `GET /v1/models/{name}` is `nninfer inspect --json` of the file (every field, the same
    /// values) plus the serving fields.
    @Test func descriptionIsInspectJSONPlusServingState() async throws {
        let server = try makeServer()
        try await server.makeApplication().test(.router) { client in
            for (name, path) in [("digits", digitsPath), ("meta", metaPath), ("reg", regressionPath)] {
                let bytes = try NNZReader.readFile(path)
                let (validated, chunks) = try NNZReader.decodeValidatedWithChunks(bytes)
                let inspect = try #require(try JSONSerialization.jsonObject(
                    with: Data(ModelSummary(file: validated, chunks: chunks, fileBytes: bytes.count).json().utf8)) as? [String: Any])
                let info = try object(try await client.execute(uri: "/v1/models/\(name)", method: .get))
                for (key, value) in inspect {
                    #expect((info[key] as? NSObject) == (value as? NSObject), "\(name): \(key)")
                }
                #expect(Set(info.keys).subtracting(inspect.keys) == ["name", "path", "generation", "loaded_at", "input_width", "feature_names", "class_labels"])
                #expect(info["name"] as? String == name)
                #expect(info["file_bytes"] as? Int == bytes.count)
                #expect((info["tensors"] as? [[String: Any]])?.count == validated.file.tensors.count)
                #expect((info["sections"] as? [[String: Any]])?.count == chunks.count)
            }
        }
    }

    @Test func metricsCountRequestsRowsAndStatuses() async throws {
        let server = try makeServer()
        try await server.makeApplication().test(.router) { client in
            _ = try await client.execute(uri: "/v1/models/reg/predict", method: .post, headers: json, body: rowsBody([[1, 2, 3], [4, 5, 6]]))
            _ = try await client.execute(uri: "/v1/models/reg/predict", method: .post, headers: json, body: ByteBuffer(string: "{"))
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = String(buffer: response.body)
            #expect(text.contains("nnzserve_requests_total{endpoint=\"predict\",status=\"200\"} 1\n"))
            #expect(text.contains("nnzserve_requests_total{endpoint=\"predict\",status=\"400\"} 1\n"))
            #expect(text.contains("nnzserve_rows_scored_total{model=\"reg\"} 2\n"))
            #expect(text.contains("nnzserve_batch_rows_count{model=\"reg\"} 1\n"))
            #expect(text.contains("nnzserve_request_duration_seconds_count{endpoint=\"predict\"} 2\n"))
        }
    }
}

/// Reads the value of one Prometheus sample line, e.g. `nnzserve_batch_rows_count{model="digits"}`.
func sample(_ text: String, _ name: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
        return Double(line.dropFirst(name.count + 1))
    }
    return nil
}

@Suite struct BatchingTests {
    @Test func concurrentRequestsAreScoredInOneBatch() async throws {
        // A long delay: the batch runs once 16 rows are queued (8 requests of 2 rows).
        let server = try makeServer { $0.maxBatchRows = 16; $0.maxDelayMilliseconds = 5_000 }
        let rows = try digitsRows(16)
        let model = try Model(path: digitsPath)
        try await server.makeApplication().test(.router) { client in
            let started = Date()
            let labels = model.outputNames
            let answers = try await withThrowingTaskGroup(of: (Int, [[Float]]).self) { group in
                for i in 0..<8 {
                    group.addTask {
                        let response = try await client.execute(uri: "/v1/models/digits/predict", method: .post, headers: json,
                                                                body: rowsBody(Array(rows[2 * i..<2 * i + 2])))
                        #expect(response.status == .ok)
                        return (i, try predictions(response).map { try scores($0, labels: labels) })
                    }
                }
                var all: [Int: [[Float]]] = [:]
                for try await (i, p) in group { all[i] = p }
                return all
            }
            #expect(Date().timeIntervalSince(started) < 4, "the batch waited for the delay instead of running when full")
            // Each request got its own rows back (the same as scoring them alone, within float rounding
            // of a different batch split).
            for i in 0..<8 {
                for j in 0..<2 {
                    let expected = try model.predict(rows[2 * i + j])
                    let got = try #require(answers[i])[j]
                    for (a, b) in zip(got, expected) { #expect(abs(a - b) <= 1e-6 * max(1, abs(b))) }
                }
            }
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(sample(text, "nnzserve_batch_rows_count{model=\"digits\"}") == 1)
            #expect(sample(text, "nnzserve_batch_rows_sum{model=\"digits\"}") == 16)
            #expect(sample(text, "nnzserve_rows_scored_total{model=\"digits\"}") == 16)
        }
    }

    @Test func aRequestLargerThanTheBatchRunsAlone() async throws {
        let server = try makeServer { $0.maxBatchRows = 4 }
        let rows = try digitsRows(10)
        let expected = try Model(path: digitsPath).predict(rows: rows)
        try await server.makeApplication().test(.router) { client in
            let response = try await client.execute(uri: "/v1/models/digits/predict", method: .post, headers: json, body: rowsBody(rows))
            #expect(response.status == .ok)
            let got = try predictions(response)
            #expect(try got.enumerated().allSatisfy { try scores($1, labels: (0..<10).map(String.init)) == expected[$0] })
        }
    }
}

/// A scratch copy of a model file, to overwrite during reload tests.
func scratchCopy(of path: String) throws -> String {
    let copy = NSTemporaryDirectory() + "nnzserve-\(UUID().uuidString).nnz"
    try FileManager.default.copyItem(atPath: path, toPath: copy)
    return copy
}

func replace(_ path: String, with source: String) throws {
    let bytes = try Data(contentsOf: URL(fileURLWithPath: source))
    try bytes.write(to: URL(fileURLWithPath: path), options: .atomic)
}

@Suite(.serialized) struct ReloadTests {
    // Two models with the same interface (5 inputs, 3 classes) and different weights.
    let a = fixtures + "/models/mlp_f16.nnz"
    let b = fixtures + "/models/mlp_int8.nnz"
    let row: [Float] = [0.5, -1, 2, 0.25, 3]

    @Test func goodReloadSwapsTheModel() async throws {
        let path = try scratchCopy(of: a)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let server = try makeServer([("m", path)])
        let before = try Model(path: a).predict(row), after = try Model(path: b).predict(row)
        #expect(before != after)
        try await server.makeApplication().test(.router) { client in
            let labels = try Model(path: a).outputNames
            var response = try await client.execute(uri: "/v1/models/m/predict", method: .post, headers: json, body: rowsBody([row]))
            #expect(try scores(predictions(response)[0], labels: labels) == before)
            try replace(path, with: b)
            let reload = try await client.execute(uri: "/v1/models/m/reload", method: .post)
            #expect(reload.status == .ok)
            #expect(try object(reload)["generation"] as? Int == 2)
            response = try await client.execute(uri: "/v1/models/m/predict", method: .post, headers: json, body: rowsBody([row]))
            #expect(try object(response)["generation"] as? Int == 2)
            #expect(try scores(predictions(response)[0], labels: labels) == after)
            // SIGHUP's path: every model again.
            try replace(path, with: a)
            server.store.reloadAll()
            response = try await client.execute(uri: "/v1/models/m/predict", method: .post, headers: json, body: rowsBody([row]))
            #expect(try object(response)["generation"] as? Int == 3)
            #expect(try scores(predictions(response)[0], labels: labels) == before)
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(sample(text, "nnzserve_model_reloads_total{model=\"m\",result=\"ok\"}") == 2)
        }
    }

    @Test func badFileIsRefusedAndTheOldModelKeepsServing() async throws {
        let path = try scratchCopy(of: a)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let server = try makeServer([("m", path)])
        let before = try Model(path: a).predict(row)
        let labels = try Model(path: a).outputNames
        // A file whose checksums are fine but whose stored self-test does not match its weights.
        var file = try NNZReader.read(path: a)
        let test = try #require(file.selfTest)
        file.selfTest = SelfTest(tolerance: test.tolerance, inputs: test.inputs, outputs: test.outputs.map { $0.map { $0 + 0.5 } })
        let failingSelfTest = NSTemporaryDirectory() + "nnzserve-\(UUID().uuidString).nnz"
        try NNZWriter.write(file, to: failingSelfTest)
        defer { try? FileManager.default.removeItem(atPath: failingSelfTest) }
        try await server.makeApplication().test(.router) { client in
            for (bad, reason) in [(fixtures + "/hostile/bad_chunk_crc.nnz", "CRC"), (failingSelfTest, "self-test FAILED: row "),
                                  (fixtures + "/hostile/empty.nnz", "the file is 0 bytes")] {
                try replace(path, with: bad)
                let reload = try await client.execute(uri: "/v1/models/m/reload", method: .post)
                #expect(reload.status == .internalServerError)
                let message = try errorMessage(reload)
                #expect(message.hasPrefix("reload refused: \(path)"), "\(message)")
                #expect(message.contains(reason), "\(message)")
                #expect(message.hasSuffix("generation 1 keeps serving"))
                let response = try await client.execute(uri: "/v1/models/m/predict", method: .post, headers: json, body: rowsBody([row]))
                #expect(response.status == .ok)
                #expect(try scores(predictions(response)[0], labels: labels) == before)
            }
            try FileManager.default.removeItem(atPath: path)
            let missing = try await client.execute(uri: "/v1/models/m/reload", method: .post)
            #expect(missing.status == .internalServerError)
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(sample(text, "nnzserve_model_reloads_total{model=\"m\",result=\"failed\"}") == 4)
        }
    }

    @Test func reloadUnderLoadAnswersEveryRequest() async throws {
        let path = try scratchCopy(of: a)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let server = try makeServer([("m", path)]) { $0.maxBatchRows = 32 }
        let outputsA = try Model(path: a).predict(row), outputsB = try Model(path: b).predict(row)
        let labels = try Model(path: a).outputNames
        try await server.makeApplication().test(.router) { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        for _ in 0..<50 {
                            let response = try await client.execute(uri: "/v1/models/m/predict", method: .post, headers: json, body: rowsBody([row, row]))
                            #expect(response.status == .ok)
                            let got = try predictions(response)
                            for p in got {
                                let s = try scores(p, labels: labels)
                                // Either model's answer (batched with others: within float rounding).
                                let near = { (x: [Float]) in zip(s, x).allSatisfy { abs($0 - $1) <= 1e-6 } }
                                #expect(near(outputsA) || near(outputsB))
                            }
                        }
                    }
                }
                group.addTask {
                    for i in 0..<10 {
                        try replace(path, with: i % 2 == 0 ? b : a)
                        let reload = try await client.execute(uri: "/v1/models/m/reload", method: .post)
                        #expect(reload.status == .ok || reload.status == .conflict)
                        try await Task.sleep(nanoseconds: 5_000_000)
                    }
                }
                try await group.waitForAll()
            }
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(sample(text, "nnzserve_requests_total{endpoint=\"predict\",status=\"200\"}") == 400)
            #expect(sample(text, "nnzserve_rows_scored_total{model=\"m\"}") == 800)
        }
    }
}
