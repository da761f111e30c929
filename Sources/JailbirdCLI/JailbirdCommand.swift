import ArgumentParser
import Jailbird

/// The `jailbird` command: subcommands for each job.
public struct JailbirdCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "jailbird",
        abstract: "Log forensics for Asterisk and sshd servers behind fail2ban.",
        version: "0.1.0",
        subcommands: [
            ScanCommand.self, SimulateCommand.self, ExplainCommand.self, SweepCommand.self, ReportCommand.self,
            OffendersCommand.self, StatsCommand.self,
        ]
    )

    public init() {}
}
