import Foundation
import Testing
import JailbirdTestSupport
@testable import Jailbird

/// The simulator against the real fail2ban: every run of fixtures/simulation/runs.tsv (scenario
/// logs, generated logs, config directories) replayed by jailbird with `--while-banned counted`
/// (fail2ban's own reading) gives the same bans — jail, IP, start, end, ban count — the same
/// prolongations and the same failure counts as the oracle's committed output.
@Suite struct SimulationDifferentialTests {
    static let directory = Fixtures.path("simulation")

    struct Run: CustomTestStringConvertible, Sendable {
        var name: String
        var arguments: [String]
        var testDescription: String { name }
    }

    static var runs: [Run] {
        guard let text = try? String(contentsOfFile: directory + "/runs.tsv", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { row in
            let columns = row.split(separator: "\t", omittingEmptySubsequences: false)
            guard columns.count >= 2 else { return nil }
            return Run(name: String(columns[0]), arguments: shellWords(String(columns[1])))
        }
    }

    /// Splits like a POSIX shell for the subset runs.tsv uses: blanks and single quotes.
    static func shellWords(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inQuotes = false
        var hasWord = false
        for character in text {
            if character == "'" {
                inQuotes.toggle()
                hasWord = true
            } else if character == " " && !inQuotes {
                if hasWord { words.append(current) }
                current = ""
                hasWord = false
            } else {
                current.append(character)
                hasWord = true
            }
        }
        if hasWord { words.append(current) }
        return words
    }

    /// The oracle's command line, read the way fail2ban_replay.py reads it.
    struct OracleArguments {
        var options: [String: String] = [:]
        var flags: Set<String> = []
        var logs: [(jail: String, path: String)] = []
        var files: [String] = []

        init(_ words: [String]) {
            let booleans: Set<String> = ["--bantime-increment", "--bantime-overalljails", "--recidive"]
            var index = 0
            while index < words.count {
                let word = words[index]
                if booleans.contains(word) {
                    flags.insert(word)
                } else if word == "--log" {
                    let pair = words[index + 1].split(separator: "=", maxSplits: 1)
                    logs.append((String(pair[0]), String(pair[1])))
                    index += 1
                } else if word.hasPrefix("--") {
                    options[word] = words[index + 1]
                    index += 1
                } else {
                    files.append(word)
                }
                index += 1
            }
        }
    }

    static func path(_ relative: String) -> String { directory + "/" + relative }

    /// The jails and settings of a run, as jailbird builds them from the same arguments.
    static func jailbirdInput(_ run: Run) throws -> (SimulationInput, SimulationOptions) {
        let arguments = OracleArguments(run.arguments)
        let zone = try TimeZoneRules(identifier: arguments.options["--tz"] ?? "UTC")
        let nowText = try #require(arguments.options["--now"])
        let now = try #require(parseInstant(nowText, zone: zone))
        let yearReference = arguments.options["--year-ref"].flatMap { parseInstant($0, zone: zone) } ?? now
        var feeds: [JailFeed] = []
        var dbPurgeAge: Int64 = 86_400
        let logsFor = { (jail: String) in
            arguments.logs.filter { $0.jail == jail }.map { LogSource(path: path($0.path)) }
        }
        if let config = arguments.options["--config"] {
            let configuration = try Fail2banConfiguration.read(directory: path(config))
            dbPurgeAge = Int64(configuration.dbPurgeAge)
            for settings in configuration.jails where settings.enabled {
                let parameters = try #require(JailParameters(settings))
                feeds.append(JailFeed(parameters: parameters, logs: logsFor(settings.name)))
            }
        } else {
            let name = try #require(arguments.options["--jail"])
            let ignore = try IgnoreList(parsing: arguments.options["--ignoreip"] ?? "")
            var increment: BanTimeIncrement?
            if arguments.flags.contains("--bantime-increment") {
                var value = BanTimeIncrement()
                if let factor = arguments.options["--bantime-factor"] { value.factor = try #require(Double(factor)) }
                if let multipliers = arguments.options["--bantime-multipliers"] {
                    value.multipliers = multipliers.split(separator: " ").compactMap { Int64($0) }
                }
                if let maxTime = arguments.options["--bantime-maxtime"] { value.maxTime = try parseDuration(maxTime) }
                value.overallJails = arguments.flags.contains("--bantime-overalljails")
                increment = value
            }
            let jail = JailParameters(
                name: name, filter: try FilterSpec(parsing: arguments.options["--filter"] ?? name),
                maxRetry: Int(arguments.options["--maxretry"] ?? "5")!,
                findTime: try parseDuration(arguments.options["--findtime"] ?? "10m"),
                banTime: Int64(try parseDuration(arguments.options["--bantime"] ?? "10m")), ignore: ignore,
                increment: increment)
            feeds.append(JailFeed(parameters: jail, logs: arguments.files.map { LogSource(path: path($0)) }))
            if arguments.flags.contains("--recidive") {
                let recidive = JailParameters(
                    name: "recidive", filter: .recidive(jailName: "recidive"),
                    maxRetry: Int(arguments.options["--recidive-maxretry"] ?? "5")!,
                    findTime: try parseDuration(arguments.options["--recidive-findtime"] ?? "1d"),
                    banTime: Int64(try parseDuration(arguments.options["--recidive-bantime"] ?? "1w")), ignore: ignore)
                feeds.append(JailFeed(parameters: recidive, logs: logsFor("recidive")))
            }
        }
        var (input, _) = SimulationInput.reading(
            feeds, scan: ScanOptions(zone: zone, now: yearReference), end: now)
        if let start = arguments.options["--start"] { input.start = try #require(parseInstant(start, zone: zone)) }
        return (input, SimulationOptions(whileBanned: .counted, dbPurgeAge: dbPurgeAge))
    }

    /// A ban as both sides report it, with its final end (after prolongations).
    struct BanRecord: Hashable, Comparable, CustomStringConvertible {
        var jail: String
        var ip: String
        var start: Int64
        var end: Double?
        var count: Int
        static func < (lhs: BanRecord, rhs: BanRecord) -> Bool {
            (lhs.start, lhs.jail, lhs.ip) < (rhs.start, rhs.jail, rhs.ip)
        }
        var description: String { "\(jail) \(ip) @\(start) until \(end.map { String($0) } ?? "never") #\(count)" }
    }

    static func oracleBans(_ run: Run) throws -> (bans: [BanRecord], totals: [String: [String: Int]]) {
        try oracleBans(text: try String(contentsOfFile: path("expected/\(run.name).jsonl"), encoding: .utf8))
    }

    /// Reads the oracle's JSON lines: bans with their final end, and the per-jail summary counts.
    static func oracleBans(text: String) throws -> (bans: [BanRecord], totals: [String: [String: Int]]) {
        var bans: [BanRecord] = []
        var current: [String: Int] = [:]  // "jail ip" -> index of the running ban
        var totals: [String: [String: Int]] = [:]
        for line in text.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let type = object["type"] as? String
            let key = "\(object["jail"] ?? "") \(object["ip"] ?? "")"
            switch type {
            case "ban":
                let time = Int64(try #require(object["start"] as? Double ?? object["time"] as? Double))
                current[key] = bans.count
                bans.append(
                    BanRecord(
                        jail: object["jail"] as! String, ip: IPAddress(object["ip"] as! String)!.description, start: time,
                        end: object["until"] as? Double, count: object["count"] as! Int))
            case "already_banned":
                if let index = current[key] { bans[index].end = object["until"] as? Double }
            case "summary":
                let jails = try #require(object["jails"] as? [String: [String: Any]])
                for (jail, values) in jails {
                    totals[jail] = values.compactMapValues { $0 as? Int }
                }
            default: break
            }
        }
        return (bans, totals)
    }

    @Test func everyRunIsListed() {
        #expect(Self.runs.count >= 30)
    }

    @Test(arguments: runs)
    func bansEqualTheOracle(_ run: Run) throws {
        try Self.compare(run, with: try Self.oracleBans(run), label: run.name)
    }

    /// Where fail2ban is installed (CI installs it), the oracle also runs live on every run.
    @Test(.enabled(if: DifferentialTests.oracleAvailable, "fail2ban or ../shared/oracle is not installed"), arguments: runs)
    func bansEqualTheLiveOracle(_ run: Run) throws {
        let live = try runPython(
            [DifferentialTests.oracleScript] + run.arguments, directory: Self.directory,
            environment: ["PYTHONHASHSEED": "0", "PATH": "/usr/bin:/bin"])
        #expect(live.status == 0)
        let data = live.output
        try Self.compare(run, with: try Self.oracleBans(text: String(decoding: data, as: UTF8.self)), label: "live " + run.name)
    }

    static func compare(_ run: Run, with oracle: (bans: [BanRecord], totals: [String: [String: Int]]), label: String) throws {
        let (input, options) = try Self.jailbirdInput(run)
        let result = JailSimulator.simulate(input, options: options)
        let ours = result.bans.map { ban in
            BanRecord(
                jail: input.jails[ban.jail].name, ip: input.events.hosts[Int(ban.host)].description, start: ban.start,
                end: ban.end, count: ban.count)
        }
        let (theirs, totals) = oracle
        let extra = Set(ours).subtracting(theirs).sorted()
        let missed = Set(theirs).subtracting(ours).sorted()
        #expect(extra.isEmpty, "\(label): bans fail2ban does not make: \(extra.prefix(5))")
        #expect(missed.isEmpty, "\(label): bans jailbird misses: \(missed.prefix(5))")
        for (index, jail) in input.jails.enumerated() {
            let expected = try #require(totals[jail.name], "\(label): no oracle summary for \(jail.name)")
            let mine = result.totals[index]
            #expect(mine.counted == expected["fails"], "\(run.name) [\(jail.name)] failures counted")
            #expect(mine.ignored == expected["ignored"], "\(run.name) [\(jail.name)] ignored")
            #expect(mine.alreadyBanned == expected["already_banned"], "\(run.name) [\(jail.name)] already banned")
            #expect(mine.prolonged == expected["prolonged"], "\(run.name) [\(jail.name)] prolonged")
            #expect(mine.boosts == expected["boosts"], "\(run.name) [\(jail.name)] boosts")
        }
    }
}
