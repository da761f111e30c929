import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Jailbird

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Replay the logs under many jail settings and recommend one.",
        discussion: """
            Simulates every combination of the listed --maxretry, --findtime, --bantime and \
            --increment values for the jail named by --jail (the other jails of --config keep \
            their settings) and prints, per combination: bans, IPs banned, the share of failures \
            prevented, attacking IPs never banned, legitimate IPs locked out (IPs with a successful \
            login in the jail's logs or inside --trusted networks), the median time from an \
            attacker's first failure to its ban, and firewall churn (ban + unban operations). \
            Rows marked * are Pareto-optimal (no other row prevents more, locks out fewer \
            legitimate IPs and causes less churn at once); ★ is the recommendation, explained \
            in a paragraph for a change request. With --config the configured settings are \
            replayed too and marked =. A key without a list keeps the jail's current value.

            Exit status: 0 all input read; 1 some input could not be read; 2 bad configuration; \
            64 usage error.

            Examples:
              jailbird sweep --jail asterisk --maxretry 3,5,10 --findtime 10m,1h,1d --bantime 1h,1d,1w fixtures/demo/full*
              jailbird sweep --config fixtures/config/server --jail asterisk --maxretry 3,5,10 --findtime 10m,1h,1d --bantime 1h,1d,1w --increment on,off fixtures/demo
              jailbird sweep --config /etc/fail2ban --jail sshd --maxretry 3,5 --trusted 192.0.2.0/24 --format csv /var/log/auth.log*
            """)

    @OptionGroup var jails: JailOptions
    @OptionGroup var time: TimeOptions

    @Option(
        help: ArgumentHelp(
            "bantime.increment values to try: on, off or on,off (default: the jail's current setting).",
            valueName: "list"))
    var increment: String?

    @Option(
        help: ArgumentHelp(
            "Addresses and networks of legitimate users (as ignoreip: blank or comma separated), besides IPs with a successful login.",
            valueName: "list"))
    var trusted: String?

    @Option(help: ArgumentHelp("Output: table (default), csv or json.", valueName: "format"))
    var format: SweepFormat = .table

    @Argument(help: ArgumentHelp("Log files and directories.", valueName: "path"))
    var paths: [String] = []

    func run() throws {
        let maxRetry = try jails.maxretry.map { try JailOptions.list($0, "--maxretry", JailOptions.maxRetry) }
        let findTime = try jails.findtime.map { try JailOptions.list($0, "--findtime", JailOptions.findTime) }
        let banTime = try jails.bantime.map { try JailOptions.list($0, "--bantime", JailOptions.banTime) }
        let increment = try self.increment.map { try JailOptions.list($0, "--increment", Self.onOff) }
        var trustedList = IgnoreList()
        if let trusted {
            do { trustedList = try IgnoreList(parsing: trusted) } catch { throw ValidationError("--trusted: \(error.message)") }
            if !trustedList.hostnames.isEmpty {
                throw ValidationError("--trusted: give addresses or networks, not host names (\(trustedList.hostnames.joined(separator: ", "))).")
            }
        }
        // The jail is read with its current settings; the lists are applied by the sweep.
        var current = jails
        current.maxretry = nil
        current.findtime = nil
        current.bantime = nil
        let prepared = try PreparedSimulation.prepare(jails: current, time: time, paths: paths)
        let input = prepared.input
        let jail: Int
        if let name = jails.jail {
            guard let index = input.jails.firstIndex(where: { $0.name == name }) else {
                throw ValidationError("--jail \(name): no such jail.")
            }
            jail = index
        } else {
            let candidates = input.jails.indices.filter { !input.jails[$0].isRecidive }
            guard candidates.count == 1 else {
                throw ValidationError("Name the jail to sweep with --jail (one of: \(input.jails.map(\.name).joined(separator: ", "))).")
            }
            jail = candidates[0]
        }
        if input.jails[jail].isRecidive { throw ValidationError("--jail \(input.jails[jail].name): sweeping recidive is not supported.") }
        let base = SweepSetting(of: input.jails[jail])
        let settings = SweepSetting.grid(
            maxRetry: maxRetry ?? [base.maxRetry], findTime: findTime ?? [base.findTime],
            banTime: banTime ?? [base.banTime], increment: increment ?? [base.increment])
        let result = Sweep.run(
            input, jail: jail, settings: settings, includeCurrent: jails.config != nil, trusted: trustedList,
            options: prepared.options)
        let output = OutputWriter(descriptor: STDOUT_FILENO)
        output.write(format.render(result))
        output.flush()
        if prepared.problemCount > 0 { throw ExitCode.failure }
    }

    static func onOff(_ text: String) throws -> Bool {
        switch text.lowercased() {
        case "on", "true", "yes", "1": return true
        case "off", "false", "no", "0": return false
        default: throw ValidationError("'\(text)' is neither on nor off.")
        }
    }
}

extension SweepFormat: ExpressibleByArgument {}
