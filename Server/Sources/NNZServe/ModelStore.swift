import Foundation
import Logging
import NNZFormat
import NNZRuntime
import NNZScoring
import Synchronization

/// One loaded, verified model file.
public final class ServedModel: Sendable {
    public let name: String
    public let path: String
    public let model: Model
    let fileBytes: Int
    /// Pre-encoded pieces of the JSON answers.
    let encoding: AnswerEncoding
    /// Feature name → input position, for `instances`.
    let featureIndex: [String: Int]?
    /// Load generation: 1 at start, +1 per successful reload.
    public let generation: Int
    let loadedAt: Date
    let layerOutputShapes: [[Int]]
    let selfTest: SelfTestReport?

    /// Reads `path`, validates every checksum and rule, compiles the model and runs its stored
    /// self-test (what `nninfer verify` checks); throws a message naming the file when any fails.
    init(name: String, path: String, generation: Int) throws(LoadError) {
        let bytes: [UInt8]
        let validated: ValidatedModel
        do throws(FormatError) {
            bytes = try NNZReader.readFile(path)
            validated = try NNZReader.decodeValidated(bytes)
        } catch {
            let located = error.path == nil ? FormatError(error.code, error.message, offset: error.offset, chunk: error.chunk, path: path) : error
            throw LoadError(located.description)
        }
        let model: Model
        do throws(FormatError) {
            model = try Model(validated: validated)
        } catch {
            throw LoadError("\(path): \(error.description)")
        }
        let report = model.runSelfTest()
        if let report, !report.passed {
            throw LoadError("\(path): self-test FAILED: row \(report.worstRow) differs by \(report.maxDifference), tolerance \(report.tolerance)")
        }
        self.name = name
        self.path = path
        self.model = model
        self.generation = generation
        fileBytes = bytes.count
        loadedAt = Date()
        layerOutputShapes = validated.layerOutputShapes
        selfTest = report
        encoding = AnswerEncoding(model: model)
        featureIndex = JSONRowsParser.index(model.featureNames)
    }

    /// What `GET /v1/models/{name}` answers: the model's interface and contents (built from the
    /// public `Model` / `ModelFile` API; the same facts `nninfer inspect --json` reports about
    /// inputs, outputs, layers, metadata and self-test, plus the serving state).
    func descriptionJSON() -> String {
        let file = model.file
        let j = JSONBuilder()
        j.object {
            j.field("name", string: name)
            j.field("path", string: path)
            j.field("generation", int: generation)
            j.field("loaded_at", string: ISO8601DateFormatter().string(from: loadedAt))
            j.field("format_version", string: file.formatVersion.description)
            j.field("file_bytes", int: fileBytes)
            j.key("input_shape"); j.ints(file.inputShape)
            j.field("input_width", int: model.inputWidth)
            j.field("output_kind", string: outputKindName(file.outputKind))
            j.field("output_width", int: model.outputWidth)
            j.key("feature_names")
            if let names = model.featureNames { j.strings(names) } else { j.null() }
            j.key("class_labels")
            if let labels = file.metadata.classLabels { j.strings(labels) } else { j.null() }
            if let n = file.normalization {
                j.key("normalization")
                j.object {
                    j.field("kind", string: n.kind == .standard ? "standard" : "minmax")
                    j.field("values", int: n.first.count)
                }
            }
            j.key("layers")
            j.array {
                for (index, layer) in file.layers.enumerated() {
                    j.object {
                        j.field("index", int: index)
                        j.field("kind", string: layer.kindName)
                        j.field("detail", string: layer.summary)
                        j.key("output_shape"); j.ints(layerOutputShapes[index])
                        j.field("parameters", int: layer.parameterShapes.reduce(0) { $0 + $1.reduce(1, *) })
                    }
                }
            }
            j.key("metadata")
            j.object {
                for (key, value) in file.metadata.entries {
                    j.key(key)
                    switch value {
                    case .string(let s): j.string(s)
                    case .number(let d): j.raw(d.isFinite ? (d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : "\(d)") : "null")
                    case .bool(let b): j.raw(b ? "true" : "false")
                    case .stringList(let l): j.strings(l)
                    }
                }
            }
            j.key("self_test")
            if let report = selfTest {
                j.object {
                    j.field("rows", int: report.rows)
                    j.field("tolerance", float: report.tolerance)
                    j.field("max_difference", float: report.maxDifference)
                    j.key("passed"); j.raw(report.passed ? "true" : "false")
                }
            } else {
                j.null()
            }
        }
        return j.text
    }
}

