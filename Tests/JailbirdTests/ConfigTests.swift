import Foundation
import Testing
import JailbirdTestSupport

@testable import Jailbird

/// The real server's configuration (Debian's jail.conf and paths, its jail.local). The jail.conf
/// copies in fixtures differ from Debian's in one line: the disabled `[assp]` jail's placeholder
/// logpath has no `/root` prefix, so no home directory stands in the tree.
@Suite struct ConfigServerTests {
    @Test func serverJailsHaveTheirExactSettings() throws {
        let directory = Fixtures.path("config/server")
        let configuration = try Fail2banConfiguration.read(directory: directory)
        #expect(configuration.jails.map(\.name) == ["sshd", "asterisk", "recidive"])
        #expect(configuration.dbPurgeAge == 86400)
        let ignore = try #require(configuration.jails.first?.ignore)
        #expect(ignore.networks.map(\.description) == ["127.0.0.0/8", "::1", "192.168.0.0/24"])
        #expect(ignore.hostnames.isEmpty)

        let sshd = configuration.jails[0]
        #expect(sshd.filter == .sshd(.normal))
        #expect(sshd.filterName == "sshd")
        #expect(sshd.logPaths == ["/var/log/auth.log"])
        #expect(sshd.maxRetry == 5 && sshd.findTime == 3600 && sshd.banTime == 3600)
        #expect(sshd.ignoreSelf && sshd.useDNS == "warn" && sshd.increment == nil && sshd.enabled)
        #expect(sshd.source == ConfigLocation(file: directory + "/jail.conf", line: 274))

        let asterisk = configuration.jails[1]
        #expect(asterisk.filter == .asterisk)
        #expect(asterisk.logPaths == ["/var/log/asterisk/full"])
        #expect(asterisk.maxRetry == 5 && asterisk.findTime == 600 && asterisk.banTime == 3600)

        let recidive = configuration.jails[2]
        #expect(recidive.filter == .recidive(jailName: "recidive"))
        #expect(recidive.filterName == "recidive[mode=normal]")
        #expect(recidive.logPaths == ["/var/log/fail2ban.log"])
        #expect(recidive.maxRetry == 5 && recidive.findTime == 86400 && recidive.banTime == 604_800)
        #expect(configuration.warnings.isEmpty, "\(configuration.warnings)")
    }

    /// filter.d/sshd.local sets `_daemon` (as servers with OpenSSH 9.8 and later need): a jail
    /// takes it unless it sets its own, the warning about the customization names the one used,
    /// and a `_daemon` jailbird cannot read leaves its jail out rather than misread it.
    @Test func theSSHDFiltersOwnDaemonIsRead() throws {
        let configuration = try Fail2banConfiguration.read(directory: Fixtures.path("config/filters"))
        let newer = try #require(SSHDDaemonNames(parsing: "sshd(?:-session|-auth)?"))
        let session = try #require(SSHDDaemonNames(parsing: "sshd-session"))
        #expect(configuration.jails.map(\.filter) == [.sshd(.normal, daemon: newer), .sshd(.normal, daemon: session), nil])
        #expect(configuration.jails[2].unsupportedReason?.contains("sshd\\S*") == true)
        let warnings = configuration.warnings
        #expect(warnings.contains { $0.contains("jail 'sshd':") && $0.hasSuffix("with _daemon = sshd(?:-session|-auth)?") })
        #expect(warnings.contains { $0.contains("jail 'sshd-session-only':") && $0.hasSuffix("with _daemon = sshd-session") })
    }

    @Test func disabledJailsAreReadOnRequest() throws {
        let configuration = try Fail2banConfiguration.read(
            directory: Fixtures.path("config/server"), includeDisabled: true)
        #expect(configuration.jails.count > 50)
        let apache = try #require(configuration.jails.first { $0.name == "apache-badbots" })
        #expect(!apache.enabled && apache.banTime == 172_800 && apache.maxRetry == 1 && apache.filter == nil)
        #expect(configuration.jails.filter(\.enabled).map(\.name) == ["sshd", "asterisk", "recidive"])
    }
}

