#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import NNZCommandLine
import NNZPrecision
import NNZTrainer

struct ExampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "example",
        abstract: "Reproduce one of the tutorial networks on its data and write its model.",
        discussion: """
        Examples: moons-sigmoid, xor, moons-tanh, moons, regression, digits,
        digits-cnn (`nntrain example --list` describes them). The data files
        (moons.csv, xor.csv, regression3.csv, digits_train.csv, digits_test.csv) are
        looked up in --data-dir, then $NNZ_DATA_DIR, then ./Fixtures/data, then
        Fixtures/data above the nntrain executable. The run prints the example's
        figures next to the tutorial's and whether the requirement holds (exit 0
        either way; the figures are the result).

        --weights float16|int8 stores the trained float32 weights smaller (see
        `nntrain train --help`, WEIGHTS); for digits and digits-cnn the run also
        prints the test accuracy of the model as written, computed by the runtime:
          nntrain example digits --weights int8 --output digits-int8.nnz
        """
    )

    @Argument(help: ArgumentHelp("The example to run.", valueName: "name"))
    var name: ExampleName?

    @Flag(help: "List the examples and exit.")
    var list = false

    @Option(name: [.short, .long], help: ArgumentHelp("Where to write the model (default NAME.nnz).", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Write a PNG of the training curves (and the decision boundary for moons).", valueName: "file.png"))
    var plot: String?

    @Option(help: ArgumentHelp("Override the recipe's seed (the tutorial recipes then seed numpy's RandomState with it).", valueName: "n"))
    var seed: UInt64?

    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Directory holding the example CSV files.", valueName: "dir"))
    var dataDirectory: String?

    @Option(help: ArgumentHelp("How the file stores the weights: float32, float16 or int8 (default float32).", valueName: "precision"))
    var weights: WeightPrecisionName?

    @Flag(name: [.short, .long], help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        if !list && name == nil {
            throw ValidationError("name an example (nntrain example --list shows them)")
        }
    }

    func run() throws {
        if list {
            for example in Example.all {
                Terminal.write("\(example.name)\n    \(example.summary)\n    must reach: \(example.requirement)\n")
            }
            return
        }
        do {
            try runExample(name!.example)
        } catch {
            Terminal.error("nntrain: error: \(error.message)\n")
            throw ExitCode(error.code)
        }
    }

    private func runExample(_ example: Example) throws(Failure) {
        let directory = try findDataDirectory(for: example.files)
        if !quiet { Terminal.write("\(example.name): \(example.summary)\n") }
        let printer = ProgressPrinter.forOutput(quiet: quiet)
        let result: ExampleResult
        do {
            result = try example.run(dataDirectory: directory, seed: seed) { printer.handle($0) }
            printer.finish()
        } catch {
            printer.finish()
            switch error {
            case .data(let e): throw Failure(e.description, code: e.exitCode)
            case .training(let e): throw Failure(e.description, code: Exit.software)
            }
        }
        let path = output ?? "\(example.name).nnz"
        let precision = weights?.precision ?? .float32
        let written = try writeModel(result.trained, to: path, weights: precision)
        if let plot { try writePlot(result.trained, to: plot, points: result.plotData) }
        guard !quiet else { return }
        var lines: [String] = []
        for figure in result.figures {
            var line = "  \(figure.label): \(fixed(figure.value, 4))"
            if let reference = figure.reference { line += " (reference \(fixed(reference, 4)))" }
            lines.append(line)
        }
        lines.append("  must reach: \(example.requirement) -> \(result.meetsRequirement ? "yes" : "NO")")
        if precision != .float32, let test = result.testData, let figures = try storedModelFigures(written, on: test) {
            lines.append("  test with \(precision) weights: \(figures)")
        }
        for note in result.notes { lines.append("  note: \(note)") }
        let history = result.trained.history.epochs
        let seconds = history.reduce(0) { $0 + $1.seconds }
        lines.append("  \(history.count) epochs in \(duration(seconds)) (\(fixed(seconds / Double(max(history.count, 1)) * 1000, 3)) ms per epoch)")
        lines.append("wrote \(path)" + (plot.map { " and \($0)" } ?? ""))
        Terminal.write(lines.joined(separator: "\n") + "\n")
    }

    /// The first directory that holds every file the example needs.
    private func findDataDirectory(for files: [String]) throws(Failure) -> String {
        var candidates: [String] = []
        if let dataDirectory { candidates.append(dataDirectory) }
        if let environment = getenv("NNZ_DATA_DIR") { candidates.append(String(cString: environment)) }
        candidates.append("Fixtures/data")
        if let executable = executablePath() {
            var directory = executable
            for _ in 0..<6 {
                guard let slash = directory.lastIndex(of: "/") else { break }
                directory = String(directory[..<slash])
                if directory.isEmpty { break }
                candidates.append(directory + "/Fixtures/data")
            }
        }
        for candidate in candidates where files.allSatisfy({ FileIO.isFile(candidate + "/" + $0) }) {
            return candidate
        }
        if let dataDirectory {
            let missing = files.filter { !FileIO.isFile(dataDirectory + "/" + $0) }
            throw Failure("\(dataDirectory): missing \(missing.joined(separator: ", "))", code: Exit.noInput)
        }
        throw Failure("cannot find \(files.joined(separator: ", ")); looked in \(candidates.joined(separator: ", ")); pass --data-dir DIR", code: Exit.noInput)
    }

    private func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return CommandLine.arguments.first }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
