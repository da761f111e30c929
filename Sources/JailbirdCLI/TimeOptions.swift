import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Jailbird

/// `--tz`, `--now`, `--since`, `--until`: the same meaning on every command.
struct TimeOptions: ParsableArguments {
    @Option(
        name: .customLong("tz"),
        help: ArgumentHelp(
            "Zone of time stamps that carry none (IANA name, e.g. Europe/Berlin).",
            discussion: "Default: the machine's zone (TZ, else /etc/localtime), as fail2ban does.",
            valueName: "zone"))
    var zoneName: String?

    @Option(
        help: ArgumentHelp(
            "Reference instant for year-less time stamps (RFC 3339, a date, or @epoch).",
            discussion: "Default: each file's modification time.", valueName: "instant"))
    var now: String?

    @Option(help: ArgumentHelp("Keep only events at or after this instant.", valueName: "instant"))
    var since: String?

    @Option(help: ArgumentHelp("Keep only events at or before this instant.", valueName: "instant"))
    var until: String?

    /// The zone rules, the reference instant and the window, or a usage error naming the bad value.
    func resolve() throws -> (zone: TimeZoneRules, now: Int64?, since: Int64?, until: Int64?) {
        let zone: TimeZoneRules
        if let zoneName {
            do {
                zone = try TimeZoneRules(identifier: zoneName)
            } catch {
                throw ValidationError("--tz: \(error)")
            }
        } else {
            zone = TimeZoneRules.system()
        }
        func instant(_ text: String?, _ flag: String) throws -> Int64? {
            guard let text else { return nil }
            guard let value = parseInstant(text, zone: zone) else {
                throw ValidationError(
                    "\(flag): cannot read '\(text)' as an instant (use e.g. 2024-01-15T10:00:00Z, 2024-01-15 or @1705312800).")
            }
            return value
        }
        let since = try instant(since, "--since")
        let until = try instant(until, "--until")
        if let since, let until, since > until {
            throw ValidationError("--since is after --until.")
        }
        return (zone, try instant(now, "--now"), since, until)
    }

    /// The instant year-less stamps of an input without a modification time (stdin) are read
    /// relative to when `--now` is not given: the start of the run.
    static var runStart: Int64 { Int64(time(nil)) }
}

/// Writes a message to standard error.
func printError(_ message: String) {
    writeStandardError("jailbird: " + message + "\n")
}

/// Writes to standard error what reading `file` should tell: its warnings, then its problems.
func printReadingNotes(of file: FileScan) {
    for warning in file.warnings { printError("warning: " + warning) }
    for problem in file.problems { printError(problem.description) }
}

/// Writes `text` to standard error at once (unbuffered).
func writeStandardError(_ text: String) {
    OutputWriter(descriptor: STDERR_FILENO, capacity: 0).write(text)
}
