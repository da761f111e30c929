import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Jailbird

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "One IP's failures with the jail counter after each, and why it was or was not banned.",
        discussion: """
            Takes the same jail options as simulate. With a fail2ban.log among the logs, also \
            shows what fail2ban really did with the IP.

            Examples:
              jailbird explain 198.51.100.7 --config fixtures/config/server fixtures/demo
              jailbird explain 2001:db8::7 --jail sshd --maxretry 3 /var/log/auth.log*
            """)

    @Argument(help: ArgumentHelp("The IP address to explain.", valueName: "ip"))
    var ip: String

    @OptionGroup var jails: JailOptions
    @OptionGroup var time: TimeOptions

    @Argument(help: ArgumentHelp("Log files and directories.", valueName: "path"))
    var paths: [String] = []

    func run() throws {
        guard let address = IPAddress(ip) else { throw ValidationError("'\(ip)' is not an IP address.") }
        let prepared = try PreparedSimulation.prepare(jails: jails, time: time, paths: paths)
        let output = OutputWriter(descriptor: STDOUT_FILENO)
        defer { output.flush() }
        let records = prepared.realRecords.filter { $0.ip == address }
        guard let host = Explanation.host(of: address, in: prepared.input) else {
            output.write("\(address): no failure in the given logs for the simulated jails.\n")
            Self.writeRecords(records, to: output)
            if prepared.problemCount > 0 { throw ExitCode.failure }
            return
        }
        let result = JailSimulator.simulate(prepared.input, options: prepared.options, traceHost: host)
        let explanation = Explanation(
            input: prepared.input, result: result, host: host, streamNames: prepared.streamNames)
        let bans = result.bans.filter { $0.host == host }
        output.write("\(address): \(bans.count) simulated ban\(bans.count == 1 ? "" : "s")")
        output.write(prepared.options.whileBanned == .prevented ? " (failures while banned are prevented)\n\n" : " (failures while banned are counted)\n\n")
        output.write(explanation.render())
        for (jail, retry, since) in explanation.unfinished() {
            let parameters = prepared.input.jails[jail]
            output.write(
                "\nNo ban at the end in [\(SafeText.terminal(parameters.name))]: the counter stood at \(Format.number(retry)) of \(parameters.maxRetry) (since \(rfc3339UTC(Int64(since.rounded(.down))))).\n")
        }
        Self.writeRecords(records, to: output)
        if prepared.problemCount > 0 { throw ExitCode.failure }
    }

    static func writeRecords(_ records: [(jail: String, ip: IPAddress, time: Int64, kind: EventKind)], to output: OutputWriter) {
        guard !records.isEmpty else { return }
        output.write("\nWhat fail2ban.log shows for it:\n")
        for record in records.sorted(by: { $0.time < $1.time }) {
            output.write("\(rfc3339UTC(record.time))  [\(SafeText.terminal(record.jail))]  \(record.kind)\n")
        }
    }
}
