import ArgumentParser

/// `nninfer`: run `.nnz` models over CSV, inspect and verify model files, and benchmark them.
@main
struct NNInfer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nninfer",
        abstract: "Run an .nnz model over CSV rows, or inspect, verify and benchmark a model file.",
        discussion: """
        The default subcommand is `predict`, so `nninfer model.nnz input.csv` scores a
        CSV file (use `-` to read standard input) and writes one output row per input
        row.

        Exit codes (sysexits): 0 success; 1 verify found a problem; 64 usage error; 65
        bad data (malformed model file, bad CSV cell, wrong column count); 66 an input
        file is missing; 74 I/O error (unreadable, a directory, write failure).
        """,
        version: "0.1.0",
        subcommands: [Predict.self, Inspect.self, Verify.self, Bench.self],
        defaultSubcommand: Predict.self
    )
}
