import ArgumentParser
import Jailbird

/// How the standard filters (asterisk, sshd, fail2ban.log's records) read the logs: the one
/// choice they leave, which process names sshd's lines carry.
struct StandardFilterOptions: ParsableArguments {
    @Option(
        name: .customLong("sshd-daemon"),
        help: ArgumentHelp(
            "The process names of sshd's lines, as sshd.conf's _daemon: sshd (the default, fail2ban 1.0.2's), "
                + "or e.g. 'sshd(?:-session|-auth)?' for OpenSSH 9.8 and later.",
            valueName: "names"))
    var sshdDaemon: String?

    /// The names, or a usage error.
    func resolve() throws -> SSHDDaemonNames {
        guard let sshdDaemon else { return .stock }
        guard let names = SSHDDaemonNames(parsing: sshdDaemon) else {
            throw ValidationError("--sshd-daemon: jailbird reads \(SSHDDaemonNames.readableForms), not '\(sshdDaemon)'.")
        }
        return names
    }
}
