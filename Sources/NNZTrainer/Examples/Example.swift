import NNZFormat

/// The tutorial networks, each reproducible by name (`nntrain example NAME`).
///
/// ```swift
/// let result = try Example.named("moons-tanh")!.run(dataDirectory: "Fixtures/data")
/// print(result.headline)        // "train accuracy 0.975 (hidden 3) ..."
/// ```
public struct Example: Sendable {
    /// The name on the command line.
    public let name: String
    /// One line: the network and the recipe.
    public let summary: String
    /// What it must reach (the table).
    public let requirement: String
    /// CSV files it reads from the data directory.
    public let files: [String]
    let body: @Sendable (ExampleContext) throws(ExampleError) -> ExampleResult

    /// Every example, in the table's order.
    public static let all: [Example] = [
        moonsSigmoid, xor, moonsTanh, moonsBest, regression, digits, digitsCNN,
    ]

    /// The example called `name` (case-insensitive), if any.
    public static func named(_ name: String) -> Example? {
        all.first { $0.name == name.lowercased() }
    }

    /// Runs the recipe on the files in `dataDirectory`.
    ///
    /// - Parameters:
    ///   - seed: overrides the recipe's seed. Recipes that replay a tutorial's numpy draws then
    ///     seed numpy's `RandomState` with it.
    public func run(dataDirectory: String, seed: UInt64? = nil,
                    progress: ((TrainingEvent) -> Void)? = nil) throws(ExampleError) -> ExampleResult {
        try body(ExampleContext(dataDirectory: dataDirectory, seed: seed, progress: progress))
    }
}

/// What a recipe gets.
struct ExampleContext {
    var dataDirectory: String
    var seed: UInt64?
    var progress: ((TrainingEvent) -> Void)?

    func load(_ file: String, target: String, task: CSVLoader.TaskKind = .automatic, inputShape: [Int]? = nil,
              classLabels: [String]? = nil) throws(ExampleError) -> Dataset {
        let path = dataDirectory.hasSuffix("/") ? dataDirectory + file : dataDirectory + "/" + file
        do {
            return try CSVLoader.load(path: path, target: target, task: task, inputShape: inputShape, classLabels: classLabels)
        } catch {
            throw .data(error)
        }
    }

    func train(_ job: TrainingJob, _ data: Dataset, reportProgress: Bool = true) throws(ExampleError) -> TrainedModel {
        do {
            return try job.run(on: data, progress: reportProgress ? progress : nil)
        } catch {
            throw .training(error)
        }
    }
}

/// One measured figure of an example.
public struct ExampleFigure: Sendable {
    /// What was measured, e.g. `train accuracy (2-6-2)`.
    public var label: String
    /// The measured value.
    public var value: Double
    /// The tutorial's or the anchor's figure for the same thing, when there is one.
    public var reference: Double?
}

/// What an example produced.
public struct ExampleResult {
    /// The model the example writes.
    public var trained: TrainedModel
    /// The figures, the headline one first.
    public var figures: [ExampleFigure]
    /// Whether the headline figure meets the requirement.
    public var meetsRequirement: Bool
    /// Data to draw in a decision-boundary plot (two-feature examples), raw.
    public var plotData: Dataset?
    /// Extra notes (e.g. how the figure compares with the tutorial's).
    public var notes: [String] = []
    /// The held-out rows the test figures come from (raw), for examples that have them.
    public var testData: Dataset?

    /// The model file to write.
    public func modelFile() -> ModelFile {
        trained.modelFile()
    }
}

/// Why an example could not run.
public enum ExampleError: Error, CustomStringConvertible {
    case data(DataError)
    case training(TrainingJobError)

    public var description: String {
        switch self {
        case .data(let e): return e.description
        case .training(let e): return e.description
        }
    }
}
