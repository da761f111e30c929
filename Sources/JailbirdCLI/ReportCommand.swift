import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Jailbird

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract:
            "An incident report for a time window, as Markdown (for a ticket) and/or one self-contained HTML file.",
        discussion: """
            What happened between --since and --until (each defaults to the first / last event of \
            the inputs): failures, distinct attackers, services hit, a timeline per minute (windows \
            up to 6 h), hour (up to 31 days) or day with real and simulated bans, top offenders, \
            attacker networks (/24, /64), users and extensions targeted, attack phases (scan or \
            brute force), what fail2ban really did (a fail2ban.log among the inputs) against what \
            the configuration would have done (--config or --jail), and — at the top, loudly — \
            every successful login from an IP that also failed.

            The whole input is read and the jails replayed over all of it, so failures just \
            before the window count as they did for the real fail2ban; the report shows what \
            falls inside the window. All times are UTC.

            Without --html or --markdown the Markdown goes to standard output.

            Exit status: 0 all input read; 1 some input could not be read or an output file could \
            not be written; 2 bad configuration; 64 usage error.

            Examples:
              jailbird report fixtures/demo
              jailbird report --config fixtures/config/server --since 2024-03-10T00:00:00Z --until 2024-03-10T06:00:00Z --html incident.html --markdown incident.md fixtures/demo
              jailbird report --jail asterisk --maxretry 3 --findtime 10m --bantime 1h /var/log/asterisk/full* /var/log/fail2ban.log
            """)

    @OptionGroup var jails: JailOptions
    @OptionGroup var time: TimeOptions
    @OptionGroup var standard: StandardFilterOptions

    @Option(help: ArgumentHelp("Write the report as one self-contained HTML file.", valueName: "file"))
    var html: String?

    @Option(help: ArgumentHelp("Write the report as Markdown ('-': standard output).", valueName: "file"))
    var markdown: String?

    @Option(help: ArgumentHelp("Rows of each top list (offenders, networks, users, phases).", valueName: "n"))
    var top: Int = 20

    @Argument(
        help: ArgumentHelp(
            "Log files and directories (a fail2ban.log among them shows the real bans).", valueName: "path"))
    var paths: [String] = []

    func validate() throws {
        if paths.isEmpty { throw ValidationError("Give the logs to report on.") }
        if top < 1 { throw ValidationError("--top must be at least 1.") }
        if html == "-" { throw ValidationError("--html needs a file name.") }
    }

    func run() throws {
        let window = try time.resolve()
        // Read and replay everything; the report keeps to the window.
        var whole = time
        whole.since = nil
        whole.until = nil
        let prepared = try PreparedAnalysis.prepare(jails: jails, time: whole, standard: standard, paths: paths)
        let report = IncidentReport(
            analysis: prepared.analysis, since: window.since, until: window.until,
            settings: IncidentReport.Settings(topCount: top))
        var failed = prepared.problemCount > 0
        if let html {
            failed = !Self.write(ReportHTML.render(report), to: html) || failed
        }
        if markdown != nil || html == nil {
            let text = ReportMarkdown.render(report)
            if let markdown, markdown != "-" {
                failed = !Self.write(text, to: markdown) || failed
            } else {
                let output = OutputWriter(descriptor: STDOUT_FILENO)
                output.write(text)
                output.flush()
            }
        }
        if failed { throw ExitCode.failure }
    }

    /// Writes `text` to `path` (replacing it); false after printing why it failed.
    static func write(_ text: String, to path: String) -> Bool {
        guard let file = try? OutputFile(path: path) else { return false }
        file.write(text)
        return (try? file.finish()) != nil
    }
}
