import Foundation

@testable import Jailbird

/// A crafted incident with known answers, read through the real scanner and simulator:
///
/// - a campaign from 203.0.113.10, .11 and .12 (one /24): each scans extensions 1000–1039 once,
///   one try every 3 s, starting at T0, T0+5m and T0+10m (40 failures each, 2 minutes);
/// - an office IP, 198.51.100.7, that mistypes extension 201's password twice (T0+30m,
///   T0+30m10s) and then logs in as 201 (T0+30m20s): a possible compromise;
/// - a slow brute forcer, 2001:db8:66::1, trying sshd `root` every 9 minutes from T0, 8 times:
///   never more than 2 failures in a 10-minute findtime;
/// - fail2ban.log: bans of .10 (T0+13s) and .11 (T0+5m13s), a ban of the slow brute forcer in
///   sshd at T0+30m (which the simulation cannot reproduce), and the unban of .10 at T0+1h13s.
///
/// Jails simulated: asterisk and sshd, maxretry 5, findtime 10m, bantime 1h. T0 is
/// 2024-03-01T10:00:00Z.
struct ReportScenario {
    static let t0: Int64 = 1_709_287_200
    let directory: TemporaryDirectory
    let paths: [String]

    init(hostileUser: String? = nil) throws {
        directory = try TemporaryDirectory()
        var full = ""
        for (offset, ip) in [(0, "203.0.113.10"), (300, "203.0.113.11"), (600, "203.0.113.12")] {
            for index in 0..<40 {
                full += Self.registration(at: Self.t0 + Int64(offset + 3 * index), user: "\(1000 + index)", ip: ip)
            }
        }
        full += Self.registration(at: Self.t0 + 1800, user: "201", ip: "198.51.100.7")
        full += Self.registration(at: Self.t0 + 1810, user: "201", ip: "198.51.100.7")
        full += Self.successfulAuth(at: Self.t0 + 1820, user: "201", ip: "198.51.100.7")
        var auth = ""
        for index in 0..<8 {
            auth +=
                "\(Self.rfc3339(Self.t0 + Int64(540 * index))) pbx sshd[\(4000 + index)]: Failed password for root from 2001:db8:66::1 port \(40000 + index) ssh2\n"
        }
        let fail2ban = [
            Self.fail2banLine(Self.t0 + 13, "asterisk", "Ban", "203.0.113.10"),
            Self.fail2banLine(Self.t0 + 313, "asterisk", "Ban", "203.0.113.11"),
            Self.fail2banLine(Self.t0 + 1800, "sshd", "Ban", "2001:db8:66::1"),
            Self.fail2banLine(Self.t0 + 3613, "asterisk", "Unban", "203.0.113.10"),
        ].joined()
        paths = [
            try directory.write("full", full), try directory.write("auth.log", auth),
            try directory.write("fail2ban.log", fail2ban),
        ]
    }

    static func stamp(_ time: Int64) -> String {
        let text = rfc3339UTC(time)
        return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(8))
    }

    static func rfc3339(_ time: Int64) -> String {
        stamp(time).replacingOccurrences(of: " ", with: "T") + ".000000+00:00"
    }

    static func registration(at time: Int64, user: String, ip: String) -> String {
        "[\(stamp(time))] NOTICE[3141] chan_sip.c: Registration from '\"\(user)\" <sip:\(user)@192.0.2.254>' failed for '\(ip):5060' - Wrong password\n"
    }

    static func successfulAuth(at time: Int64, user: String, ip: String) -> String {
        "[\(stamp(time))] SECURITY[2997] res_security_log.c: SecurityEvent=\"SuccessfulAuth\",EventTV=\"2024-03-01T10:30:20.001+0000\",Severity=\"Informational\",Service=\"SIP\",EventVersion=\"1\",AccountID=\"\(user)\",SessionID=\"0x7f913401091\",LocalAddress=\"IPV4/UDP/192.0.2.254/5060\",RemoteAddress=\"IPV4/UDP/\(ip)/5068\",UsingPassword=\"1\"\n"
    }

    static func fail2banLine(_ time: Int64, _ jail: String, _ action: String, _ ip: String) -> String {
        "\(stamp(time)),117 fail2ban.actions        [1021]: NOTICE  [\(jail)] \(action) \(ip)\n"
    }

    /// The inputs read with the standard filters, and the asterisk and sshd jails replayed.
    func analysis() -> AnalysisInput {
        let options = ScanOptions(zone: .utc, now: Self.t0 + 86_400)
        let sources = LogSet.discover(paths).sources
        let scanned = AnalysisInput.scanning(sources, options: options)
        let feeds = [
            JailFeed(
                parameters: JailParameters(
                    name: "asterisk", filter: .asterisk, maxRetry: 5, findTime: 600, banTime: 3600),
                logs: sources.filter { $0.path.hasSuffix("/full") }),
            JailFeed(
                parameters: JailParameters(
                    name: "sshd", filter: .sshd(.normal), maxRetry: 5, findTime: 600, banTime: 3600),
                logs: sources.filter { $0.path.hasSuffix("/auth.log") }),
        ]
        let (input, scans) = SimulationInput.reading(feeds, scan: options, end: Self.t0 + 86_400)
        let result = JailSimulator.simulate(input)
        return AnalysisInput(
            events: scanned.events, fileNames: scanned.fileNames,
            simulation: SimulationRun(
                input: input, result: result, options: SimulationOptions(), streamNames: scans.map(\.source.displayName)
            ))
    }
}

/// Events with attacker-controlled text that tries to become markup, built directly.
enum HostileScenario {
    static let strings = [
        "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "</svg><b>x", "sip:a|b`c`[d](e)@evil",
    ]

    static func analysis() -> AnalysisInput {
        var events = EventStore()
        let t0 = ReportScenario.t0
        for (position, user) in strings.enumerated() {
            let ip = IPAddress(ipv4: 0xCB00_7100 + UInt32(position))  // 203.0.113.x
            for repeatIndex in 0..<(4 - position) {
                events.append(
                    time: t0 + Int64(60 * position + repeatIndex), host: .address(ip), service: .asterisk,
                    kind: .failure,
                    rule: .asteriskRegistrationFailed, user: user, jail: nil, file: 0,
                    line: position * 10 + repeatIndex + 1)
            }
            // Each also logs in: the compromise table shows the hostile user names too.
            events.append(
                time: t0 + Int64(60 * position + 30), host: .address(ip), service: .asterisk, kind: .success,
                rule: .asteriskSuccessfulAuth, user: user, jail: nil, file: 0, line: position * 10 + 9)
        }
        events.append(
            time: t0 + 100, host: .address(IPAddress(ipv4: 0xCB00_7100)), service: .fail2ban, kind: .ban,
            rule: .fail2banBan, user: nil, jail: "<i>jail</i>", file: 1, line: 1)
        return AnalysisInput(
            events: events, fileNames: ["full<img src=x onerror=alert(2)>", "fail2ban.log"], simulation: nil,
            readingNotes: ["full<img src=x onerror=alert(3)>: 2 lines of sshd-session | sshd-auth not read"])
    }
}
