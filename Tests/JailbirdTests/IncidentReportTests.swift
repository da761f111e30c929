import Foundation
import Testing

@testable import Jailbird

@Suite struct IncidentReportTests {
    static let t0 = ReportScenario.t0

    /// The whole scenario in a 2-hour window (per-minute buckets).
    static func scenarioReport(since: Int64 = t0, until: Int64 = t0 + 7200) throws -> IncidentReport {
        let scenario = try ReportScenario()
        return IncidentReport(analysis: scenario.analysis(), since: since, until: until)
    }

    @Test func totalsCountTheCampaignTheOfficeAndTheSlowBruteForcer() throws {
        let report = try Self.scenarioReport()
        #expect(report.failures == 130)
        #expect(report.successes == 1)
        #expect(report.attackers == 5)
        #expect(report.ipv4Attackers == 4)
        #expect(report.ipv6Attackers == 1)
        #expect(report.distinctUsers == 42)
        #expect(report.firstFailure == Self.t0)
        #expect(report.lastFailure == Self.t0 + 3780)
        #expect(report.services.map(\.service) == [.asterisk, .sshd])
        #expect(report.services.map(\.failures) == [122, 8])
        #expect(report.services.map(\.attackers) == [4, 1])
        #expect(report.services.map(\.successes) == [1, 0])
    }

    @Test func timelineHasMinuteBucketsWithRealAndSimulatedBans() throws {
        let report = try Self.scenarioReport()
        #expect(report.bucketSize == .minute)
        #expect(report.timeline.count == 121)
        #expect(report.timeline.first?.start == Self.t0)
        let failures = report.timeline.map(\.failures)
        #expect(failures.reduce(0, +) == 130)
        // Campaign minutes 0–1, 5–6, 10–11 (20 each); the slow brute forcer at minutes 0, 9, 18 …
        #expect(failures[0] == 21)
        #expect(failures[1] == 20)
        #expect(failures[5] == 20)
        #expect(failures[9] == 1)
        #expect(failures[30] == 2)
        #expect(report.peakFailures == 21)
        let simulated = report.timeline.indices.filter { report.timeline[$0].simulatedBans > 0 }
        #expect(simulated == [0, 5, 10])
        let real = report.timeline.indices.filter { report.timeline[$0].realBans > 0 }
        #expect(real == [0, 5, 30])
    }

