import Foundation
import Testing
import JailbirdTestSupport

/// `jailbird sweep` on an Asterisk log of the scenario worked out by hand in the library's
/// SweepTests: a 600-failure campaign (2 s apart, from 01:00), an office that mistypes 3 times
/// then logs in (09:00), a slow brute forcer failing every 2 hours (12 times from 00:00), five
/// scanners failing twice; the replay ends at 2024-03-02T00:00:00Z.
@Suite struct SweepCommandTests {
    static let start = Date(timeIntervalSince1970: 1_709_251_200)

    static func stamp(_ offset: Int) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: start.addingTimeInterval(Double(offset)))
    }

    static func failure(_ offset: Int, _ ip: String) -> String {
        "[\(stamp(offset))] NOTICE[3141] chan_sip.c: Registration from '\"100\" <sip:100@192.0.2.254>' failed for '\(ip):5060' - Wrong password\n"
    }

    static func success(_ offset: Int, _ ip: String) -> String {
        "[\(stamp(offset))] SECURITY[24226] res_security_log.c: SecurityEvent=\"SuccessfulAuth\",EventTV=\"2024-03-01T09:01:30.001+0000\",Severity=\"Informational\",Service=\"SIP\",EventVersion=\"1\",AccountID=\"201\",SessionID=\"0x7feed36e3e1\",LocalAddress=\"IPV4/UDP/203.0.113.10/5060\",RemoteAddress=\"IPV4/UDP/\(ip)/5061\",UsingPassword=\"1\"\n"
    }

    /// The log and a configuration directory whose asterisk jail has maxretry 10, findtime 10m,
    /// bantime 1h.
    static func writeScenario() throws -> (log: String, config: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jailbird-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var lines: [(Int, String)] = []
        for index in 0..<600 { lines.append((3600 + 2 * index, failure(3600 + 2 * index, "203.0.113.66"))) }
        for index in 0..<3 { lines.append((9 * 3600 + 30 * index, failure(9 * 3600 + 30 * index, "198.51.100.23"))) }
        lines.append((9 * 3600 + 90, success(9 * 3600 + 90, "198.51.100.23")))
        for index in 0..<12 { lines.append((7200 * index, failure(7200 * index, "192.0.2.77"))) }
        for number in 0..<5 {
            let offset = 5 * 3600 + 60 * number
            lines.append((offset, failure(offset, "203.0.113.10\(number + 1)")))
            lines.append((offset + 10, failure(offset + 10, "203.0.113.10\(number + 1)")))
        }
        let text = lines.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element.1).joined()
        let log = directory.appendingPathComponent("full").path
        try text.write(toFile: log, atomically: true, encoding: .utf8)
        let config = directory.appendingPathComponent("fail2ban")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try "[asterisk]\nenabled = true\nfilter = asterisk\nmaxretry = 10\nfindtime = 10m\nbantime = 1h\n".write(
            to: config.appendingPathComponent("jail.local"), atomically: true, encoding: .utf8)
        return (log, config.path)
    }

    static func sweep(_ extra: [String]) throws -> CLIRun {
        let scenario = try writeScenario()
        return try CLIRun.run(
            [
                "sweep", "--config", scenario.config, "--jail", "asterisk", "--maxretry", "3,5,10", "--findtime",
                "10m,1h,1d", "--bantime", "1h,1d", "--tz", "UTC", "--now", "2024-03-02T00:00:00Z",
            ] + extra + [scenario.log])
    }

    @Test func tableMarksTheRecommendationTheParetoRowsAndTheCurrentSettings() throws {
        let run = try Self.sweep([])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        for line in lines { #expect(line.count <= 80, "\(line)") }
        #expect(lines.first?.hasPrefix("Sweep of jail [asterisk]: 18 settings") == true)
        #expect(run.stdout.contains("625 failures from 7 attacking IPs and 1 legitimate IP"))
        let rows = lines.filter { $0.count > 2 && ["★", "*", " "].contains($0.first!) && $0.dropFirst(2).first == " " }
            .map { $0.split(separator: " ").map(String.init) }
        // The recommended row: maxretry 5, findtime 1d, bantime 1d; 2 bans of 2 IPs, 96.3% prevented.
        let recommended = try #require(rows.first { $0.first == "★" })
        #expect(recommended == ["★", "5", "1d", "1d", "off", "2", "2", "96.3%", "5", "0", "4h4s", "2"])
        #expect(rows.filter { $0.first == "*" }.count == 3)
        // The current settings (maxretry 10, findtime 10m, bantime 1h) are the '=' row.
        let current = try #require(rows.first { $0.first == "=" })
        #expect(current == ["=", "10", "10m", "1h", "off", "1", "1", "94.4%", "6", "0", "18s", "2"])
        // The rationale is wrapped at 80 columns.
        let prose = run.stdout.replacingOccurrences(of: "\n", with: " ")
        #expect(prose.contains("(currently maxretry 10, findtime 10m, bantime 1h, bantime.increment off)"))
        #expect(prose.contains("The runner-up, maxretry 3, findtime 1d, bantime 1d, bantime.increment off, would prevent 97.0%"))
    }

    @Test func csvParsesBackToTheRows() throws {
        let run = try Self.sweep(["--format", "csv"])
        #expect(run.status == 0, "\(run.stderr)")
        let records = try pythonCSV(run.stdout)
        #expect(records.count == 18)
        for record in records { #expect(record.count == 19) }
        let office = records.filter { $0["legitimate_ips_locked_out"] == "1" }.map { $0["maxretry"] }
        #expect(office.count == 6)
        #expect(office.allSatisfy { $0 == "3" })
        let slowBanned = records.filter { $0["attackers_never_banned"] == "5" }.map { $0["findtime"] }
        #expect(slowBanned.count == 6)
        #expect(slowBanned.allSatisfy { $0 == "86400" })
        let harsh = try #require(
            records.first { $0["maxretry"] == "3" && $0["findtime"] == "86400" && $0["bantime"] == "86400" })
        #expect(harsh["prevented"] == "606")
        #expect(harsh["failures"] == "625")
        #expect(harsh["bans"] == "3")
        #expect(harsh["churn"] == "3")
        #expect(harsh["median_seconds_to_ban"] == "7202")
        #expect(harsh["pareto"] == "true")
        #expect(records.filter { $0["recommended"] == "true" }.count == 1)
        #expect(records.filter { $0["current"] == "true" }.map { $0["maxretry"] } == ["10"])
    }

    @Test func jsonParsesWithTheRecommendationAndRationale() throws {
        let run = try Self.sweep(["--format", "json", "--trusted", "192.0.2.0/24"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["jail"] as? String == "asterisk")
        #expect(object["failures"] as? Int == 625)
        // The slow brute forcer is inside the trusted network: two legitimate IPs.
        #expect(object["legitimate_ips"] as? Int == 2)
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.count == 18)
        let recommended = try #require(object["recommended"] as? Int)
        #expect(rows[recommended]["legitimate_ips_locked_out"] as? Int == 0)
        #expect(rows[recommended]["recommended"] as? Bool == true)
        let current = try #require(object["current"] as? Int)
        #expect(rows[current]["maxretry"] as? Int == 10)
        #expect(rows[current]["findtime"] as? Int == 600)
        let rationale = try #require(object["rationale"] as? String)
        #expect(rationale.hasPrefix("Proposed fail2ban settings for the jail [asterisk]"))
        let lockedWithFindtime1d = rows.filter { $0["findtime"] as? Int == 86_400 && $0["maxretry"] as? Int == 10 }
        #expect(lockedWithFindtime1d.allSatisfy { $0["legitimate_ips_locked_out"] as? Int == 1 })
    }

    @Test func badListsAreUsageErrors() throws {
        let scenario = try Self.writeScenario()
        #expect(try CLIRun.run(["sweep", "--jail", "asterisk", "--maxretry", "3,,5", scenario.log]).status == 64)
        #expect(try CLIRun.run(["sweep", "--jail", "asterisk", "--increment", "maybe", scenario.log]).status == 64)
        #expect(try CLIRun.run(["sweep", "--jail", "asterisk", "--trusted", "office.example", scenario.log]).status == 64)
        #expect(try CLIRun.run(["simulate", "--jail", "asterisk", "--maxretry", "3,5", scenario.log]).status == 64)
    }
}
