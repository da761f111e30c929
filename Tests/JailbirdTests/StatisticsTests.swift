import Foundation
import Testing
import JailbirdTestSupport

@testable import Jailbird

@Suite struct StatisticsTests {
    /// 2024-03-01T00:00:00Z
    static let day1: Int64 = 1_709_251_200
    static let hostile = "a,\"b\"\nc\u{1b}[31m"

    /// A: 203.0.113.5, sshd, 6 failures on day 1 at 10:xx (root ×3, admin ×2, the hostile name)
    /// and one on day 2 at 03:00, one real ban. B: 2001:db8:1:2::9, asterisk, two failures on
    /// day 2 at 03:xx. C: 198.51.100.7, one sshd failure on day 1 at 23:59:59 and a success.
    /// F: 192.0.2.1, one failure naming `=cmd|' /C calc'!A0`. A host name fails once on day 1 at 12:00.
    static func store() -> EventStore {
        var events = EventStore()
        func add(_ offset: Int64, _ host: String, _ service: Service, _ kind: EventKind, _ rule: Rule, _ user: String?, jail: String? = nil) {
            let eventHost: EventHost = IPAddress(host).map { .address($0) } ?? .hostname(host)
            events.append(
                time: day1 + offset, host: eventHost, service: service, kind: kind, rule: rule, user: user, jail: jail,
                file: 0, line: events.count + 1)
        }
        for (index, user) in ["root", "admin", "root", Self.hostile, "admin", "root"].enumerated() {
            add(36_000 + Int64(index) * 60, "203.0.113.5", .sshd, .failure, .sshdFailed, user)
        }
        add(36_400, "203.0.113.5", .fail2ban, .ban, .fail2banBan, nil, jail: "sshd")
        add(43_200, "scanner.example", .sshd, .failure, .sshdFailed, "root")
        add(86_399, "198.51.100.7", .sshd, .failure, .sshdFailed, "carol")
        add(86_399, "198.51.100.7", .sshd, .success, .sshdAccepted, "carol")
        add(86_400 + 10_800, "203.0.113.5", .sshd, .failure, .sshdFailed, "root")
        add(86_400 + 10_900, "2001:db8:1:2::9", .asterisk, .failure, .asteriskRegistrationFailed, "100")
        add(86_400 + 11_000, "2001:db8:1:2::9", .asterisk, .failure, .asteriskRegistrationFailed, "100")
        add(86_400 + 12_000, "192.0.2.1", .sshd, .failure, .sshdInvalidUser, "=cmd|' /C calc'!A0")
        return events
    }

    static var input: AnalysisInput { AnalysisInput(events: store(), fileNames: ["log"], simulation: nil) }

    @Test func offendersCountOrderAndTopUsers() throws {
        let rows = Self.input.offenders(topUsers: 2)
        #expect(rows.map(\.ip.description) == ["203.0.113.5", "2001:db8:1:2::9", "192.0.2.1", "198.51.100.7"])
        let a = rows[0]
        #expect(a.failures == 7)
        #expect(a.failuresByService == [0, 7, 0])
        #expect(a.firstSeen == Self.day1 + 36_000)
        #expect(a.lastSeen == Self.day1 + 86_400 + 10_800)
        #expect(a.distinctUsers == 3)
        #expect(a.topUsers.map(\.user) == ["root", "admin"])
        #expect(a.topUsers.map(\.count) == [4, 2])
        #expect(a.realBans == 1)
        #expect(a.simulatedBans == nil)
        #expect(a.network.description == "203.0.113.0/24")
        #expect(rows[1].network.description == "2001:db8:1:2::/64")
        #expect(rows[1].failuresByService == [2, 0, 0])
        #expect(rows[3].successes == 1)
        #expect(rows.allSatisfy { $0.ip.description != "scanner.example" })
    }

    @Test(arguments: OffenderOrder.allCases) func sortOrders(order: OffenderOrder) {
        let rows = Self.input.offenders().sorted(by: order.precedes)
        let expected: [String]
        switch order {
        case .failures: expected = ["203.0.113.5", "2001:db8:1:2::9", "192.0.2.1", "198.51.100.7"]
        case .firstSeen: expected = ["203.0.113.5", "198.51.100.7", "2001:db8:1:2::9", "192.0.2.1"]
        case .lastSeen: expected = ["192.0.2.1", "2001:db8:1:2::9", "203.0.113.5", "198.51.100.7"]
        case .ip: expected = ["192.0.2.1", "198.51.100.7", "203.0.113.5", "2001:db8:1:2::9"]
        }
        #expect(rows.map(\.ip.description) == expected)
    }

