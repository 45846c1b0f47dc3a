import ArgumentParser
import NNZTrainer

/// `nntrain example NAME`: one of the tutorial networks. `--help` lists the names and any
/// other is a usage error that names them.
struct ExampleName: ExpressibleByArgument {
    let example: Example

    init?(argument: String) {
        guard let example = Example.named(argument) else { return nil }
        self.example = example
    }

    static var allValueStrings: [String] { Example.all.map(\.name) }
}
