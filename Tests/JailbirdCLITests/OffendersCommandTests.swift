import Foundation
import Testing
import JailbirdTestSupport

/// A scenario with known answers, written as an Asterisk `full` log and an sshd `auth.log`
/// (all on 2024-03-01, UTC):
/// - a campaign from 192.0.2.0/24: five IPs, .10 to .14, each 20 registration failures 3 s
///   apart (extensions 200 to 219), IP k starting at 02:0k:00;
/// - an office IP, 198.51.100.23, that mistypes alice's password twice (09:00:00, 09:00:20)
///   and then logs in (09:00:40);
/// - a slow brute forcer, 203.0.113.66, failing every 20 minutes from 00:00 to 07:40 (24
///   failures, root and admin in turn): 3 an hour;
/// - two hostile user names: 203.0.113.98 at 12:00:00 (quotes, comma, an escape sequence and
///   a CR) and 203.0.113.99 at 12:00:01 (a spreadsheet formula).
enum Scenario {
    static let start: Int64 = 1_709_251_200
    static let hostileName = "x\"q\", y\u{1b}[31mred\rz"
    static let formulaName = "=cmd|' /C calc'!A0"

    static func stamp(_ offset: Int64, _ format: String) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = format
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(start + offset)))
    }

    static func asterisk(_ offset: Int64, _ ip: String, _ extensionNumber: String) -> String {
        "[\(stamp(offset, "yyyy-MM-dd HH:mm:ss"))] NOTICE[3141] chan_sip.c: Registration from '\"\(extensionNumber)\" <sip:\(extensionNumber)@192.0.2.254>' failed for '\(ip):5060' - Wrong password\n"
    }

    static func sshd(_ offset: Int64, _ message: String) -> String {
        "\(stamp(offset, "yyyy-MM-dd'T'HH:mm:ss")).000000+00:00 pbx sshd[\(2000 + offset % 997)]: \(message)\n"
    }

    /// Writes the two logs into a new temporary directory and returns its path.
    static func write() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jailbird-offenders-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var full = ""
        for host in 0..<5 {
            for attempt in 0..<20 {
                full += asterisk(7_200 + Int64(host) * 60 + Int64(attempt) * 3, "192.0.2.\(10 + host)", "\(200 + attempt)")
            }
        }
        var auth: [(Int64, String)] = []
        for attempt in 0..<24 {
            let offset = Int64(attempt) * 1_200
            auth.append((offset, sshd(offset, "Failed password for \(attempt % 2 == 0 ? "root" : "admin") from 203.0.113.66 port \(40_000 + attempt) ssh2")))
        }
        auth.append((32_400, sshd(32_400, "Failed password for alice from 198.51.100.23 port 50000 ssh2")))
        auth.append((32_420, sshd(32_420, "Failed password for alice from 198.51.100.23 port 50001 ssh2")))
        auth.append((32_440, sshd(32_440, "Accepted password for alice from 198.51.100.23 port 50002 ssh2")))
        auth.append((43_200, sshd(43_200, "Invalid user \(hostileName) from 203.0.113.98 port 4242")))
        auth.append((43_201, sshd(43_201, "Invalid user \(formulaName) from 203.0.113.99 port 4242")))
        try full.write(to: directory.appendingPathComponent("full"), atomically: true, encoding: .utf8)
        try auth.sorted { $0.0 < $1.0 }.map(\.1).joined().write(
            to: directory.appendingPathComponent("auth.log"), atomically: true, encoding: .utf8)
        return directory.path
    }

    /// The CSV that `jailbird offenders` must print for the scenario (default order).
    static func expectedCSV(simulated: [String: String] = [:]) -> String {
        func bans(_ ip: String) -> String { simulated[ip] ?? "" }
        var rows = [
            "ip,first_seen,last_seen,failures,failures_asterisk,failures_sshd,successes,distinct_users,top_users,simulated_bans,real_bans,network",
            "203.0.113.66,2024-03-01T00:00:00Z,2024-03-01T07:40:00Z,24,0,24,0,2,admin:12;root:12,\(bans("203.0.113.66")),0,203.0.113.0/24",
        ]
        for host in 0..<5 {
            let ip = "192.0.2.\(10 + host)"
            rows.append("\(ip),2024-03-01T02:0\(host):00Z,2024-03-01T02:0\(host):57Z,20,20,0,0,20,200:1;201:1;202:1,\(bans(ip)),0,192.0.2.0/24")
        }
        rows.append("198.51.100.23,2024-03-01T09:00:00Z,2024-03-01T09:00:20Z,2,0,2,1,1,alice:2,\(bans("198.51.100.23")),0,198.51.100.0/24")
        rows.append("203.0.113.98,2024-03-01T12:00:00Z,2024-03-01T12:00:00Z,1,0,1,0,1,\"x\"\"q\"\", y\u{1b}[31mred\rz:1\",\(bans("203.0.113.98")),0,203.0.113.0/24")
        rows.append("203.0.113.99,2024-03-01T12:00:01Z,2024-03-01T12:00:01Z,1,0,1,0,1,'=cmd|' /C calc'!A0:1,\(bans("203.0.113.99")),0,203.0.113.0/24")
        return rows.joined(separator: "\n") + "\n"
    }

    static let allIPs = ["203.0.113.66"] + (10...14).map { "192.0.2.\($0)" } + ["198.51.100.23", "203.0.113.98", "203.0.113.99"]
}