    @Test func csvRoundTripsThroughARealReader() throws {
        let rows = Self.input.offenders(topUsers: 3)
        let text = OffenderFormat.csv.render(rows)
        let parsed = try pythonCSV(text)
        #expect(parsed.count == rows.count)
        #expect(text.hasPrefix(OffenderFormat.csvHeader))
        #expect(Array(parsed[0].keys).sorted() == OffenderFormat.csvHeader.dropLast().split(separator: ",").map(String.init).sorted())
        let a = parsed[0]
        #expect(a["ip"] == "203.0.113.5")
        #expect(a["first_seen"] == "2024-03-01T10:00:00Z")
        #expect(a["last_seen"] == "2024-03-02T03:00:00Z")
        #expect(a["failures"] == "7")
        #expect(a["failures_sshd"] == "7")
        #expect(a["failures_asterisk"] == "0")
        // The hostile name survives intact: quotes, comma, newline and ESC are data.
        #expect(a["top_users"] == "root:4;admin:2;" + Self.hostile + ":1")
        #expect(a["simulated_bans"] == "")
        #expect(a["real_bans"] == "1")
        #expect(a["network"] == "203.0.113.0/24")
        // A field that starts with = is neutralised with a leading quote.
        let formula = try #require(parsed.first { $0["ip"] == "192.0.2.1" })
        #expect(formula["top_users"] == "'=cmd|' /C calc'!A0:1")
    }

    @Test func topUsersEscapesSeparators() {
        #expect(OffenderFormat.topUsersText([("a;b", 2), ("c\\d:e", 1)]) == "a\\;b:2;c\\\\d:e:1")
    }

    @Test(arguments: [OffenderFormat.json, .ndjson]) func jsonParses(format: OffenderFormat) throws {
        let rows = Self.input.offenders()
        let text = format.render(rows)
        let objects: [[String: Any]]
        if format == .json {
            objects = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        } else {
            objects = try text.split(separator: "\n").map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
        }
        #expect(objects.count == rows.count)
        #expect(objects[0]["ip"] as? String == "203.0.113.5")
        #expect(objects[0]["failures"] as? Int == 7)
        #expect(objects[0]["simulated_bans"] is NSNull)
        let top = try #require(objects[0]["top_users"] as? [[String: Any]])
        #expect(top.map { $0["user"] as? String } == ["root", "admin", Self.hostile])
        #expect(top.map { $0["count"] as? Int } == [4, 2, 1])
    }

