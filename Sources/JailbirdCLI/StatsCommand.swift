import ArgumentParser
import Jailbird

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Totals, top offenders and targets, an hour-by-day heat table, new vs returning attackers.",
        discussion: """
            Reads the logs with the standard filters (the events jailbird scan reports) and \
            prints: failures, attackers and bans; failures per service and address family; the \
            top offenders and the most tried users and extensions; IPs that failed and also \
            logged in; failures per hour of day and day (hours and days in --tz) with each \
            day's new and returning attackers; events per rule. Fits 80 columns; no color; \
            log text is escaped.

            Exit status: 0 all input read; 1 some input could not be read; 2 bad configuration; \
            64 usage error.

            Examples:
              jailbird stats fixtures/demo
              jailbird stats --tz Europe/Berlin --since 2024-03-09 fixtures/demo
              jailbird stats --config /etc/fail2ban --top 20 /var/log/auth.log*
            """)

    @Option(help: ArgumentHelp("How many offenders, and users per service, to list.", valueName: "n"))
    var top: Int = 10

    @Option(help: ArgumentHelp("Show at most the latest N days in the heat table.", valueName: "n"))
    var days: Int = 31

    @OptionGroup var jails: JailOptions
    @OptionGroup var time: TimeOptions
    @OptionGroup var standard: StandardFilterOptions

    @Argument(help: ArgumentHelp("Log files, directories, or '-' for standard input.", valueName: "path"))
    var paths: [String] = []

    func validate() throws {
        try validateAnalysisPaths(paths, jails: jails)
        if top < 1 { throw ValidationError("--top: at least 1.") }
        if days < 1 { throw ValidationError("--days: at least 1.") }
    }

    func run() throws {
        let prepared = try PreparedAnalysis.prepare(jails: jails, time: time, standard: standard, paths: paths)
        let statistics = prepared.analysis.statistics(zone: prepared.zone, top: top)
        let destination = try OutputFile(path: nil)
        destination.write(statistics.render(maxDays: days))
        try destination.finish()
        if prepared.problemCount > 0 { throw ExitCode.failure }
    }
}