@Suite struct OffendersCommandTests {
    @Test func csvRowsOfTheScenario() throws {
        let directory = try Scenario.write()
        let run = try CLIRun.run(["offenders", "--tz", "UTC", directory])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == Scenario.expectedCSV())
    }

    @Test func csvReadsBackWithPythonsCSVModule() throws {
        let directory = try Scenario.write()
        let run = try CLIRun.run(["offenders", "--tz", "UTC", directory])
        let rows = try pythonCSV(run.stdout)
        #expect(rows.map { $0["ip"] } == Scenario.allIPs)
        let office = try #require(rows.first { $0["ip"] == "198.51.100.23" })
        #expect(office["failures"] == "2")
        #expect(office["successes"] == "1")
        #expect(office["top_users"] == "alice:2")
        let hostile = try #require(rows.first { $0["ip"] == "203.0.113.98" })
        #expect(hostile["top_users"] == Scenario.hostileName + ":1")
        #expect(hostile["network"] == "203.0.113.0/24")
        let formula = try #require(rows.first { $0["ip"] == "203.0.113.99" })
        #expect(formula["top_users"] == "'" + Scenario.formulaName + ":1")
        #expect(rows.allSatisfy { $0.count == 12 && $0["simulated_bans"] == "" && $0["real_bans"] == "0" })
    }

    /// The slow brute forcer (3 an hour) stays under maxretry 5 within findtime 1h; with
    /// maxretry 4 fail2ban's rate estimate bans it three times when its failures during each 1h
    /// ban are prevented, six times when they are counted. (The real fail2ban 1.0.2, replayed by
    /// the oracle over the scenario's auth.log, also makes 0 and 6 bans.)
    @Test(arguments: [("5", "prevented", "0"), ("4", "prevented", "3"), ("4", "counted", "6")])
    func simulatedBansOfTheSlowBruteForcer(maxretry: String, whileBanned: String, bans: String) throws {
        let directory = try Scenario.write()
        let run = try CLIRun.run([
            "offenders", "--tz", "UTC", "--jail", "sshd", "--maxretry", maxretry, "--findtime", "1h", "--bantime", "1h",
            "--while-banned", whileBanned, directory,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        var simulated = Dictionary(uniqueKeysWithValues: Scenario.allIPs.map { ($0, "0") })
        simulated["203.0.113.66"] = bans
        #expect(run.stdout == Scenario.expectedCSV(simulated: simulated))
    }

    @Test func campaignIsBannedOncePerIPByAnAsteriskJail() throws {
        let directory = try Scenario.write()
        let run = try CLIRun.run([
            "offenders", "--tz", "UTC", "--jail", "asterisk", "--maxretry", "5", "--findtime", "10m", "--bantime", "1h",
            "--format", "ndjson", directory,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let objects = try run.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        for object in objects {
            let ip = try #require(object["ip"] as? String)
            #expect(object["simulated_bans"] as? Int == (ip.hasPrefix("192.0.2.") ? 1 : 0), "\(ip)")
        }
    }

    @Test func windowMinimumAndOrders() throws {
        let directory = try Scenario.write()
        let windowed = try pythonCSV(
            try CLIRun.run([
                "offenders", "--tz", "UTC", "--since", "2024-03-01T02:00:30Z", "--until", "2024-03-01T09:00:10Z", directory,
            ]).stdout)
        let failures = Dictionary(uniqueKeysWithValues: windowed.map { ($0["ip"]!, $0["failures"]!) })
        #expect(failures == [
            "192.0.2.10": "10", "192.0.2.11": "20", "192.0.2.12": "20", "192.0.2.13": "20", "192.0.2.14": "20",
            "203.0.113.66": "17", "198.51.100.23": "1",
        ])
        #expect(windowed.first { $0["ip"] == "192.0.2.10" }?["first_seen"] == "2024-03-01T02:00:30Z")
        #expect(windowed.first { $0["ip"] == "198.51.100.23" }?["successes"] == "0")

        func order(_ extra: [String]) throws -> [String] {
            try pythonCSV(try CLIRun.run(["offenders", "--tz", "UTC"] + extra + [directory]).stdout).map { $0["ip"]! }
        }
        #expect(try order(["--min-failures", "20"]) == Array(Scenario.allIPs.prefix(6)))
        #expect(try order(["--sort", "ip"]) == (10...14).map { "192.0.2.\($0)" } + ["198.51.100.23", "203.0.113.66", "203.0.113.98", "203.0.113.99"])
        #expect(try order(["--sort", "first_seen"]) == Scenario.allIPs)
        #expect(try order(["--sort", "last_seen"]) == ["203.0.113.99", "203.0.113.98", "198.51.100.23", "203.0.113.66"] + (10...14).reversed().map { "192.0.2.\($0)" })
    }

    @Test func jsonAndOutputFile() throws {
        let directory = try Scenario.write()
        let json = try CLIRun.run(["offenders", "--tz", "UTC", "--format", "json", directory])
        let array = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(array.map { $0["ip"] as? String } == Scenario.allIPs)
        let hostile = try #require(array.first { $0["ip"] as? String == "203.0.113.98" })
        let top = try #require(hostile["top_users"] as? [[String: Any]])
        #expect(top.first?["user"] as? String == Scenario.hostileName)
        #expect(hostile["simulated_bans"] is NSNull)

        let file = directory + "/offenders.csv"
        let written = try CLIRun.run(["offenders", "--tz", "UTC", "--output", file, directory + "/full", directory + "/auth.log"])
        #expect(written.status == 0)
        #expect(written.stdout.isEmpty)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == Scenario.expectedCSV())
        let unwritable = try CLIRun.run(["offenders", "--tz", "UTC", "--output", directory + "/missing/x.csv", directory])
        #expect(unwritable.status == 1)
        #expect(unwritable.stderr.contains("cannot write"))
    }

    @Test func usageErrors() throws {
        #expect(try CLIRun.run(["offenders"]).status == 64)
        #expect(try CLIRun.run(["offenders", "--sort", "size", "x"]).status == 64)
        #expect(try CLIRun.run(["offenders", "--format", "xml", "x"]).status == 64)
        #expect(try CLIRun.run(["offenders", "--min-failures", "0", "x"]).status == 64)
        #expect(try CLIRun.run(["stats"]).status == 64)
        #expect(try CLIRun.run(["offenders", "--jail", "sshd", "-"]).status == 64)
        let piped = try CLIRun.run(["offenders", "--tz", "UTC", "-"], stdin: Data(Scenario.sshd(0, "Failed password for root from 203.0.113.7 port 1 ssh2").utf8))
        #expect(piped.stdout.hasSuffix("\n203.0.113.7,2024-03-01T00:00:00Z,2024-03-01T00:00:00Z,1,0,1,0,1,root:1,,0,203.0.113.0/24\n"))
    }

    /// `failures` is exactly what `jailbird scan --events ndjson` reports per IP, on the demo
    /// fixtures and on the scenario, whole and inside a window.
    @Test(arguments: [
        ("demo", [String]()), ("demo", ["--since", "2024-03-09T00:01:00Z", "--until", "2024-03-10T00:02:00Z"]),
        ("scenario", []), ("scenario", ["--since", "2024-03-01T02:00:30Z", "--until", "2024-03-01T09:00:10Z"]),
    ])
    func failuresMatchScanEvents(input: String, window: [String]) throws {
        do {
            let path = input == "demo" ? CLIRun.fixture("demo") : try Scenario.write()
            let scan = try CLIRun.run(["scan", "--tz", "UTC", "--events", "ndjson"] + window + [path])
            var expected: [String: Int] = [:]
            for line in scan.stdout.split(separator: "\n") {
                let event = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                if event["kind"] as? String == "failure", let ip = event["ip"] as? String { expected[ip, default: 0] += 1 }
            }
            let offenders = try CLIRun.run(["offenders", "--tz", "UTC", "--format", "ndjson"] + window + [path])
            #expect(offenders.status == 0, "\(offenders.stderr)")
            var actual: [String: Int] = [:]
            for line in offenders.stdout.split(separator: "\n") {
                let row = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                actual[try #require(row["ip"] as? String)] = row["failures"] as? Int
            }
            #expect(!actual.isEmpty)
            #expect(actual == expected, "\(path)")
        }
    }
}

@Suite struct StatsCommandTests {
    static func checkTerminalSafe(_ text: String) {
        #expect(!text.utf8.contains(0x1B))
        for line in text.split(separator: "\n") {
            #expect(line.unicodeScalars.count <= 80, "\(line)")
            #expect(!line.unicodeScalars.contains { $0.value < 0x20 || ($0.value >= 0x7F && $0.value < 0xA0) }, "\(line)")
        }
    }

    @Test func scenarioNumbersAndHeatRow() throws {
        let directory = try Scenario.write()
        let run = try CLIRun.run(["stats", "--tz", "UTC", directory], environment: ["NO_COLOR": "1"])
        #expect(run.status == 0, "\(run.stderr)")
        Self.checkTerminalSafe(run.stdout)
        #expect(run.stdout.contains("Failures: 128 from 9 addresses\n"))
        #expect(run.stdout.contains("Successful logins: 1;"))
        let rows = run.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        // Hours 0-7: the slow brute forcer (3 an hour) plus the campaign (100) at 2; the office
        // at 9, the hostile names at 12. Busiest: 103; 3 of 103 and 2 of 103 show as 1.
        #expect(rows.contains(["2024-03-01", "11911111.1..1...........", "128", "9", "9", "0"]))
        #expect(run.stdout.contains("x\"q\", y\\x1b[31mred\\x0dz"))
        #expect(run.stdout.contains("!! Possible compromise: 1 address failed and also logged in"))
        #expect(rows.contains(["198.51.100.23", "2", "1"]))
        let plain = try CLIRun.run(["stats", "--tz", "UTC", directory])
        #expect(plain.stdout == run.stdout)
    }

    @Test func demoFitsEightyColumns() throws {
        let run = try CLIRun.run(["stats", "--tz", "UTC", "--config", CLIRun.fixture("config/server"), CLIRun.fixture("demo")])
        #expect(run.status == 0, "\(run.stderr)")
        Self.checkTerminalSafe(run.stdout)
        #expect(run.stdout.contains("Real bans (fail2ban.log): 15; simulated bans: "))
        #expect(run.stdout.contains("Top targeted users (sshd)"))
    }
}
