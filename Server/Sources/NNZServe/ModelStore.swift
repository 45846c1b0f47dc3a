import Foundation
import Logging
import NNZFormat
import NNZInspect
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
    /// What `nninfer inspect` reports of the file (made at load).
    let summary: ModelSummary

    /// Reads `path`, validates every checksum and rule, compiles the model and runs its stored
    /// self-test (what `nninfer verify` checks); throws a message naming the file when any fails.
    init(name: String, path: String, generation: Int) throws(LoadError) {
        let bytes: [UInt8]
        let validated: ValidatedModel
        let chunks: [ChunkInfo]
        do throws(FormatError) {
            bytes = try NNZReader.readFile(path)
            (validated, chunks) = try NNZReader.decodeValidatedWithChunks(bytes)
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
        summary = ModelSummary(file: validated, chunks: chunks, fileBytes: bytes.count, selfTest: report)
        encoding = AnswerEncoding(model: model)
        featureIndex = JSONRowsParser.index(model.featureNames)
    }

    /// What `GET /v1/models/{name}` answers: the serving state (name, path, generation, load
    /// time, input width, feature names, class labels), then exactly the fields of
    /// `nninfer inspect --json` for the file (``ModelSummary``, the same code).
    func descriptionJSON() -> String {
        summary.json { j in
            j.key("name"); j.string(self.name)
            j.key("path"); j.string(self.path)
            j.key("generation"); j.number(self.generation)
            j.key("loaded_at"); j.string(ISO8601DateFormatter().string(from: self.loadedAt))
            j.key("input_width"); j.number(self.model.inputWidth)
            j.key("feature_names")
            if let names = self.model.featureNames { j.array(names.map { .string($0) }) } else { j.null() }
            j.key("class_labels")
            if let labels = self.model.file.metadata.classLabels { j.array(labels.map { .string($0) }) } else { j.null() }
        }
    }
}

/// The `output_kind` text: the same words as `nninfer inspect --json`.
func outputKindName(_ kind: OutputKind) -> String { kindText(kind) }

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