/// jailbird's reading against fail2ban's own (fixtures/config/fail2ban_config_dump.py).
@Suite struct ConfigDifferentialTests {
    static let fixtures = ["server", "precedence", "increment", "minimal", "quirks", "filters"]
    static let script = Fixtures.path("config/fail2ban_config_dump.py")
    static var fail2banAvailable: Bool {
        FileManager.default.fileExists(atPath: "/usr/lib/python3/dist-packages/fail2ban/__init__.py")
            && FileManager.default.fileExists(atPath: "/usr/bin/python3")
            && FileManager.default.fileExists(atPath: "/etc/fail2ban/filter.d/sshd.conf")
    }

    @Test(arguments: fixtures)
    func readingEqualsTheCommittedFail2banReading(_ fixture: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("config/expected/\(fixture).json")))
        try Self.compare(directory: Fixtures.path("config/\(fixture)"), expected: data)
    }

    @Test(.enabled(if: fail2banAvailable, "fail2ban is not installed"), arguments: fixtures)
    func readingEqualsFail2banLive(_ fixture: String) throws {
        try Self.compare(
            directory: Fixtures.path("config/\(fixture)"),
            expected: try Self.liveDump(Fixtures.path("config/\(fixture)")))
    }

    /// The machine's own /etc/fail2ban, whatever it holds.
    @Test(.enabled(if: fail2banAvailable, "fail2ban is not installed"))
    func readingOfTheInstalledConfigurationEqualsFail2ban() throws {
        try Self.compare(directory: "/etc/fail2ban", expected: try Self.liveDump("/etc/fail2ban"))
    }

    static func liveDump(_ directory: String) throws -> Data {
        let run = try runPython([Self.script, directory])
        #expect(run.status == 0)
        return run.output
    }

    /// fail2ban_config_dump.py's output. (Decoded with JSONDecoder: JSONSerialization on Linux
    /// does not read every double exactly.)
    struct Dump: Decodable {
        var dbpurgeage: Double
        var jails: [Jail]
    }

    struct Jail: Decodable {
        var name: String
        var error: String?
        var filter: String?
        var filterFile: String?
        var mode: String?
        var jailname: String?
        var daemon: String?
        var maxretry: Int?
        var findtime: Double?
        var bantime: Int64?
        var ignoreip: [IgnoreEntry]?
        var ignoreself: Bool?
        var usedns: String?
        var logpath: [String]?
        var increment: Increment?
    }

    struct IgnoreEntry: Decodable {
        var net: String?
        var ipv4: Bool?
        var host: String?
    }

    struct Increment: Decodable {
        var bantimes: [Double]
        var multipliers: [Int64]?
        var maxtime: Double?
        var rndtime: Double?
        var overalljails: Bool
        var random: Double
    }

    static func compare(directory: String, expected data: Data) throws {
        let fixture = URL(fileURLWithPath: directory).lastPathComponent
        let dump = try JSONDecoder().decode(Dump.self, from: data)
        let configuration = try Fail2banConfiguration.read(directory: directory)
        #expect(configuration.dbPurgeAge == dump.dbpurgeage, "\(fixture)")
        #expect(configuration.jails.map(\.name) == dump.jails.map(\.name), "\(fixture)")
        for (ours, jail) in zip(configuration.jails, dump.jails) {
            let label = "\(fixture)/\(ours.name)"
            #expect(jail.error == nil, "\(label): fail2ban: \(jail.error ?? "")")
            #expect(ours.filterName == jail.filter, "\(label)")
            switch (ours.filter, jail.filterFile) {
            case (.sshd(let mode, let daemon), "sshd"):
                #expect(mode.rawValue == jail.mode, "\(label)")
                #expect(daemon.pattern == jail.daemon, "\(label)")
            case (.asterisk, "asterisk"): break
            case (.recidive(let name), "recidive"): #expect(name == jail.jailname, "\(label)")
            case (nil, "sshd") where ours.unsupportedReason?.contains("_daemon") == true:
                #expect(SSHDDaemonNames(parsing: jail.daemon ?? "") == nil, "\(label): left out, yet jailbird reads its _daemon")
            case (nil, let other): #expect(!["sshd", "asterisk", "recidive"].contains(other), "\(label)")
            default: Issue.record("\(label): filter \(String(describing: ours.filter)) vs \(jail.filterFile ?? "none")")
            }
            #expect(ours.maxRetry == jail.maxretry, "\(label)")
            #expect(ours.findTime == jail.findtime, "\(label)")
            #expect(ours.banTime == jail.bantime, "\(label)")
            #expect(ours.ignoreSelf == jail.ignoreself, "\(label)")
            #expect(ours.useDNS == jail.usedns, "\(label)")
            #expect(ours.logPaths == jail.logpath, "\(label)")
            let entries = jail.ignoreip ?? []
            let theirNetworks = Set(
                entries.compactMap { entry -> String? in
                    guard let net = entry.net else { return nil }
                    return (entry.ipv4 == true ? "4 " : "6 ") + net
                })
            let ourNetworks = Set(
                ours.ignore.networks.map { network in
                    let address =
                        network.isIPv4 || !network.address.isIPv4
                        ? network.address.description : "::ffff:\(network.address)"
                    return (network.isIPv4 ? "4 " : "6 ") + "\(address)/\(network.prefixLength)"
                })
            #expect(ourNetworks == theirNetworks, "\(label)")
            #expect(Set(ours.ignore.hostnames) == Set(entries.compactMap(\.host)), "\(label)")
            #expect((ours.increment == nil) == (jail.increment == nil), "\(label)")
            if let ourIncrement = ours.increment, let increment = jail.increment {
                #expect(ourIncrement.overallJails == increment.overalljails, "\(label)")
                #expect(ourIncrement.maxTime == increment.maxtime, "\(label)")
                #expect(ourIncrement.rndTime == increment.rndtime, "\(label)")
                #expect(ourIncrement.multipliers == increment.multipliers, "\(label)")
                let computed = (1...increment.bantimes.count).map {
                    ourIncrement.banTime(base: ours.banTime, banCount: $0, random: increment.random)
                }
                #expect(computed == increment.bantimes, "\(label)")
            }
        }
    }
}

