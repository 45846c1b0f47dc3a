import ArgumentParser

@main
struct NNTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nntrain",
        abstract: "Train a small neural network on a CSV file and save it as one .nnz model file.",
        version: "0.1.0",
        subcommands: [Train.self, ExampleCommand.self],
        defaultSubcommand: Train.self
    )

    /// `nntrain --help` documents the training options (the default command), not just the
    /// list of subcommands.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments == ["--help"] || arguments == ["-h"] || arguments == ["help"] {
            print(Train.helpMessage(for: Train.self), terminator: "")
            print("\nSUBCOMMANDS:\n  train (default)         Train on a CSV file (this page).\n  example                 Reproduce a tutorial network ('nntrain example --help').")
            return
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