func outputKindName(_ kind: OutputKind) -> String {
    switch kind {
    case .scores: return "scores"
    case .probabilities: return "probabilities"
    case .regression: return "regression"
    }
}

/// Why a model file was not loaded (or reloaded).
public struct LoadError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The models the server answers for, by name. Each name holds its current ``ServedModel``;
/// a reload reads and verifies the file again and swaps it in atomically (a request holds the
/// model it started with until it is answered). A file that fails to load leaves the old model
/// serving.
public final class ModelStore: Sendable {
    final class Slot: Sendable {
        let path: String
        let current: Mutex<ServedModel>
        /// One reload at a time per name.
        let reloading = Mutex<Bool>(false)
        let batcher: Batcher
        init(model: ServedModel, batcher: Batcher) {
            path = model.path
            current = Mutex(model)
            self.batcher = batcher
        }
    }

    let slots: [String: Slot]
    /// Names in the order given on the command line.
    public let names: [String]
    let metrics: ServerMetrics
    let logger: Logger

    /// Loads and verifies every model (the first failure throws).
    init(models: [(name: String, path: String)], configuration: ServerConfiguration, metrics: ServerMetrics, logger: Logger) throws(LoadError) {
        var slots: [String: Slot] = [:]
        for (name, path) in models {
            guard slots[name] == nil else { throw LoadError("model name '\(name)' given twice") }
            let served = try ServedModel(name: name, path: path, generation: 1)
            let batcher = Batcher(name: name, maxBatchRows: configuration.maxBatchRows,
                                  maxDelay: Double(configuration.maxDelayMilliseconds) / 1000,
                                  threads: configuration.threads, metrics: metrics)
            slots[name] = Slot(model: served, batcher: batcher)
        }
        self.slots = slots
        names = models.map(\.name)
        self.metrics = metrics
        self.logger = logger
    }

    public func model(named name: String) -> ServedModel? {
        slots[name]?.current.withLock { $0 }
    }

    func batcher(named name: String) -> Batcher? { slots[name]?.batcher }

    public enum ReloadOutcome: Sendable {
        case reloaded(ServedModel)
        case failed(LoadError)
        case busy
        case unknownModel
    }

    /// Reads and verifies the model file of `name` again and swaps it in; on failure the old
    /// model keeps serving and the reason is logged and returned.
    public func reload(_ name: String) -> ReloadOutcome {
        guard let slot = slots[name] else { return .unknownModel }
        let claimed = slot.reloading.withLock { busy -> Bool in
            if busy { return false }
            busy = true
            return true
        }
        guard claimed else { return .busy }
        defer { slot.reloading.withLock { $0 = false } }
        let generation = slot.current.withLock { $0.generation } + 1
        do throws(LoadError) {
            let fresh = try ServedModel(name: name, path: slot.path, generation: generation)
            slot.current.withLock { $0 = fresh }
            metrics.reload(model: name, ok: true)
            logger.info("reloaded model", metadata: ["model": "\(name)", "path": "\(slot.path)", "generation": "\(generation)"])
            return .reloaded(fresh)
        } catch {
            metrics.reload(model: name, ok: false)
            logger.error("reload refused, the previous model keeps serving", metadata: ["model": "\(name)", "error": "\(error.description)"])
            return .failed(error)
        }
    }

    /// Reloads every model (SIGHUP).
    public func reloadAll() {
        for name in names { _ = reload(name) }
    }

    /// Ends the batch workers once their queues are empty.
    public func stop() {
        for slot in slots.values { slot.batcher.stop() }
    }
}