@Suite struct DurationTests {
    @Test(arguments: [
        ("600", 600.0), ("10m", 600), ("1h 30m", 5400), ("1d12h", 129_600), ("1d 12h", 129_600), ("1w", 604_800),
        ("-1", -1), ("1h-10m", 3000), ("7d", 604_800), ("2 days", 172_800), ("1 hour 30 min", 5400),
        ("1mo", 2_629_800), ("1y", 31_557_600), ("1year-6mo", 15_778_800), ("30s", 30), ("45 sec", 45),
        ("2mm", 120), ("1.5h", 5400), ("1HH", 3600), ("3ww", 1_814_400), ("1 2", 3), ("(1+1)*2h", 14400),
    ])
    func durationsAreReadAsStr2secondsReadsThem(_ text: String, _ seconds: Double) throws {
        #expect(try parseDuration(text) == seconds)
    }

    @Test(arguments: ["", "abc", "10x", "1ms", "1 2 3", "__import__('os')", "010", "1h)", "h"])
    func malformedDurationsAreErrors(_ text: String) {
        #expect(throws: ConfigError.self) { try parseDuration(text) }
    }

    @Test func monthsStayFractionalAndBantimeTruncates() throws {
        #expect(try parseDurationNumber("1mo") == .float(2_629_800))
        #expect(try parseDurationNumber("10m") == .int(600))
        let directory = try ConfigScratch.make([
            "jail.local": "[sshd]\nenabled = true\nfilter = sshd\nbantime = 0.5h\nfindtime = 90.5\n"
        ])
        let jail = try #require(try Fail2banConfiguration.read(directory: directory).jails.first)
        #expect(jail.banTime == 1800 && jail.findTime == 90.5)
    }
}

@Suite struct IgnoreListTests {
    static func address(_ text: String) -> IPAddress { IPAddress(text)! }

