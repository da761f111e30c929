import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Jailbird

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Replay the logs through fail2ban's jail algorithm: which bans would these settings have made?",
        discussion: """
            Jails come from a fail2ban configuration directory (--config; its enabled jails, \
            logs mapped with --log JAIL=PATH or given as arguments, each to the jails its kind \
            fits) or from the command line (--jail NAME with fail2ban's keys: --maxretry, \
            --findtime, --bantime, --ignoreip, --bantime-increment …). A fail2ban.log among the \
            arguments is compared with the simulation: which real bans it reproduces, misses \
            or adds.

            --while-banned prevented (default) drops the failures of IPs the simulation has \
            banned, as the firewall would have; --while-banned counted is fail2ban's own \
            reading of a log and matches it ban for ban.

            Exit status: 0 all input read; 1 some input could not be read; 2 bad configuration; \
            64 usage error.

            Examples:
              jailbird simulate --jail asterisk --maxretry 3 --findtime 1h --bantime 1d fixtures/demo/full*
              jailbird simulate --config fixtures/config/server fixtures/demo
              jailbird simulate --config /etc/fail2ban --log sshd=/var/log/auth.log --bans csv
            """)

    @OptionGroup var jails: JailOptions
    @OptionGroup var time: TimeOptions

    @Option(help: ArgumentHelp("Print the ban timeline instead of the summary: ndjson or csv.", valueName: "format"))
    var bans: BanFormat?

    @Argument(help: ArgumentHelp("Log files and directories.", valueName: "path"))
    var paths: [String] = []

    func run() throws {
        let prepared = try PreparedSimulation.prepare(jails: jails, time: time, paths: paths)
        let result = JailSimulator.simulate(prepared.input, options: prepared.options)
        let output = OutputWriter(descriptor: STDOUT_FILENO)
        if let bans {
            if bans == .csv { output.write(BanFormat.csvHeader) }
            for ban in result.bans {
                output.write(bans.line(for: ban, in: result, input: prepared.input, streamNames: prepared.streamNames))
            }
        } else {
            output.write(SimulationSummary(input: prepared.input, result: result, options: prepared.options).render())
            if prepared.hasRealLog {
                output.write(
                    Self.renderComparison(
                        BanComparison(input: prepared.input, result: result, realBans: prepared.realBans),
                        input: prepared.input, result: result))
            }
        }
        output.flush()
        if prepared.problemCount > 0 { throw ExitCode.failure }
    }

    /// The comparison with fail2ban.log, at most `limit` lines per list.
    static func renderComparison(
        _ comparison: BanComparison, input: SimulationInput, result: SimulationResult, limit: Int = 20
    ) -> String {
        let reproduced = comparison.real.filter { if case .reproduced = $0.outcome { return true } else { return false } }
        let missed = comparison.real.compactMap { entry -> (RealBan, String)? in
            if case .missed(let reason) = entry.outcome { return (entry.ban, reason) }
            return nil
        }
        var out = "Compared with fail2ban.log: \(comparison.real.count) real bans of the simulated jails\n"
        out += "  reproduced   \(reproduced.count)"
        let offsets = reproduced.compactMap { entry -> Int64? in
            if case .reproduced(_, let offset) = entry.outcome { return offset }
            return nil
        }
        if let worst = offsets.map({ abs($0) }).max() { out += " (largest time difference \(Format.duration(Double(worst))))" }
        out += "\n  missed       \(missed.count)\n  added        \(comparison.added.count)\n"
        if comparison.otherJails > 0 { out += "  (\(comparison.otherJails) real bans of jails not simulated)\n" }
        for (ban, reason) in missed.prefix(limit) {
            out += "  missed [\(SafeText.terminal(ban.jail))] \(ban.ip) at \(rfc3339UTC(ban.time)): \(reason)\n"
        }
        if missed.count > limit { out += "  … \(missed.count - limit) more missed\n" }
        for (index, reason) in comparison.added.prefix(limit) {
            let ban = result.bans[index]
            out += "  added  [\(SafeText.terminal(input.jails[ban.jail].name))] \(input.events.hosts[Int(ban.host)]) at \(rfc3339UTC(ban.start)): \(reason)\n"
        }
        if comparison.added.count > limit { out += "  … \(comparison.added.count - limit) more added\n" }
        return out + "\n"
    }
}
