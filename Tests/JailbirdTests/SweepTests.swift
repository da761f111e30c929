import Foundation
import Testing

@testable import Jailbird

/// A day of Asterisk failures whose outcome under each setting can be worked out by hand:
/// - a campaign: 203.0.113.66 fails 600 times, 2 s apart, from 01:00;
/// - an office, 198.51.100.23, mistypes 3 times 30 s apart at 09:00, then logs in;
/// - a slow brute forcer, 192.0.2.77, fails every 2 hours from 00:00, 12 times (under any
///   findtime below 2 hours its counter never gets past 1);
/// - five scanners, 203.0.113.101…105, fail twice each, 10 s apart.
/// The replay ends at the end of the day, so a 1-day ban is still running then.
enum SweepScenario {
    static let start: Int64 = 1_709_251_200  // 2024-03-01T00:00:00Z
    static let campaign = "203.0.113.66"
    static let office = "198.51.100.23"
    static let slow = "192.0.2.77"
    static let scanners = (101...105).map { "203.0.113.\($0)" }

    /// (seconds after the start, IP, kind)
    static var entries: [(offset: Int64, ip: String, kind: EventKind)] {
        var entries: [(offset: Int64, ip: String, kind: EventKind)] = []
        for index in 0..<600 { entries.append((3600 + 2 * Int64(index), campaign, .failure)) }
        for index in 0..<3 { entries.append((9 * 3600 + 30 * Int64(index), office, .failure)) }
        entries.append((9 * 3600 + 90, office, .success))
        for index in 0..<12 { entries.append((7200 * Int64(index), slow, .failure)) }
        for (number, scanner) in scanners.enumerated() {
            entries.append((5 * 3600 + 60 * Int64(number), scanner, .failure))
            entries.append((5 * 3600 + 60 * Int64(number) + 10, scanner, .failure))
        }
        return entries.sorted { $0.offset < $1.offset }
    }

    static func input(maxRetry: Int = 10, findTime: Double = 600, banTime: Int64 = 3600) -> SimulationInput {
        var events = EventStore()
        for (line, entry) in entries.enumerated() {
            events.append(
                time: start + entry.offset, host: .address(IPAddress(entry.ip)!), service: .asterisk, kind: entry.kind,
                rule: entry.kind == .success ? .asteriskSuccessfulAuth : .asteriskRegistrationFailed, user: "100",
                jail: nil, file: 0, line: line + 1)
        }
        let jail = JailParameters(
            name: "asterisk", filter: .asterisk, maxRetry: maxRetry, findTime: findTime, banTime: banTime)
        return SimulationInput(jails: [jail], events: events, streamJails: [0], start: start, end: start + 86_400)
    }

    static let grid = SweepSetting.grid(
        maxRetry: [3, 5, 10], findTime: [600, 3600, 86_400], banTime: [3600, 86_400], increment: [false])
}

