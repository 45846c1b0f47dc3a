#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NNZCommandLine
import NNZTrainer

/// Small output helpers on the C library.
enum Terminal {
    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    static func write(_ text: String) {
        writeAll(text, to: STDOUT_FILENO)
    }

    static func error(_ text: String) {
        writeAll(text, to: STDERR_FILENO)
    }
}

/// A short human duration: `850 ms`, `12.3 s`, `4 min 05 s`.
func duration(_ seconds: Double) -> String {
    if seconds < 1 { return "\(Int((seconds * 1000).rounded())) ms" }
    if seconds < 60 { return fixed(seconds, 1) + " s" }
    let total = Int(seconds.rounded())
    let s = total % 60
    return "\(total / 60) min \(s < 10 ? "0" : "")\(s) s"
}

/// Prints training progress: a live bar on a terminal, one line per epoch when piped,
/// nothing when quiet. With many epochs, epoch lines are thinned to about 100.
final class ProgressPrinter {
    enum Style { case bar, lines, quiet }
    let style: Style
    private var started = monotonicSeconds()
    private var lastDraw = 0.0

    init(style: Style) {
        self.style = style
    }

    /// Terminal when stdout is one, lines when piped, nothing when quiet.
    static func forOutput(quiet: Bool) -> ProgressPrinter {
        ProgressPrinter(style: quiet ? .quiet : (Terminal.stdoutIsTerminal ? .bar : .lines))
    }

    func handle(_ event: TrainingEvent) {
        switch (style, event) {
        case (.quiet, _): return
        case (.bar, .batch(let epoch, let epochs, let batch, let batches, let loss, let accuracy)):
            if epoch == 1 && batch == 1 { started = monotonicSeconds() }
            let now = monotonicSeconds()
            guard now - lastDraw > 0.05 || batch == batches else { return }
            lastDraw = now
            let done = (Double(epoch - 1) + Double(batch) / Double(batches)) / Double(epochs)
            let elapsed = now - started
            let eta = done > 0 ? elapsed * (1 - done) / done : 0
            let width = 24
            let filled = min(width, Int(Double(width) * Double(batch) / Double(batches)))
            let bar = String(repeating: "=", count: filled) + (filled < width ? ">" + String(repeating: " ", count: width - filled - 1) : "")
            let accuracyText = accuracy.map { " acc \(fixed($0, 4))" } ?? ""
            Terminal.write("\r\u{1B}[2Kepoch \(epoch)/\(epochs) [\(bar)] \(batch)/\(batches) loss \(fixed(loss, 4))\(accuracyText) ETA \(duration(eta))")
        case (.bar, .epoch(let m)), (.lines, .epoch(let m)):
            let interval = max(1, m.epochs / 100)
            guard m.epoch % interval == 0 || m.epoch == m.epochs || m.epoch == 1 else {
                if style == .bar { Terminal.write("\r\u{1B}[2K") }
                return
            }
            let prefix = style == .bar ? "\r\u{1B}[2K" : ""
            Terminal.write(prefix + epochLine(m) + "\n")
        case (.lines, .batch):
            return
        }
    }

    func finish() {
        if style == .bar { Terminal.write("\r\u{1B}[2K") }
    }

    func epochLine(_ m: EpochMetrics) -> String {
        var parts = ["epoch \(m.epoch)/\(m.epochs)", "loss \(fixed(m.loss, 4))"]
        if let a = m.accuracy { parts.append("acc \(fixed(a, 4))") }
        if let v = m.validationLoss { parts.append("val_loss \(fixed(v, 4))") }
        if let v = m.validationAccuracy { parts.append("val_acc \(fixed(v, 4))") }
        parts.append("lr \(m.learningRate)")
        parts.append(m.seconds < 0.01 ? "\(fixed(m.seconds * 1000, 2)) ms" : duration(m.seconds))
        return parts.joined(separator: "  ")
    }
}
