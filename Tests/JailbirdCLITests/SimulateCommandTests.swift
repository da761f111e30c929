import Foundation
import Testing

@Suite struct SimulateCommandTests {
    static func line(_ offset: Int, _ ip: String) -> String {
        let date = Date(timeIntervalSince1970: 1_709_287_200 + Double(offset))
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return "[\(formatter.string(from: date))] NOTICE[3141] chan_sip.c: Registration from '\"100\" <sip:100@192.0.2.254>' failed for '\(ip):5060' - Wrong password\n"
    }

    /// 203.0.113.1 fails 3 times in 2 minutes (banned with maxretry 3); 203.0.113.2 fails at
    /// 0, 100 and 740 s: the third failure comes 40 s after the counter's window closed.
    static func writeLog() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jailbird-sim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let text = line(0, "203.0.113.1") + line(5, "203.0.113.2") + line(60, "203.0.113.1") + line(105, "203.0.113.2")
            + line(120, "203.0.113.1") + line(745, "203.0.113.2")
        let path = directory.appendingPathComponent("full").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func commandLineJailBansWithTheGivenSettings() throws {
        let log = try Self.writeLog()
        let run = try CLIRun.run([
            "simulate", "--jail", "asterisk", "--maxretry", "3", "--findtime", "10m", "--bantime", "1h", "--tz", "UTC",
            "--bans", "csv", log,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = run.stdout.split(separator: "\n")
        #expect(rows.first == "jail,ip,start,end,bantime,count,failures,prolongations,trigger_file,trigger_line")
        #expect(rows.count == 2)
        #expect(rows[1].hasPrefix("asterisk,203.0.113.1,2024-03-01T10:02:00Z,2024-03-01T11:02:00Z,3600,1,3,0,"))
        #expect(rows[1].hasSuffix(",5"))
    }

    @Test func summaryCountsBansAndNeverBannedAttackers() throws {
        let log = try Self.writeLog()
        let run = try CLIRun.run([
            "simulate", "--jail", "asterisk", "--maxretry", "3", "--findtime", "10m", "--bantime", "1h", "--tz", "UTC", log,
        ])
        #expect(run.status == 0)
        #expect(run.stdout.contains("bans                     1 (1 IPs)"))
        #expect(run.stdout.contains("attackers never banned   1 of 2"))
    }

    @Test func explainSaysTheLastFailureCameTooLate() throws {
        let log = try Self.writeLog()
        let run = try CLIRun.run([
            "explain", "203.0.113.2", "--jail", "asterisk", "--maxretry", "3", "--findtime", "10m", "--tz", "UTC", log,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("counted, 2 of 3"))
        #expect(run.stdout.contains("40s too late"))
        #expect(run.stdout.contains("No ban at the end in [asterisk]: the counter stood at 1 of 3"))
    }

    @Test func badConfigurationNamesFileLineAndKey() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jailbird-cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "[asterisk]\nenabled = true\nfilter = asterisk\nmaxretry = five\n".write(
            to: directory.appendingPathComponent("jail.local"), atomically: true, encoding: .utf8)
        let run = try CLIRun.run(["simulate", "--config", directory.path, "--tz", "UTC"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("jail.local:4"))
        #expect(run.stderr.contains("maxretry"))
    }

    /// A log no configured jail reads is named, with its kind, and left out.
    @Test func aLogNoConfiguredJailReadsIsNamed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jailbird-cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "[sshd]\nenabled = true\nfilter = sshd\n".write(
            to: directory.appendingPathComponent("jail.local"), atomically: true, encoding: .utf8)
        let full = CLIRun.fixture("demo/full")
        let run = try CLIRun.run(["simulate", "--config", directory.path, "--tz", "UTC", full, CLIRun.fixture("demo/auth.log")])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("\(full): an Asterisk full log, which no simulated jail reads"), "\(run.stderr)")
    }

    @Test func jailOptionsAreValidated() throws {
        #expect(try CLIRun.run(["simulate", "--jail", "x", "--tz", "UTC"]).status == 64)
        #expect(try CLIRun.run(["simulate", "--jail", "asterisk", "--findtime", "soon", "--tz", "UTC"]).status == 64)
        #expect(try CLIRun.run(["explain", "not-an-ip", "--jail", "asterisk", "--tz", "UTC"]).status == 64)
    }
}
