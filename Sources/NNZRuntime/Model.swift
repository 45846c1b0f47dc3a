import NNZFormat

/// A loaded model, ready to predict. Immutable and `Sendable`: load it once and call it from
/// as many threads as you like.
///
/// ```swift
/// import NNZRuntime
///
/// let model = try Model(path: "digits.nnz")
/// let result = try model.classify(pixels)          // 64 raw pixel values
/// print(result.label, result.scores[result.classIndex])
/// ```
///
/// Inputs are *raw* features: the input normalization stored in the file is applied for you.
public final class Model: Sendable {
    /// Everything the file holds (layers, tensors, metadata, self-test).
    public let file: ModelFile
    /// Shape of one input sample: `[features]` or `[channels, height, width]`.
    public let inputShape: [Int]
    /// Values per input row (the product of ``inputShape``).
    public let inputWidth: Int
    /// Values per output row.
    public let outputWidth: Int
    /// What the outputs mean.
    public let outputKind: OutputKind
    /// Input feature names from the file, if it has them.
    public let featureNames: [String]?
    /// One name per output: the file's class labels, or `"0"`, `"1"`, … when it has none.
    /// Built once for up to 65 536 outputs (the format's limit on `class_labels`), on each
    /// access beyond: a valid file may have 2^28 unnamed outputs, 4 GiB of names.
    public var outputNames: [String] { storedOutputNames ?? Self.indexNames(outputWidth) }
    private let storedOutputNames: [String]?
    /// Whether the file names its classes (``outputNames`` are then the class labels).
    public let hasClassLabels: Bool
    let plan: Plan
    let scratchPool: ScratchPool

    /// Loads and validates the model file at `path`.
    public convenience init(path: String, options: RuntimeOptions = RuntimeOptions()) throws(FormatError) {
        let model = try NNZReader.readValidated(path: path)
        do throws(FormatError) {
            try self.init(validated: model, options: options)
        } catch {
            throw FormatError(error.code, error.message, offset: error.offset, chunk: error.chunk, path: path)
        }
    }

    /// Loads a model from the bytes of an `.nnz` file.
    public convenience init(bytes: [UInt8], options: RuntimeOptions = RuntimeOptions()) throws(FormatError) {
        try self.init(validated: try NNZReader.decodeValidated(bytes), options: options)
    }

    /// Compiles an in-memory model (validated first, once).
    public convenience init(file: ModelFile, options: RuntimeOptions = RuntimeOptions()) throws(FormatError) {
        try self.init(validated: ValidatedModel(file), options: options)
    }

    /// Compiles a model that has been validated (by ``NNZReader`` or ``ValidatedModel/init(_:)``);
    /// nothing is checked or derived twice.
    public init(validated: ValidatedModel, options: RuntimeOptions = RuntimeOptions()) throws(FormatError) {
        let file = validated.file
        self.file = file
        plan = try Compiler.compile(validated, options: options)
        scratchPool = ScratchPool(plan: plan)
        inputShape = file.inputShape
        inputWidth = plan.inputWidth
        outputWidth = plan.outputWidth
        outputKind = file.outputKind
        featureNames = file.metadata.featureNames
        hasClassLabels = file.metadata.classLabels != nil
        storedOutputNames = file.metadata.classLabels
            ?? (plan.outputWidth <= Limits.maxListItems ? Self.indexNames(plan.outputWidth) : nil)
    }

    private static func indexNames(_ count: Int) -> [String] { (0..<count).map { String($0) } }

    /// Whether the outputs are class scores or probabilities (not regression values).
    public var isClassifier: Bool { outputKind != .regression }