@Suite struct SweepTests {
    static func row(_ result: SweepResult, _ maxRetry: Int, _ findTime: Double, _ banTime: Int64) throws -> SweepRow {
        try #require(
            result.rows.first {
                $0.setting == SweepSetting(maxRetry: maxRetry, findTime: findTime, banTime: banTime, increment: false)
            })
    }

    @Test func rowsMatchTheScenarioWorkedOutByHand() throws {
        let result = Sweep.run(SweepScenario.input(), jail: 0, settings: SweepScenario.grid)
        #expect(result.rows.count == 18)
        #expect(result.failures == 625)
        #expect(result.attackers == 7)
        #expect(result.legitimateIPs == 1)

        // maxretry 3, findtime 1d, bantime 1d: campaign banned at its 3rd failure (597 prevented),
        // the office locked out, the slow one banned at its 3rd failure (9 more prevented);
        // all three bans outlast the day.
        let harsh = try Self.row(result, 3, 86_400, 86_400)
        #expect(harsh.prevented == 606)
        #expect(harsh.bans == 3)
        #expect(harsh.ipsBanned == 3)
        #expect(harsh.legitimateIPsLockedOut == 1)
        #expect(harsh.legitimateLockouts == 1)
        #expect(harsh.attackersNeverBanned == 5)
        #expect(harsh.medianSecondsToBan == 7202)  // the campaign after 4 s, the slow one after 4 h
        #expect(harsh.bansRunningAtEnd == 3)
        #expect(harsh.churn == 3)

        // With 1-hour bans the slow one is banned again every third failure: 4 bans.
        let shortBans = try Self.row(result, 3, 86_400, 3600)
        #expect(shortBans.bans == 6)
        #expect(shortBans.ipsBanned == 3)
        #expect(shortBans.prevented == 597)
        #expect(shortBans.bansRunningAtEnd == 0)
        #expect(shortBans.churn == 12)

        let chosen = try Self.row(result, 5, 86_400, 86_400)
        #expect(chosen.prevented == 602)
        #expect(chosen.bans == 2)
        #expect(chosen.churn == 2)
        #expect(chosen.legitimateIPsLockedOut == 0)
        #expect(chosen.medianSecondsToBan == 14_404)  // 8 s and 8 h

        let stock = try Self.row(result, 10, 600, 3600)
        #expect(stock.prevented == 590)
        #expect(stock.bans == 1)
        #expect(stock.attackersNeverBanned == 6)
        #expect(stock.medianSecondsToBan == 18)
        #expect(stock.churn == 2)
    }

    @Test func officeIsLockedOutOnlyAtMaxretry3AndSlowAttackerBannedOnlyWithFindtime1d() {
        let result = Sweep.run(SweepScenario.input(), jail: 0, settings: SweepScenario.grid)
        for row in result.rows {
            #expect(row.legitimateIPsLockedOut == (row.setting.maxRetry == 3 ? 1 : 0), "\(row.setting)")
            #expect(row.attackersNeverBanned == (row.setting.findTime == 86_400 ? 5 : 6), "\(row.setting)")
        }
    }

    @Test func paretoMarksAndRecommendation() throws {
        let result = Sweep.run(SweepScenario.input(), jail: 0, settings: SweepScenario.grid)
        let front = Set(result.rows.filter(\.isPareto).map(\.setting))
        #expect(
            front == [
                SweepSetting(maxRetry: 3, findTime: 86_400, banTime: 86_400, increment: false),
                SweepSetting(maxRetry: 5, findTime: 86_400, banTime: 86_400, increment: false),
                SweepSetting(maxRetry: 5, findTime: 600, banTime: 86_400, increment: false),
                SweepSetting(maxRetry: 5, findTime: 3600, banTime: 86_400, increment: false),
            ])
        let recommended = try #require(result.recommended)
        #expect(result.rows[recommended].setting == SweepSetting(maxRetry: 5, findTime: 86_400, banTime: 86_400, increment: false))
        let runnerUp = try #require(result.runnerUp)
        #expect(result.rows[runnerUp].setting == SweepSetting(maxRetry: 3, findTime: 86_400, banTime: 86_400, increment: false))
        let rationale = try #require(result.rationale())
        #expect(rationale.contains("maxretry 5, findtime 1d, bantime 1d, bantime.increment off"))
        #expect(rationale.contains("prevented 96.3% of the failures (602)"))
        #expect(rationale.contains("would prevent 97.0%"))
        #expect(rationale.contains("lock out 1 legitimate IP (1 ban)"))
        #expect(!rationale.contains("\n"))
    }

    @Test func everyRowAgreesWithTheSimulator() {
        let input = SweepScenario.input()
        let settings = SweepSetting.grid(maxRetry: [3, 10], findTime: [600, 86_400], banTime: [3600, 86_400], increment: [false, true])
        let result = Sweep.run(input, jail: 0, settings: settings)
        for row in result.rows {
            var variant = input
            variant.jails[0] = row.setting.applied(to: input.jails[0])
            let simulated = JailSimulator.simulate(variant)
            #expect(row.bans == simulated.bans.count, "\(row.setting)")
            #expect(row.ipsBanned == Set(simulated.bans.map(\.host)).count, "\(row.setting)")
            #expect(row.prevented == simulated.totals[0].prevented, "\(row.setting)")
            #expect(row.failures == simulated.totals[0].counted + simulated.totals[0].prevented, "\(row.setting)")
            let running = simulated.bans.filter { ($0.end ?? .infinity) >= Double(input.end) }.count
            #expect(row.bansRunningAtEnd == running, "\(row.setting)")
            // Attackers and legitimate IPs together are the simulator's attackers.
            #expect(row.attackers + result.legitimateIPs == simulated.totals[0].attackers, "\(row.setting)")
            let legitimateNeverBanned = result.legitimateIPs - row.legitimateIPsLockedOut
            #expect(row.attackersNeverBanned + legitimateNeverBanned == simulated.totals[0].neverBanned, "\(row.setting)")
        }
        // bantime.increment makes the slow attacker's second 1-hour ban longer, so it prevents more.
        let plain = result.rows.first { $0.setting == SweepSetting(maxRetry: 3, findTime: 86_400, banTime: 3600, increment: false) }
        let increased = result.rows.first { $0.setting == SweepSetting(maxRetry: 3, findTime: 86_400, banTime: 3600, increment: true) }
        #expect((increased?.prevented ?? 0) > (plain?.prevented ?? 0))
    }

    @Test func currentSettingsAreMarkedOrAdded() throws {
        let inGrid = Sweep.run(
            SweepScenario.input(maxRetry: 10, findTime: 600, banTime: 3600), jail: 0, settings: SweepScenario.grid,
            includeCurrent: true)
        let current = try #require(inGrid.current)
        #expect(inGrid.rows.count == 18)
        #expect(inGrid.rows[current].setting == SweepSetting(maxRetry: 10, findTime: 600, banTime: 3600, increment: false))
        #expect(inGrid.rows.filter(\.isCurrent).count == 1)
        #expect(try #require(inGrid.rationale()).contains("currently maxretry 10, findtime 10m, bantime 1h"))

        let outside = Sweep.run(
            SweepScenario.input(maxRetry: 7, findTime: 600, banTime: 600), jail: 0, settings: SweepScenario.grid,
            includeCurrent: true)
        #expect(outside.rows.count == 19)
        #expect(outside.current == 18)
        #expect(outside.rows[18].isCurrent)
        // The campaign is banned at its 7th failure and, after the 10-minute ban, 7 failures later.
        #expect(outside.rows[18].prevented == 600 - 14)
    }

    @Test func trustedNetworksCountAsLegitimate() throws {
        let trusted = try IgnoreList(parsing: "192.0.2.0/24")
        let result = Sweep.run(SweepScenario.input(), jail: 0, settings: SweepScenario.grid, trusted: trusted)
        #expect(result.legitimateIPs == 2)
        #expect(result.attackers == 6)
        let row = try Self.row(result, 10, 86_400, 86_400)
        #expect(row.legitimateIPsLockedOut == 1)
        #expect(row.attackersNeverBanned == 5)
        let recommended = try #require(result.recommended)
        #expect(result.rows[recommended].legitimateIPsLockedOut == 0)
    }

    @Test func tableFitsEightyColumnsAndFormatsParse() throws {
        let result = Sweep.run(
            SweepScenario.input(), jail: 0, settings: SweepScenario.grid, includeCurrent: true)
        let table = SweepFormat.table.render(result)
        for line in table.split(separator: "\n") { #expect(line.count <= 80, "\(line)") }
        let recommendedLine = try #require(table.split(separator: "\n").first { $0.hasPrefix("★") })
        #expect(recommendedLine.split(separator: " ").prefix(4) == ["★", "5", "1d", "1d"])
        let csv = SweepFormat.csv.render(result).split(separator: "\n")
        #expect(csv.count == 19)
        let json = try JSONSerialization.jsonObject(with: Data(SweepFormat.json.render(result).utf8)) as? [String: Any]
        #expect((json?["rows"] as? [Any])?.count == 18)
        #expect(json?["recommended"] as? Int == result.recommended)
    }
}