    @Test func offendersNetworksAndUsers() throws {
        let report = try Self.scenarioReport()
        #expect(
            report.offenders.map(\.ip.description) == [
                "203.0.113.10", "203.0.113.11", "203.0.113.12", "2001:db8:66::1", "198.51.100.7",
            ])
        #expect(report.offenders.map(\.failures) == [40, 40, 40, 8, 2])
        #expect(report.offenders.first?.simulatedBans == 1)
        #expect(report.offenders.first?.realBans == 1)
        #expect(report.networkCount == 3)
        #expect(
            report.networks.map(\.network.description) == ["203.0.113.0/24", "2001:db8:66::/64", "198.51.100.0/24"])
        #expect(report.networks.first?.failures == 120)
        #expect(report.networks.first?.attackers == 3)
        #expect(report.networks.first?.firstSeen == Self.t0)
        #expect(report.networks.first?.lastSeen == Self.t0 + 717)
        #expect(report.users.first == IncidentReport.UserRow(user: "root", failures: 8, attackers: 1))
        #expect(report.users.dropFirst().first == IncidentReport.UserRow(user: "1000", failures: 3, attackers: 3))
    }

    @Test func phasesTellScansFromBruteForce() throws {
        let report = try Self.scenarioReport()
        #expect(report.scanPhases == 3)
        #expect(report.bruteForcePhases == 2)
        #expect(report.scanningAttackers == 3)
        let scans = report.phases.filter { $0.kind == .scan }
        #expect(scans.map(\.failures) == [40, 40, 40])
        #expect(scans.allSatisfy { $0.users == 40 && $0.end - $0.start == 117 })
        let slow = try #require(report.phases.first { $0.ip == IPAddress("2001:db8:66::1") })
        #expect(slow.kind == .bruteForce)
        #expect(slow.topUser == "root")
        #expect(slow.topUserFailures == 8)
        #expect(slow.start == Self.t0)
        #expect(slow.end == Self.t0 + 3780)
    }

    @Test func aPauseLongerThanTheGapStartsANewPhase() {
        var events = EventStore()
        let ip = EventHost.address(IPAddress("192.0.2.9")!)
        // 5 users once each, then 11 minutes of silence, then one user 6 times.
        for (offset, user) in [(0, "a"), (10, "b"), (20, "c"), (30, "d"), (40, "e")] + (0..<6).map({ (700 + $0, "z") })
        {
            events.append(
                time: Self.t0 + Int64(offset), host: ip, service: .asterisk, kind: .failure,
                rule: .asteriskRegistrationFailed, user: user, jail: nil, file: 0, line: 1)
        }
        let report = IncidentReport(analysis: AnalysisInput(events: events, fileNames: ["x"], simulation: nil))
        let phases = report.phases.sorted { $0.start < $1.start }
        #expect(phases.map(\.kind) == [.scan, .bruteForce])
        #expect(phases.map(\.failures) == [5, 6])
        #expect(phases.last?.topUser == "z")
        // The same with a 12-minute gap setting: one phase, 6 users, 11 tries: still ≤ 2 per user.
        let merged = IncidentReport(
            analysis: AnalysisInput(events: events, fileNames: ["x"], simulation: nil),
            settings: IncidentReport.Settings(phaseGap: 720))
        #expect(merged.phases.count == 1)
        #expect(merged.phases.first?.kind == .scan)
    }

    @Test func officeLoginAfterMistypingIsAPossibleCompromise() throws {
        let report = try Self.scenarioReport()
        #expect(report.compromises.count == 1)
        let office = try #require(report.compromises.first)
        #expect(office.ip == IPAddress("198.51.100.7"))
        #expect(office.failures == 2)
        #expect(office.successes == 1)
        #expect(office.firstSuccess == Self.t0 + 1820)
        #expect(office.successUsers == ["201"])
        #expect(office.services == [.asterisk])
        #expect(office.succeededAfterFailing)
        #expect(office.succeededAsFailedUser)
    }

    @Test func realBansAgainstSimulatedBans() throws {
        let report = try Self.scenarioReport()
        #expect(report.bans.hasRealLog)
        #expect(report.bans.realBans == 3)
        #expect(report.bans.realUnbans == 1)
        #expect(report.bans.realBannedIPs == 3)
        #expect(report.bans.realBansByJail.map(\.jail) == ["asterisk", "sshd"])
        #expect(report.bans.realBansByJail.map(\.bans) == [2, 1])
        let simulated = try #require(report.bans.simulated)
        #expect(simulated.bans == 3)
        #expect(simulated.bannedIPs == 3)
        #expect(simulated.reproduced == 2)
        #expect(simulated.missed.map(\.ban.ip) == [IPAddress("2001:db8:66::1")!])
        #expect(simulated.missed.first?.reason.contains("maxretry 5") == true)
        #expect(simulated.added.map(\.ip) == [IPAddress("203.0.113.12")!])
    }

    @Test func windowKeepsOnlyWhatFallsInside() throws {
        // 10:04–10:20: .11 and .12 of the campaign, the slow brute forcer at 10:09 and 10:18.
        let report = try Self.scenarioReport(since: Self.t0 + 240, until: Self.t0 + 1200)
        #expect(report.failures == 82)
        #expect(report.attackers == 3)
        #expect(report.offenders.map(\.ip.description) == ["203.0.113.11", "203.0.113.12", "2001:db8:66::1"])
        #expect(report.offenders.map(\.failures) == [40, 40, 2])
        #expect(report.bans.simulated?.bans == 2)
        #expect(report.bans.realBans == 1)
        #expect(report.compromises.isEmpty)
        #expect(report.timeline.count == 17)
        #expect(report.timeline.first?.start == Self.t0 + 240)
    }

    static let spans: [(Int64, IncidentReport.BucketSize)] = [
        (0, .minute), (6 * 3600, .minute), (6 * 3600 + 1, .hour), (31 * 86400, .hour), (31 * 86400 + 1, .day),
    ]

    @Test(arguments: spans)
    func bucketSizeFollowsTheWindowLength(span: Int64, size: IncidentReport.BucketSize) {
        #expect(IncidentReport.BucketSize.fitting(span: span) == size)
    }

    @Test func withoutWindowTheWholeInputSpanIsReported() throws {
        let scenario = try ReportScenario()
        let report = IncidentReport(analysis: scenario.analysis())
        #expect(report.since == Self.t0)
        #expect(report.until == Self.t0 + 3780)
        #expect(report.failures == 130)
    }
}
