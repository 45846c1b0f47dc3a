import ArgumentParser
import NNZCommandLine
import NNZFormat
import NNZInspect
import NNZRuntime
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `nninfer bench model.nnz`: load time, batch-1 latency and batch throughput.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure load time, batch-1 latency (median, p10, p90) and batch-64/1024 throughput.",
        discussion: """
        Inputs are deterministic pseudo-random values. With --json it prints one line
        whose keys are those ../shared/anchors/ort_bench.py reads from an --extra
        runtime:
          nninfer bench mlp_digits.nnz --threads 1 --seconds 2 --json
        """
    )

    @Argument(help: "The .nnz model file.")
    var model: String

    @Option(help: "Cores for the batch-64 and batch-1024 runs (batch 1 always runs on the calling thread).")
    var threads = 1

    @Option(help: "Timed budget per phase, in seconds.")
    var seconds = 2.0

    @Option(help: "Warm-up before each timed phase, in seconds.")
    var warmup = 0.3

    @Option(name: .customLong("load-reps"), help: "How many times to load the model to time loading.")
    var loadReps = 10

    @Flag(help: "Print one JSON line instead of text.")
    var json = false

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
    }

    func run() throws {
        try reportingFailures {
            let fileBytes = try NNZReader.readFile(model).count
            var start = monotonicSeconds()
            let loaded: Model
            do throws(FormatError) { loaded = try Model(path: model) } catch { throw Failure(error) }
            let loadFirst = (monotonicSeconds() - start) * 1e3
            let rssAfterLoad = peakRSSMegabytes()
            var loadTimes: [Double] = []
            for _ in 0..<max(1, loadReps) {
                start = monotonicSeconds()
                _ = try? Model(path: model)
                loadTimes.append((monotonicSeconds() - start) * 1e3)
            }

            let width = loaded.inputWidth
            let input = (0..<(1024 * width)).map { i -> Float in Float((i &* 2_654_435_761) % 1000) / 1000 }
            var output = [Float](repeating: 0, count: 1024 * loaded.outputWidth)
            let workspace = loaded.makeWorkspace(rows: 1)

            func single() {
                input.withUnsafeBufferPointer { i in
                    output.withUnsafeMutableBufferPointer { o in
                        try! loaded.predict(UnsafeBufferPointer(rebasing: i[0..<width]), rows: 1,
                                            into: UnsafeMutableBufferPointer(rebasing: o[0..<loaded.outputWidth]), workspace: workspace)
                    }
                }
            }
            start = monotonicSeconds()
            single()
            let firstRun = (monotonicSeconds() - start) * 1e6

            // Batch 1: time every call.
            var samples: [Double] = []
            let warmEnd = monotonicSeconds() + warmup
            while monotonicSeconds() < warmEnd { single() }
            let end = monotonicSeconds() + seconds
            while monotonicSeconds() < end {
                let t = monotonicSeconds()
                single()
                samples.append((monotonicSeconds() - t) * 1e6)
            }
            samples.sort()
            let rssAfterB1 = peakRSSMegabytes()

            func throughput(_ rows: Int) -> Double {
                let workspace = loaded.makeWorkspace(rows: rows)
                func batch() {
                    input.withUnsafeBufferPointer { i in
                        output.withUnsafeMutableBufferPointer { o in
                            let inRows = UnsafeBufferPointer(rebasing: i[0..<(rows * width)])
                            let outRows = UnsafeMutableBufferPointer(rebasing: o[0..<(rows * loaded.outputWidth)])
                            if threads == 1 {
                                try! loaded.predict(inRows, rows: rows, into: outRows, workspace: workspace)
                            } else {
                                try! loaded.predict(inRows, rows: rows, into: outRows, threads: threads)
                            }
                        }
                    }
                }
                let warmEnd = monotonicSeconds() + warmup
                while monotonicSeconds() < warmEnd { batch() }
                var count = 0
                let begin = monotonicSeconds()
                let end = begin + seconds
                while monotonicSeconds() < end { batch(); count += 1 }
                return Double(count * rows) / (monotonicSeconds() - begin)
            }
            let b64 = throughput(64)
            let b1024 = throughput(1024)
            let rssEnd = peakRSSMegabytes()

            func percentile(_ p: Double) -> Double { samples[min(samples.count - 1, Int(Double(samples.count) * p))] }
            loadTimes.sort()
            let loadMedian = loadTimes[loadTimes.count / 2]
            if json {
                let j = JSONWriter()
                j.object {
                    j.key("runtime"); j.string("nnz")
                    j.key("kernels"); j.string(Kernels.path)
                    j.key("threads"); j.number(threads)
                    j.key("b1")
                    j.object {
                        j.key("median"); j.double(percentile(0.5))
                        j.key("p10"); j.double(percentile(0.1))
                        j.key("p90"); j.double(percentile(0.9))
                        j.key("n"); j.number(samples.count)
                    }
                    j.key("b64"); j.object { j.key("samples_per_s"); j.double(b64.rounded()) }
                    j.key("b1024"); j.object { j.key("samples_per_s"); j.double(b1024.rounded()) }
                    j.key("load_first_ms"); j.double(loadFirst)
                    j.key("load_median_ms"); j.double(loadMedian)
                    j.key("first_run_us"); j.double(firstRun)
                    j.key("peak_rss_after_load_mb"); j.double(rssAfterLoad)
                    j.key("peak_rss_after_b1_mb"); j.double(rssAfterB1)
                    j.key("peak_rss_end_of_runs_mb"); j.double(rssEnd)
                    j.key("file_bytes"); j.number(fileBytes)
                }
                print(j.text)
            } else {
                print("model: \(model) (\(fileBytes) bytes), kernels: \(Kernels.path), threads: \(threads)")
                print("load: first \(fixed(loadFirst, 3)) ms, median \(fixed(loadMedian, 3)) ms; first run \(fixed(firstRun, 1)) µs")
                print("batch 1: median \(fixed(percentile(0.5), 3)) µs (p10 \(fixed(percentile(0.1), 3)), p90 \(fixed(percentile(0.9), 3))) over \(samples.count) calls")
                print("batch 64: \(grouped(Int(b64))) samples/s; batch 1024: \(grouped(Int(b1024))) samples/s")
                print("peak RSS: \(fixed(rssAfterLoad, 1)) MB after load, \(fixed(rssEnd, 1)) MB at the end")
            }
        }
    }
}

/// Peak resident set size in MB: VmHWM on Linux (unaffected by the parent process), ru_maxrss elsewhere.
func peakRSSMegabytes() -> Double {
    #if os(Linux)
    if let file = fopen("/proc/self/status", "r") {
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("VmHWM:") {
                let digits = text.filter { $0.isNumber }
                return (Double(digits) ?? 0) / 1024
            }
        }
    }
    #endif
    var usage = rusage()
    getrusage(0, &usage) // RUSAGE_SELF
    #if os(Linux)
    return Double(usage.ru_maxrss) / 1024
    #else
    return Double(usage.ru_maxrss) / 1_048_576
    #endif
}
