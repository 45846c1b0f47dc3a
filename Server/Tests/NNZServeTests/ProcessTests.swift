import Foundation
import Hummingbird
import HummingbirdTesting
import NNZServe
import Testing

/// The built `nnzserve` next to this test bundle (SwiftPM builds it first: the test target depends on it).
func nnzserveBinary() throws -> String {
    let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for directory in [here, here.deletingLastPathComponent()] {
        let candidate = directory.appendingPathComponent("nnzserve").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    let fallback = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/nnzserve").path
    return try #require(FileManager.default.isExecutableFile(atPath: fallback) ? fallback : nil, "nnzserve not built")
}

func run(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try nnzserveBinary())
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let output = out.fileHandleForReading.readDataToEndOfFile()
    let error = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: error, as: UTF8.self))
}

/// Serialized: the child processes and raw sockets here and the slow-client test disturb one
/// another when run at the same time (the 408 is then never seen).
@Suite(.serialized) struct ProcessTests {
    @Test func slowClientGets408() async throws {
        let server = try makeServer { $0.readTimeoutSeconds = 0.5 }
        try await server.makeApplication().test(.live) { client in
            let port = try #require(client.port)
            let started = Date()
            let answer = try await offPool { try rawExchange(port: port, "POST /v1/models/reg/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"rows\":") }
            #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
            #expect(answer.contains("{\"error\":\"the body did not arrive within 0.5 s\",\"status\":408}"))
            #expect(Date().timeIntervalSince(started) < 5)
            // The server still answers.
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
        }
    }

    @Test func helpTeaches() async throws {
        let (status, output, _) = try await offPool { try run(["--help"]) }
        #expect(status == 0)
        for needle in ["--model <name=path>", "--max-batch-rows", "--max-delay-ms", "--max-body-bytes", "POST /v1/models/NAME/predict",
                       "{\"instances\":", "text/csv", "SIGHUP", "curl -s localhost:8080/v1/models/digits/predict", "nninfer inspect --json"] {
            #expect(output.contains(needle), "help lacks \(needle)")
        }
    }

    @Test func badModelStopsBeforeListening() async throws {
        let bad = fixtures + "/hostile/bad_chunk_crc.nnz"
        let (status, _, error) = try await offPool { try run(["--model", "m=\(bad)", "--port", "0"]) }
        #expect(status == 66)
        #expect(error.hasPrefix("nnzserve: \(bad): "), "\(error)")
        let usage = try await offPool { try run(["--model", "digits", "--port", "0"]) }
        #expect(usage.status == 64)
        #expect(usage.error.contains("--model digits: expected NAME=PATH"), "\(usage.error)")
    }

    /// SIGTERM while a request waits in the batcher: the request is still answered 200, then the
    /// process exits 0.
    @Test func sigtermDrainsInFlightRequests() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try nnzserveBinary())
        process.arguments = ["--model", "reg=\(regressionPath)", "--port", "0", "--max-delay-ms", "1500", "--max-batch-rows", "1000",
                             "--log-level", "warning"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // "nnzserve listening on http://127.0.0.1:PORT"
        let reader = out.fileHandleForReading
        let text = try await offPool { () -> String in
            var text = ""
            while !text.contains("\n") {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            return text
        }
        let port = try #require(text.split(separator: ":").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }, "\(text)")
        let pid = process.processIdentifier
        let answer = try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask {
                try await offPool { try rawExchange(port: port, "POST /v1/models/reg/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 19\r\nConnection: close\r\n\r\n{\"rows\":[[1,2,3]]}\n") }
            }
            try await Task.sleep(nanoseconds: 400_000_000)  // the request now waits in the batcher
            kill(pid, SIGTERM)
            return try await group.next()!
        }
        #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
        #expect(answer.contains("\"predictions\":[{\"outputs\":["))
        for _ in 0..<100 where process.isRunning { try await Task.sleep(nanoseconds: 50_000_000) }
        #expect(!process.isRunning)
        if !process.isRunning {
            #expect(process.terminationStatus == 0)
        }
    }
}