    /// Predicts one row of ``inputWidth`` raw values.
    ///
    /// ```swift
    /// let outputs = try model.predict([5.1, 3.5, 1.4, 0.2])
    /// ```
    public func predict(_ row: [Float]) throws(InputError) -> [Float] {
        guard row.count == inputWidth else { throw InputError.width(expected: inputWidth, got: row.count, shape: inputShape, row: nil) }
        var output = [Float](repeating: 0, count: outputWidth)
        row.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                scratchPool.with(rows: 1) { plan.run(input: input.baseAddress!, rows: 1, output: out.baseAddress!, scratch: $0) }
            }
        }
        return output
    }

    /// Predicts many rows; each must have ``inputWidth`` values.
    ///
    /// ```swift
    /// let outputs = try model.predict(rows: [[0, 1], [1, 0]])   // [[Float]], one row per input
    /// ```
    public func predict(rows: [[Float]], threads: Int = 1) throws(InputError) -> [[Float]] {
        var flat: [Float] = []
        flat.reserveCapacity(rows.count * inputWidth)
        for (index, row) in rows.enumerated() {
            guard row.count == inputWidth else {
                throw InputError.width(expected: inputWidth, got: row.count, shape: inputShape, row: index)
            }
            flat.append(contentsOf: row)
        }
        var output = [Float](repeating: 0, count: rows.count * outputWidth)
        try flat.withUnsafeBufferPointer { (input) throws(InputError) in
            try output.withUnsafeMutableBufferPointer { (out) throws(InputError) in
                try predict(input, rows: rows.count, into: out, threads: threads)
            }
        }
        return (0..<rows.count).map { Array(output[$0 * outputWidth..<($0 + 1) * outputWidth]) }
    }

    /// Predicts `rows` samples stored back to back in `input` (`rows × inputWidth` values, each
    /// sample in row-major order) into `output` (`rows × outputWidth` values). Large batches are
    /// split across up to `threads` cores; small ones run on the calling thread.
    ///
    /// ```swift
    /// try model.predict(inputBuffer, rows: 1024, into: outputBuffer, threads: 2)
    /// ```
    public func predict(_ input: UnsafeBufferPointer<Float>, rows: Int, into output: UnsafeMutableBufferPointer<Float>,
                        threads: Int = 1) throws(InputError) {
        guard rows >= 0, input.count == rows * inputWidth else {
            throw InputError.buffer(what: "input", expected: rows * inputWidth, got: input.count, rows: rows, width: inputWidth)
        }
        guard output.count == rows * outputWidth else {
            throw InputError.buffer(what: "output", expected: rows * outputWidth, got: output.count, rows: rows, width: outputWidth)
        }
        guard rows > 0 else { return }
        let parts = partCount(rows: rows, threads: threads)
        if parts == 1 {
            scratchPool.with(rows: rows) { plan.run(input: input.baseAddress!, rows: rows, output: output.baseAddress!, scratch: $0) }
            return
        }
        let job = SplitJob(input: input.baseAddress!, output: output.baseAddress!, rows: rows, parts: parts,
                           inputWidth: inputWidth, outputWidth: outputWidth, plan: plan, pool: scratchPool)
        WorkPool.run(parts) { job.run(part: $0) }
    }

    /// How many pieces to split a batch into (``WorkPool/partCount(work:threads:items:)``).
    func partCount(rows: Int, threads: Int) -> Int {
        WorkPool.partCount(work: saturatingProduct(rows, plan.flopsPerRow), threads: threads, items: rows)
    }

    /// Predicts one row and interprets it as a classification.
    ///
    /// ```swift
    /// let c = try model.classify(row)
    /// print(c.label)                     // "setosa"
    /// print(c.top(3).map(\.label))       // ["setosa", "versicolor", "virginica"]
    /// ```
    public func classify(_ row: [Float]) throws(InputError) -> Classification {
        Classification(scores: try predict(row), names: outputNames)
    }

    /// Runs the file's self-test, if it has one.
    public func runSelfTest() -> SelfTestReport? {
        guard let test = file.selfTest else { return nil }
        var worst: Float = 0
        var worstRow = 0
        for (r, (input, expected)) in zip(test.inputs, test.outputs).enumerated() {
            guard let actual = try? predict(input) else { return SelfTestReport(rows: test.inputs.count, maxDifference: .infinity, worstRow: r, tolerance: test.tolerance) }
            for (a, e) in zip(actual, expected) {
                let d = abs(a - e)
                if !(d <= worst) { worst = d.isNaN ? .infinity : d; worstRow = r }
            }
        }
        return SelfTestReport(rows: test.inputs.count, maxDifference: worst, worstRow: worstRow, tolerance: test.tolerance)
    }
}

/// One batch split into contiguous row ranges, one per core.
private struct SplitJob: @unchecked Sendable {
    let input: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>
    let rows, parts, inputWidth, outputWidth: Int
    let plan: Plan
    let pool: ScratchPool

    func run(part: Int) {
        let start = rows * part / parts, end = rows * (part + 1) / parts
        guard end > start else { return }
        pool.with(rows: end - start) {
            plan.run(input: input + start * inputWidth, rows: end - start, output: output + start * outputWidth, scratch: $0)
        }
    }
}

extension Model {
    /// Working memory for batches of up to `rows` rows.
    public func makeWorkspace(rows: Int) -> Workspace {
        Workspace(plan: plan, rows: max(1, rows))
    }

    /// Predicts up to `workspace.rows` rows on the calling thread without allocating.
    public func predict(_ input: UnsafeBufferPointer<Float>, rows: Int, into output: UnsafeMutableBufferPointer<Float>,
                        workspace: Workspace) throws(InputError) {
        guard rows <= workspace.rows else {
            throw InputError("the workspace holds \(workspace.rows) rows, asked for \(rows)", expected: workspace.rows, got: rows)
        }
        guard input.count == rows * inputWidth else {
            throw InputError.buffer(what: "input", expected: rows * inputWidth, got: input.count, rows: rows, width: inputWidth)
        }
        guard output.count == rows * outputWidth else {
            throw InputError.buffer(what: "output", expected: rows * outputWidth, got: output.count, rows: rows, width: outputWidth)
        }
        guard rows > 0 else { return }
        plan.run(input: input.baseAddress!, rows: rows, output: output.baseAddress!, scratch: workspace.scratch)
    }
}
