import ArgumentParser
struct Predict: ParsableCommand {
    @Argument var model: String
    @Argument var input: String
    func run() throws { throw ValidationError("predict is being written") }
}