    @Test func totalsFamiliesAndTargets() {
        let stats = Self.input.statistics(zone: .utc, top: 2)
        #expect(stats.events == 14)
        #expect(stats.failures == 12)
        #expect(stats.successes == 1)
        #expect(stats.realBans == 1)
        #expect(stats.unresolvedFailures == 1)
        #expect(stats.attackers == 4)
        #expect(stats.failuresByService == [2, 10, 0])
        #expect(stats.families.ipv4Failures == 9)
        #expect(stats.families.ipv4Attackers == 3)
        #expect(stats.families.ipv6Failures == 2)
        #expect(stats.families.ipv6Attackers == 1)
        #expect(stats.topOffenders.map(\.ip.description) == ["203.0.113.5", "2001:db8:1:2::9"])
        #expect(stats.failedThenSucceeded.map(\.ip.description) == ["198.51.100.7"])
        let sshd = stats.topTargets.filter { $0.service == .sshd }
        #expect(sshd.map(\.user) == ["root", "admin"])
        #expect(sshd.map(\.failures) == [5, 2])
        // root: 203.0.113.5 and the host name.
        #expect(sshd.map(\.attackers) == [2, 1])
        #expect(stats.topTargets.filter { $0.service == .asterisk }.map(\.user) == ["100"])
        let rules = stats.ruleCounts.map { "\($0.service) \($0.kind) \($0.rule.name) \($0.count)" }
        #expect(rules == [
            "asterisk failure asterisk.registration-failed 2", "sshd failure sshd.failed 9",
            "sshd failure sshd.invalid-user 1", "sshd success sshd.accepted 1", "fail2ban ban fail2ban.ban 1",
        ])
    }

    @Test func daysInUTC() {
        let days = Self.input.statistics(zone: .utc).days
        #expect(days.map(\.date) == ["2024-03-01", "2024-03-02"])
        var hours1 = [Int](repeating: 0, count: 24)
        hours1[10] = 6
        hours1[12] = 1
        hours1[23] = 1
        #expect(days[0].failuresByHour == hours1)
        #expect((days[0].attackers, days[0].newAttackers, days[0].returningAttackers) == (2, 2, 0))
        var hours2 = [Int](repeating: 0, count: 24)
        hours2[3] = 4
        #expect(days[1].failuresByHour == hours2)
        #expect((days[1].attackers, days[1].newAttackers, days[1].returningAttackers) == (3, 2, 1))
    }

    /// In Berlin (UTC+1 in March) C's failure at 23:59:59 UTC falls on day 2, 00:59.
    @Test func daysFollowTheZone() throws {
        let berlin = try TimeZoneRules(identifier: "Europe/Berlin")
        let days = Self.input.statistics(zone: berlin).days
        #expect(days.map(\.date) == ["2024-03-01", "2024-03-02"])
        #expect(days[0].failuresByHour[11] == 6)
        #expect(days[1].failuresByHour[0] == 1)
        #expect(days[1].failuresByHour[4] == 4)
        #expect((days[0].attackers, days[0].newAttackers, days[0].returningAttackers) == (1, 1, 0))
        #expect((days[1].attackers, days[1].newAttackers, days[1].returningAttackers) == (4, 3, 1))
    }

    @Test func heatCells() throws {
        #expect(HeatScale.cell(0, busiest: 10) == ".")
        #expect(HeatScale.cell(1, busiest: 100) == "1")
        #expect(HeatScale.cell(50, busiest: 100) == "5")
        #expect(HeatScale.cell(100, busiest: 100) == "9")
        let table = Self.input.statistics(zone: .utc).renderDays()
        let rows = table.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        // Busiest hour: 6 failures (day 1, 10:00). 1 of 6 → ceil(9/6) = 2; 4 of 6 → 6.
        #expect(rows.contains(["2024-03-01", "..........9.2..........2", "8", "2", "2", "0"]))
        #expect(rows.contains(["2024-03-02", "...6....................", "4", "3", "2", "1"]))
        // The cells start under the hour ruler.
        let lines = table.split(separator: "\n").map(String.init)
        let ruler = try #require(lines.first { $0.hasSuffix("0     6     12    18") })
        let day = try #require(lines.first { $0.hasPrefix("2024-03-01") })
        #expect(ruler.firstIndex(of: "0")!.utf16Offset(in: ruler) == day.firstIndex(of: ".")!.utf16Offset(in: day))
    }

    @Test func renderFitsEightyColumnsAndEscapesLogText() {
        let text = Self.input.statistics(zone: .utc).render()
        #expect(!text.utf8.contains(0x1B))
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            #expect(TerminalText.width(String(line)) <= 80, "\(line)")
        }
        #expect(text.contains("a,\"b\"\\x0ac\\x1b[31m"))
        #expect(text.contains("!! Possible compromise: 1 address failed and also logged in"))
    }

    @Test func terminalCellsCutWideText() {
        #expect(TerminalText.width("日本語") == 6)
        #expect(TerminalText.cell("日本語テキスト", columns: 7) == "日本語…")
        #expect(TerminalText.cell("ab", columns: 4) == "ab  ")
        #expect(TerminalText.cell("a\u{1b}b", columns: 10) == "a\\x1bb    ")
    }

    /// Enough events that the tally runs in several ranges at once; checked against a plain count.
    @Test func parallelTallyMatchesAPlainCount() throws {
        var events = EventStore()
        var state: UInt64 = 42
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        let count = 300_000
        for index in 0..<count {
            let host = IPAddress(ipv4: 0x0A00_0000 | UInt32(next() % 500))
            let kind: EventKind = next() % 10 == 0 ? .success : .failure
            events.append(
                time: Self.day1 + Int64(index) * 7, host: .address(host), service: next() % 2 == 0 ? .sshd : .asterisk,
                kind: kind, rule: kind == .success ? .sshdAccepted : .sshdFailed, user: "u\(next() % 50)", jail: nil,
                file: 0, line: index + 1)
        }
        let input = AnalysisInput(events: events, fileNames: ["x"], simulation: nil)
        var failures: [IPAddress: Int] = [:]
        var users: [IPAddress: Set<String>] = [:]
        var dayHosts: [Int64: Set<IPAddress>] = [:]
        var firstDay: [IPAddress: Int64] = [:]
        for event in events where event.kind == .failure {
            let ip = event.host.address!
            failures[ip, default: 0] += 1
            users[ip, default: []].insert(event.user!)
            let day = event.time / 86_400
            dayHosts[day, default: []].insert(ip)
            firstDay[ip] = min(firstDay[ip] ?? .max, day)
        }
        let rows = input.offenders()
        #expect(rows.count == failures.count)
        for row in rows {
            #expect(row.failures == failures[row.ip])
            #expect(row.distinctUsers == users[row.ip]?.count)
        }
        let stats = input.statistics(zone: .utc)
        #expect(stats.failures == failures.values.reduce(0, +))
        #expect(stats.days.count == dayHosts.count)
        for day in stats.days {
            let hosts = try #require(dayHosts[day.day])
            #expect(day.attackers == hosts.count)
            #expect(day.newAttackers == hosts.filter { firstDay[$0] == day.day }.count)
        }
    }
}
