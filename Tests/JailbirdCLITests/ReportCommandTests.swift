import Foundation
import Testing

@Suite struct ReportCommandTests {
    /// 2024-03-01T10:00:00Z.
    static let t0 = 1_709_287_200

    static func stamp(_ offset: Int) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: Double(t0 + offset)))
    }

    /// 203.0.113.1 scans extensions 100–111 one every 5 s from T0; 198.51.100.7 fails once for
    /// 201 at T0+20m and logs in as 201 ten seconds later; sshd user `<script>alert(1)</script>`
    /// fails from 192.0.2.5 at T0+1h. fail2ban.log: the scanner banned at T0+25s.
    static func writeLogs() throws -> (directory: URL, paths: [String]) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "jailbird-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var full = ""
        for index in 0..<12 {
            let user = "\(100 + index)"
            full +=
                "[\(stamp(5 * index))] NOTICE[3141] chan_sip.c: Registration from '\"\(user)\" <sip:\(user)@192.0.2.254>' failed for '203.0.113.1:5060' - Wrong password\n"
        }
        full +=
            "[\(stamp(1200))] NOTICE[3141] chan_sip.c: Registration from '\"201\" <sip:201@192.0.2.254>' failed for '198.51.100.7:5060' - Wrong password\n"
        full +=
            "[\(stamp(1210))] SECURITY[2997] res_security_log.c: SecurityEvent=\"SuccessfulAuth\",EventTV=\"2024-03-01T10:20:10.001+0000\",Severity=\"Informational\",Service=\"SIP\",EventVersion=\"1\",AccountID=\"201\",SessionID=\"0x7f9\",LocalAddress=\"IPV4/UDP/192.0.2.254/5060\",RemoteAddress=\"IPV4/UDP/198.51.100.7/5068\",UsingPassword=\"1\"\n"
        let auth =
            "\(stamp(3600).replacingOccurrences(of: " ", with: "T")).000000+00:00 pbx sshd[77]: Failed password for invalid user <script>alert(1)</script> from 192.0.2.5 port 4242 ssh2\n"
        let fail2ban = "\(stamp(25)),117 fail2ban.actions        [1021]: NOTICE  [asterisk] Ban 203.0.113.1\n"
        let paths = try [("full", full), ("auth.log", auth), ("fail2ban.log", fail2ban)].map { name, text in
            let path = directory.appendingPathComponent(name).path
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
        return (directory, paths)
    }

    static let jail = ["--jail", "asterisk", "--maxretry", "5", "--findtime", "10m", "--bantime", "1h", "--tz", "UTC"]

    @Test func markdownOnStandardOutputWithoutFiles() throws {
        let logs = try Self.writeLogs()
        defer { try? FileManager.default.removeItem(at: logs.directory) }
        let run = try CLIRun.run(["report"] + Self.jail + logs.paths)
        #expect(run.status == 0, "\(run.stderr)")
        let text = run.stdout
        #expect(text.hasPrefix("# Incident report: 2024-03-01T10:00:00Z to 2024-03-01T11:00:00Z\n"))
        #expect(text.contains("| Failures | 14 |"))
        #expect(text.contains("| Distinct attackers (IPs) | 3 (IPv4 3, IPv6 0) |"))
        #expect(text.contains("POSSIBLE COMPROMISE: 1 IP logged in successfully"))
        #expect(text.contains("> | 198.51.100.7 | 1 | 1 | 2024-03-01T10:20:00Z | 1 | 2024-03-01T10:20:10Z | \"201\" |"))
        #expect(text.contains("| 203.0.113.1 | scan | 2024-03-01T10:00:00Z | 2024-03-01T10:00:55Z | 55s | 12 | 12 |"))
        #expect(text.contains("the simulation reproduced 1 and missed 0; it added 0 bans"))
        #expect(text.contains("\\<script\\>alert\\(1\\)\\</script\\>"))
    }

    @Test func windowAndBothFiles() throws {
        let logs = try Self.writeLogs()
        defer { try? FileManager.default.removeItem(at: logs.directory) }
        let html = logs.directory.appendingPathComponent("incident.html").path
        let markdown = logs.directory.appendingPathComponent("incident.md").path
        let run = try CLIRun.run(
            ["report"] + Self.jail + [
                "--since", "2024-03-01T10:10:00Z", "--until", "2024-03-01T12:00:00Z", "--html", html, "--markdown",
                markdown,
            ] + logs.paths)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.isEmpty)
        let text = try String(contentsOfFile: markdown, encoding: .utf8)
        // The scan (and its ban) lie before the window.
        #expect(text.contains("| Failures | 2 |"))
        #expect(text.contains("| Simulated bans | 0, 0 IPs |"))
        #expect(text.contains("## Timeline (per minute)"))
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.contains("<svg id=\"timeline-chart\""))
        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!page.contains("<script"))
    }

    @Test func withoutLogsIsAUsageError() throws {
        let run = try CLIRun.run(["report", "--tz", "UTC"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("Give the logs to report on."))
    }

    @Test func unwritableOutputFailsWithStatusOne() throws {
        let logs = try Self.writeLogs()
        defer { try? FileManager.default.removeItem(at: logs.directory) }
        let run = try CLIRun.run(["report", "--tz", "UTC", "--html", "/nonexistent-dir/x.html"] + logs.paths)
        #expect(run.status == 1)
        #expect(run.stderr.contains("cannot write /nonexistent-dir/x.html"))
    }
}