    @Test func ipv4BlocksMatchOnlyTheirIPv4Addresses() throws {
        let list = try IgnoreList.parse("127.0.0.1/8 ::1,192.168.0.0/24\n10.0.0.0/255.255.0.0 203.0.113.9")
        #expect(list.contains(Self.address("127.200.1.1")))
        #expect(list.contains(Self.address("::ffff:127.0.0.1")))
        #expect(list.contains(Self.address("192.168.0.255")))
        #expect(!list.contains(Self.address("192.168.1.0")))
        #expect(list.contains(Self.address("10.0.255.1")) && !list.contains(Self.address("10.1.0.1")))
        #expect(list.contains(Self.address("203.0.113.9")) && !list.contains(Self.address("203.0.113.10")))
        #expect(list.contains(Self.address("::1")) && !list.contains(Self.address("::2")))
        // An IPv4 block's bits are not the IPv6 bits of ::a.b.c.d.
        #expect(!list.contains(Self.address("::7f00:1")))
    }

    @Test func ipv6BlocksNeverMatchIPv4() throws {
        let list = try IgnoreList.parse("2001:db8:1:2::/64 ::/0 ::ffff:10.0.0.0/104")
        #expect(list.contains(Self.address("2001:db8:1:2:ffff::1")))
        #expect(list.contains(Self.address("fe80::1")))
        #expect(!list.contains(Self.address("10.0.0.1")))
        #expect(!list.contains(Self.address("::ffff:10.0.0.1")))
        let single = try IgnoreList.parse("::ffff:10.0.0.1 [2001:db8::5]")
        #expect(single.contains(Self.address("10.0.0.1")) && single.contains(Self.address("2001:db8::5")))
        #expect(single.networks.map(\.description) == ["10.0.0.1", "2001:db8::5"])
    }

    @Test func hostNamesAreKeptApart() throws {
        let list = try IgnoreList.parse("gateway.example.net, 10.0.0.1 my-host")
        #expect(list.hostnames == ["gateway.example.net", "my-host"])
        #expect(list.networks.count == 1)
    }

    @Test(arguments: [
        "10.0.0.1/33", "10.0.0.1/255.0.255.0", "10.0.0.1/x", "300.1.1.1", "010.0.0.1", "1.2.3", "::1/129", "a b\tc",
        "host/24",
    ])
    func badEntriesAreErrors(_ entry: String) {
        #expect(throws: ExpressionError.self) { try IgnoreList.parse(entry) }
    }
}

@Suite struct BanTimeIncrementTests {
    @Test func defaultFormulaDoublesFromTheBase() {
        let increment = BanTimeIncrement()
        #expect(
            (1...5).map { increment.banTime(base: 600, banCount: $0, random: 0) } == [1200, 2400, 4800, 9600, 19200])
        #expect(increment.banTime(base: 600, banCount: 0, random: 0) == 600)
        // 2^20 at most.
        #expect(increment.banTime(base: 1, banCount: 30, random: 0) == 1_048_576)
    }

    @Test func multipliersMaxTimeAndRandomTime() throws {
        var increment = BanTimeIncrement()
        increment.multipliers = [1, 5, 30]
        #expect((1...4).map { increment.banTime(base: 60, banCount: $0, random: 0) } == [300, 1800, 1800, 1800])
        increment.maxTime = 1000
        #expect(increment.banTime(base: 60, banCount: 2, random: 0) == 1000)
        increment.rndTime = 100
        #expect(increment.banTime(base: 60, banCount: 2, random: 0.5) == 1050)
        increment.maxTime = nil
        increment.factor = 0.5
        #expect(increment.banTime(base: 60, banCount: 2, random: 0.5) == 950)  // 60 · 0.5 · 30 + 0.5 · 100
    }

    @Test func formulasAreEvaluatedLikePython() throws {
        var increment = BanTimeIncrement()
        increment.formula = try BanTimeFormula(
            parsing: "ban.Time * math.exp(float(ban.Count+1)*banFactor)/math.exp(1*banFactor)")
        #expect(abs(increment.banTime(base: 600, banCount: 1, random: 0) - 600 * M_E) < 1e-9)
        increment.formula = try BanTimeFormula(
            parsing: "ban.Time // 7 + (ban.Count % 3) - (-7 // 2) + round(2.5) + int(-2.7) + 1000")
        #expect(increment.banTime(base: 700, banCount: 4, random: 0) == 1105)  // 100 + 1 + 4 + 2 - 2 + 1000
        increment.formula = try BanTimeFormula(
            parsing: "ban.Time * 2 if ban.Count > 1 and not ban.Count == 3 else ban.Time * 10")
        #expect(increment.banTime(base: 10, banCount: 2, random: 0) == 20)
        #expect(increment.banTime(base: 10, banCount: 3, random: 0) == 100)
        increment.formula = try BanTimeFormula(parsing: "ban.Time / (ban.Count - 1)")
        #expect(increment.banTime(base: 10, banCount: 1, random: 0) == 10)  // ZeroDivisionError keeps the base
        #expect(
            try PythonExpression(parsing: "2 ** -1 + 7 % -3 + (1 << 4) + max(1, 2.5, 2) + abs(-3)", names: []).evaluate(
                [:]) == .float(20.0))
        #expect(try PythonExpression(parsing: "1 < 2 < 3", names: []).evaluate([:]) == .int(1))
    }

    @Test(arguments: [
        "__import__('os').system('x')", "ban.Time.__class__", "open('/etc/passwd')", "ban.Time +", "lambda: 1",
        "ban.Time; 1", "[1]", "'a'", "ban.Tim",
    ])
    func unsafeOrBrokenFormulasAreRejected(_ text: String) {
        #expect(throws: ConfigError.self) { try BanTimeFormula(parsing: text) }
    }
}

