import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Jailbird

struct OffendersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "offenders",
        abstract: "One row per attacking IP: when, how often, whom it tried, and the bans it got (CSV, JSON).",
        discussion: """
            Columns: ip, first_seen, last_seen (RFC 3339 UTC), failures (what jailbird scan \
            reports for the IP), failures_asterisk, failures_sshd, successes, distinct_users, \
            top_users (name:count;name:count), simulated_bans (with --config or --jail; empty \
            otherwise), real_bans (from a fail2ban.log among the logs), network (/24 or /64). \
            No DNS lookups. CSV follows RFC 4180 and neutralises fields a spreadsheet would run \
            as formulas.

            Exit status: 0 all input read; 1 some input could not be read, or the output could \
            not be written; 2 bad configuration; 64 usage error.

            Examples:
              jailbird offenders fixtures/demo > offenders.csv
              jailbird offenders --min-failures 10 --sort last_seen /var/log/auth.log*
              jailbird offenders --config fixtures/config/server --format ndjson fixtures/demo
            """)

    @Option(help: ArgumentHelp("The output format.", valueName: "format"))
    var format: OffenderFormat = .csv

    @Option(help: ArgumentHelp("Write to FILE instead of standard output.", valueName: "file"))
    var output: String?

    @Option(name: .customLong("min-failures"), help: ArgumentHelp("Only IPs with at least N failures.", valueName: "n"))
    var minFailures: Int = 1

    @Option(help: ArgumentHelp("Row order: most failures, earliest first_seen, latest last_seen first, or by ip.", valueName: "order"))
    var sort: OffenderOrder = .failures

    @Option(name: .customLong("top-users"), help: ArgumentHelp("How many of the most tried users top_users lists.", valueName: "n"))
    var topUsers: Int = 3

    @OptionGroup var jails: JailOptions
    @OptionGroup var time: TimeOptions
    @OptionGroup var standard: StandardFilterOptions

    @Argument(help: ArgumentHelp("Log files, directories, or '-' for standard input.", valueName: "path"))
    var paths: [String] = []

    func validate() throws {
        try validateAnalysisPaths(paths, jails: jails)
        if minFailures < 1 { throw ValidationError("--min-failures: at least 1.") }
        if topUsers < 0 { throw ValidationError("--top-users: 0 or more.") }
    }

    func run() throws {
        let prepared = try PreparedAnalysis.prepare(jails: jails, time: time, standard: standard, paths: paths)
        let rows = prepared.analysis.offenders(topUsers: topUsers)
            .filter { $0.failures >= minFailures }
            .sorted(by: sort.precedes)
        let destination = try OutputFile(path: output)
        destination.write(format.render(rows))
        try destination.finish()
        if prepared.problemCount > 0 { throw ExitCode.failure }
    }
}

extension OffenderFormat: ExpressibleByArgument {}
extension OffenderOrder: ExpressibleByArgument {}

/// `--output FILE` or standard output, buffered.
struct OutputFile {
    let writer: OutputWriter
    /// The file's path and descriptor (closed by `finish`), nil for standard output.
    private let file: (path: String, descriptor: Int32)?

    init(path: String?) throws {
        guard let path else {
            writer = OutputWriter(descriptor: STDOUT_FILENO)
            file = nil
            return
        }
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if descriptor < 0 {
            printError("cannot write \(path): \(String(cString: strerror(errno)))")
            throw ExitCode.failure
        }
        writer = OutputWriter(descriptor: descriptor)
        file = (path, descriptor)
    }

    func write(_ text: String) { writer.write(text) }

    /// Flushes and closes; a write error (a full disk, a closed pipe) is named on stderr and
    /// fails the run.
    func finish() throws {
        writer.flush()
        var failure = writer.failure
        if let file, Glibc.close(file.descriptor) != 0, failure == nil { failure = errno }
        if let failure {
            printError("cannot write \(file?.path ?? "standard output"): \(String(cString: strerror(failure)))")
            throw ExitCode.failure
        }
    }
}
