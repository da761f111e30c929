import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Jailbird

/// A progress bar on standard error — bytes read of the expected total, rate and time left —
/// shown only when standard error is a terminal and only once a run has lasted a second.
final class ProgressBar: @unchecked Sendable {
    private let progress: ScanProgress
    private let started = DispatchTime.now()
    private let queue = DispatchQueue(label: "jailbird.progress")
    private let timer: DispatchSourceTimer
    /// Touched only on the timer's queue (and by `stop` after the timer is cancelled).
    private var drawn = false

    /// nil when standard error is not a terminal: then nothing is shown.
    init?(_ progress: ScanProgress) {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
        self.progress = progress
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + 1, repeating: .milliseconds(200))
        timer.setEventHandler { [unowned self] in self.draw() }
        timer.resume()
    }

    private func draw() {
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        let read = progress.bytesRead
        let total = progress.expectedTotal
        let rate = elapsed > 0 ? Double(read) / elapsed : 0
        var line = ""
        if total > 0 {
            let fraction = min(1, Double(read) / Double(total))
            let width = 24
            let filled = Int(fraction * Double(width))
            let percent = String(Int(fraction * 100))
            line += String(repeating: " ", count: max(0, 3 - percent.count)) + percent + "% ["
            line += String(repeating: "#", count: filled)
                + String(repeating: " ", count: width - filled) + "] "
            line += "\(Format.bytes(read)) of \(Format.bytes(total))  \(Format.bytes(Int(rate)))/s"
            if rate > 0 && read < total { line += "  ETA \(Format.duration((Double(total - read) / rate).rounded(.up)))" }
        } else {
            line += "\(Format.bytes(read)) read  \(Format.bytes(Int(rate)))/s"
        }
        writeStandardError("\r" + line + "\u{1b}[K")
        drawn = true
    }

    /// Stops drawing and clears the bar.
    func stop() {
        timer.cancel()
        // Wait for a draw in progress to finish, then clear the line.
        queue.sync {
            if drawn { writeStandardError("\r\u{1b}[K") }
        }
    }
}

/// Runs `body` with a progress counter for `sources` in the scan options, showing a bar when it
/// takes long enough and standard error is a terminal (and `showingBar`).
func withProgress<R>(
    _ sources: [LogSource], _ options: ScanOptions, showingBar: Bool = true, _ body: (ScanOptions) throws -> R
) rethrows -> R {
    var options = options
    let progress = ScanProgress(estimating: sources)
    options.progress = progress
    let bar = showingBar ? ProgressBar(progress) : nil
    defer { bar?.stop() }
    return try body(options)
}