/// Temporary configuration directories for the error tests.
enum ConfigScratch {
    static func make(_ files: [String: String]) throws -> String {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("jailbird-config-\(UUID().uuidString)").path
        for (name, text) in files {
            let path = directory + "/" + name
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return directory
    }
}

@Suite struct ConfigErrorTests {
    static let jail = "[sshd]\nenabled = true\nfilter = sshd\nlogpath = /var/log/auth.log\n"

    /// Each case: jail.local text, then the line and key the error must name.
    @Test(
        arguments: [
            ("maxretry = 3\n[sshd]\n", 1, ""),  // before any section
            ("[sshd]\nenabled = true\nthis line is wrong\n", 3, ""),
            ("[sshd]\nenabled = true\nenabled = false\n", 3, "enabled"),
            ("[sshd]\n[sshd]\n", 2, ""),
            ("[sshd]\n= value\n", 2, ""),
            (jail + "bantime = %(nothing)s\n", 5, "bantime"),
            (jail + "bantime = 10% \n", 5, "bantime"),
            (jail + "bantime = %(a)s\na = %(bantime)s\n", 5, "bantime"),
            (jail + "bantime = 10 minutes later\n", 5, "bantime"),
            (jail + "findtime = 1x\n", 5, "findtime"),
            (jail + "maxretry = 3.5\n", 5, "maxretry"),
            (jail + "ignoreip = 127.0.0.1/40\n", 5, "ignoreip"),
            (jail + "usedns = maybe\n", 5, "usedns"),
            ("[sshd]\nenabled = true\nfilter = sshd[mode=paranoid]\n", 3, "filter"),
            ("[sshd]\nenabled = true\nfilter = sshd[mode=aggressive\n", 3, "filter"),
            (jail + "bantime.increment = true\nbantime.formula = ban.Time * os.system(1)\n", 6, "bantime.formula"),
            (jail + "bantime.factor = 2 +\n", 5, "bantime.factor"),
            (jail + "bantime.multipliers = 1  2\n", 5, "bantime.multipliers"),
            (jail + "bantime.maxtime = forever\n", 5, "bantime.maxtime"),
            ("[DEFAULT]\naction = %(action_missing)s\n" + jail, 2, "action"),
            ("[sshd]\nenabled = true\nfilter = sshd\nlogpath = /var/log/my file.log\n", 4, "logpath"),
            ("[sshd]\nenabled = %(flag)s\n[other]\n", 2, "enabled"),
        ] as [(String, Int, String)])
    func malformedConfigurationNamesFileLineAndKey(_ text: String, _ line: Int, _ key: String) throws {
        let directory = try ConfigScratch.make(["jail.local": text])
        let error = #expect(throws: ConfigError.self) { try Fail2banConfiguration.read(directory: directory) }
        #expect(error?.file == directory + "/jail.local", "\(String(describing: error))")
        #expect(error?.line == line, "\(String(describing: error))")
        #expect(error?.key == key, "\(String(describing: error))")
    }

