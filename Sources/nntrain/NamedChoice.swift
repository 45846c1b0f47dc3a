import ArgumentParser
import NNZCommandLine

/// An option that takes one of a fixed set of names (`--optimizer`, `--loss`, …).
///
/// As an `ExpressibleByArgument` and `CaseIterable` type, `--help` lists its names and a
/// flag value outside them is a usage error (exit 64) that names them. The same names are
/// accepted in `--config` files, where a wrong one is the same usage error as on the command line.
protocol NamedChoice: ExpressibleByArgument, CaseIterable, RawRepresentable<String> {}

extension NamedChoice {
    /// The names as the usage errors list them: `sgd, momentum, adagrad, rmsprop or adam`.
    static var namesText: String {
        let names = allValueStrings
        guard names.count > 1 else { return names.joined() }
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }

    /// The flag's value, else the config file's `text`, else `fallback`.
    static func resolve(_ flag: Self?, file text: String?, default fallback: Self, option: String) throws(Failure) -> Self {
        if let flag { return flag }
        guard let text else { return fallback }
        guard let value = Self(argument: text) else {
            throw Failure("\(option): expected \(namesText), found \"\(text)\"", code: Exit.usage)
        }
        return value
    }
}