    /// A file that includes itself is read twice; `%(known/x)s` then finds its own text, and
    /// fail2ban gives up after 10 levels, as jailbird does.
    @Test func selfIncludeMakesKnownRecursive() throws {
        let directory = try ConfigScratch.make([
            "jail.conf": "[INCLUDES]\nbefore = jail.conf\nafter = after.conf\n[sshd]\nenabled = true\nfilter = sshd\n",
            "after.conf": "[sshd]\nmaxretry = %(known/maxretry)s\n",
        ])
        let error = #expect(throws: ConfigError.self) { try Fail2banConfiguration.read(directory: directory) }
        #expect(error?.file == directory + "/after.conf" && error?.line == 2 && error?.key == "maxretry")
        #expect(error?.message.contains("10 levels") == true)
    }

    @Test func missingDirectoryAndEmptyDirectoryAreErrors() throws {
        #expect(throws: ConfigError.self) { try Fail2banConfiguration.read(directory: "/nonexistent/jailbird") }
        let empty = try ConfigScratch.make(["fail2ban.conf": "[Definition]\n"])
        #expect(throws: ConfigError.self) { try Fail2banConfiguration.read(directory: empty) }
    }

    @Test func badDbPurgeAgeNamesFail2banConf() throws {
        let directory = try ConfigScratch.make([
            "jail.local": Self.jail, "fail2ban.local": "[Definition]\ndbpurgeage = soon\n",
        ])
        let error = #expect(throws: ConfigError.self) { try Fail2banConfiguration.read(directory: directory) }
        #expect(error?.file == directory + "/fail2ban.local" && error?.line == 2 && error?.key == "dbpurgeage")
    }

    @Test func unsupportedFiltersAreReportedNotFatal() throws {
        let directory = try ConfigScratch.make([
            "jail.local": Self.jail
                + "[nginx]\nenabled = true\nfilter = nginx-http-auth\nlogpath = /x\n"
                + "[custom]\nenabled = true\nfilter = sshd\nfailregex = ^x <HOST>$\nlogpath = /y\n"
                + "[weird]\nenabled = maybe\n"
        ])
        let configuration = try Fail2banConfiguration.read(directory: directory)
        #expect(configuration.jails.map(\.name) == ["sshd", "nginx", "custom"])
        #expect(configuration.jails[0].filter == .sshd(.normal))
        #expect(configuration.jails[1].filter == nil && configuration.jails[1].unsupportedReason != nil)
        #expect(configuration.jails[2].filter == nil && configuration.jails[2].unsupportedReason != nil)
        #expect(configuration.warnings.contains { $0.contains("enabled = maybe") })
    }

    @Test func interpolationExtensionsAndComments() throws {
        let directory = try ConfigScratch.make([
            "jail.conf": "[INCLUDES]\nbefore = sub/paths.conf\n[DEFAULT]\nroot = /var/log\n"
                + "[sshd]\nlogpath = %(root)s/auth.log\nport = 22\n",
            "sub/paths.conf": "[INCLUDES]\nafter = more.conf\n[DEFAULT]\nroot = /ignored\n",
            "sub/more.conf": "[DEFAULT]\nextra = %(__name__)s-extra\n",
            "jail.local": "[sshd]\nenabled = true\nfilter = sshd\n# comment\n; comment\n"
                + "logpath = %(known/logpath)s ; inline comment\n  /var/log/%(extra)s\n\n  /var/log/x;y tail\n"
                + "ignoreip = %(other/address)s\n[other]\naddress = 192.0.2.1\n",
        ])
        let jail = try #require(try Fail2banConfiguration.read(directory: directory).jails.first)
        #expect(jail.logPaths == ["/var/log/auth.log", "/var/log/sshd-extra", "/var/log/x;y"])
        #expect(jail.ignore.networks.map(\.description) == ["192.0.2.1"])
    }
}
