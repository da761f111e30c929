import Foundation
import Testing
@testable import Jailbird

/// Test-only helpers: cut the leading time stamp the way fail2ban does for these files
/// (syslog `Mon dd hh:mm:ss` or ISO 8601 at the start of the line) and give a crude UTC clock.
enum SSHDTestLines {
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Days since 1970-01-01 (proleptic Gregorian).
    static func days(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// Returns (length of the date text at the start, UTC seconds) or nil. Year-less stamps take
    /// the reference year, or the year before when they would lie after the reference day.
    static func stamp(_ line: [UInt8], referenceYear: Int, referenceMonth: Int, referenceDay: Int) -> (Int, Int64)? {
        let text = String(decoding: line.prefix(40), as: UTF8.self)
        let scalars = Array(text.utf8)
        func number(_ from: Int, _ length: Int) -> Int? {
            guard from + length <= scalars.count else { return nil }
            var value = 0
            for index in from..<(from + length) {
                guard scalars[index] >= 48 && scalars[index] <= 57 else { return nil }
                value = value * 10 + Int(scalars[index] - 48)
            }
            return value
        }
        if let monthIndex = months.firstIndex(where: { text.hasPrefix($0 + " ") }) {
            var index = 4
            while index < scalars.count && scalars[index] == 32 { index += 1 }
            var dayEnd = index
            while dayEnd < scalars.count && scalars[dayEnd] >= 48 && scalars[dayEnd] <= 57 { dayEnd += 1 }
            guard dayEnd > index, let day = number(index, dayEnd - index), dayEnd < scalars.count,
                scalars[dayEnd] == 32, let hour = number(dayEnd + 1, 2), let minute = number(dayEnd + 4, 2),
                let second = number(dayEnd + 7, 2)
            else { return nil }
            let month = monthIndex + 1
            var year = referenceYear
            if (month, day) > (referenceMonth, referenceDay + 1) { year -= 1 }
            let seconds = Int64(days(year, month, day)) * 86400 + Int64(hour * 3600 + minute * 60 + second)
            return (dayEnd + 9, seconds)
        }
        if let year = number(0, 4), scalars.count > 19, scalars[4] == 45, let month = number(5, 2),
            let day = number(8, 2), scalars[10] == 84, let hour = number(11, 2), let minute = number(14, 2),
            let second = number(17, 2)
        {
            var end = 19
            if end < scalars.count && scalars[end] == 46 {
                end += 1
                while end < scalars.count && scalars[end] >= 48 && scalars[end] <= 57 { end += 1 }
            }
            var offset = 0
            if end < scalars.count && scalars[end] == 90 {
                end += 1
            } else if end + 6 <= scalars.count && (scalars[end] == 43 || scalars[end] == 45),
                let zoneHour = number(end + 1, 2), let zoneMinute = number(end + 4, 2)
            {
                offset = (zoneHour * 60 + zoneMinute) * 60 * (scalars[end] == 43 ? 1 : -1)
                end += 6
            }
            let seconds = Int64(days(year, month, day)) * 86400 + Int64(hour * 3600 + minute * 60 + second - offset)
            return (end, seconds)
        }
        return nil
    }

    /// Runs `filter` over one line (number `number`), building the content as fail2ban does.
    static func run<F: LineFilter>(
        _ filter: inout F, _ line: String, number: Int, reference: (Int, Int, Int) = (2005, 8, 14)
    ) -> LineMatch? {
        let bytes = Array(line.utf8)
        let cut = stamp(bytes, referenceYear: reference.0, referenceMonth: reference.1, referenceDay: reference.2)
        let content = Array(bytes[(cut?.0 ?? 0)...])
        return bytes.withUnsafeBytes { raw in
            content.withUnsafeBytes { contentBytes in
                guard filter.isCandidate(raw) else { return nil }
                return filter.process(CandidateLine(content: contentBytes, raw: raw, time: cut?.1, number: number))
            }
        }
    }

    static func fixture(_ relative: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("fixtures").appendingPathComponent(relative)
    }

    static func hostsEqual(_ host: EventHost, _ expected: String) -> Bool {
        if let address = IPAddress(expected) { return host == .address(address) }
        return host == .hostname(expected)
    }
}

@Suite struct SSHDFilterTests {
    /// Evaluates the few Python expressions the sample file uses in `constraint` / `test.condition`.
    static func evaluate(_ expression: String, mode: SSHDFilter.Mode) -> Bool? {
        let compact = expression.replacingOccurrences(of: " ", with: "")
        if compact == "name=='sshd'" { return true }
        let modeValue = mode == .normal ? "None" : "'\(mode.rawValue)'"
        for op in ["!=", "=="] {
            let parts = compact.components(separatedBy: "opts.get('mode')\(op)")
            if parts.count == 2 && parts[0].isEmpty {
                let equal = parts[1] == modeValue
                return op == "==" ? equal : !equal
            }
        }
        return nil
    }

    struct SampleOutcome {
        var checks = 0
        var passed = 0
        var failures: [String] = []
        var skippedLines = 0
    }

    /// Replays fail2ban's annotated sample log for one mode as tests/samplestestcase.py does:
    /// one filter per option set for the whole file, only in the blocks naming it.
    static func replaySamples(mode: SSHDFilter.Mode) throws -> SampleOutcome {
        let text = try String(contentsOf: SSHDTestLines.fixture("fail2ban-samples/sshd"), encoding: .utf8)
        var filter = SSHDFilter(mode: mode)
        var outcome = SampleOutcome()
        var active = true  // before any filterOptions: default filter {}
        var pending: [String: Any]?
        var number = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let line = String(rawLine)
            if let range = line.range(of: #"^#+ ?(failJSON|(?:file|filter)Options|addFILE):(.+)$"#, options: .regularExpression) {
                _ = range
                let colon = line.firstIndex(of: ":")!
                let key = line[line.startIndex..<colon].trimmingCharacters(in: CharacterSet(charactersIn: "# "))
                let json = String(line[line.index(after: colon)...])
                if key == "filterOptions" {
                    let value = try JSONSerialization.jsonObject(with: Data(json.utf8))
                    let options = (value as? [[String: Any]]) ?? [value as! [String: Any]]
                    active = false
                    for option in options {
                        if let condition = option["test.condition"] as? String,
                            evaluate(condition, mode: mode) == false
                        {
                            continue
                        }
                        let optionMode = option["mode"] as? String ?? "normal"
                        let logtype = option["logtype"] as? String
                        if optionMode == mode.rawValue && logtype == nil { active = true }
                        if optionMode == mode.rawValue && logtype != nil { outcome.skippedLines += 0 }
                    }
                    pending = nil
                } else if key == "failJSON" {
                    pending = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
                } else {
                    pending = nil  // addFILE: the journal file is not a plain log
                }
                continue
            }
            guard let data = pending else { continue }
            pending = nil
            guard active else { continue }
            if let constraint = data["constraint"] as? String {
                let result = evaluate(constraint, mode: mode)
                if result == nil { outcome.failures.append("line \(number): unknown constraint \(constraint)") }
                if result != true { continue }
            }
            let result = SSHDTestLines.run(&filter, line, number: number)
            let failure = result?.kind == .failure ? result : nil
            outcome.checks += 1
            var ok: Bool
            if data["match"] as? Bool == true {
                ok = failure != nil
                if let failure, let host = data["host"] as? String { ok = ok && SSHDTestLines.hostsEqual(failure.host, host) }
                if let failure, let user = data["user"] as? String { ok = ok && failure.user == user }
            } else {
                ok = failure == nil
            }
            if ok {
                outcome.passed += 1
            } else {
                outcome.failures.append("line \(number): expected \(data) got \(String(describing: result))")
            }
        }
        return outcome
    }

    @Test(arguments: SSHDFilter.Mode.allCases)
    func annotatedSamplesMatchFail2ban(mode: SSHDFilter.Mode) throws {
        let outcome = try Self.replaySamples(mode: mode)
        #expect(outcome.failures == [], "\(mode): \(outcome.passed)/\(outcome.checks)")
        #expect(outcome.checks > 10)
        print("sshd samples [\(mode)]: \(outcome.passed)/\(outcome.checks) checks")
    }

    static func single(_ lines: [String], mode: SSHDFilter.Mode = .normal) -> [LineMatch?] {
        var filter = SSHDFilter(mode: mode)
        return lines.enumerated().map { SSHDTestLines.run(&filter, $0.element, number: $0.offset + 1) }
    }

    @Test func injectedFromInInvalidUserKeepsRealHost() throws {
        let results = Self.single([
            "Jan  1 00:00:00 h sshd[1]: Invalid user a from 6.6.6.6 from 192.0.2.7 port 22",
            "Jan  1 00:00:01 h sshd[2]: Failed password for invalid user x from 6.6.6.6 port 1 ssh2 from 192.0.2.8 port 22 ssh2",
            "Jan  1 00:00:02 h sshd[3]: Failed password for invalid user b from 192.0.2.9 port 22 ssh2: from 6.6.6.6",
        ])
        // fail2ban's lazy user stops at the first " from " that leads to a full match
        #expect(results[0]?.host == .address(IPAddress("192.0.2.7")!))
        #expect(results[0]?.user == "a from 6.6.6.6")
        #expect(results[1]?.host == .address(IPAddress("192.0.2.8")!))
        #expect(results[1]?.user == "invalid user x from 6.6.6.6 port 1 ssh2")
        #expect(results[2]?.host == .address(IPAddress("192.0.2.9")!))
    }

    @Test func hostFormsAreReported() throws {
        let results = Self.single([
            "Jan  1 00:00:00 h sshd[1]: Invalid user a from ::ffff:192.0.2.10 port 22",
            "Jan  1 00:00:00 h sshd[2]: Invalid user a from 2001:db8::1 port 22",
            "Jan  1 00:00:00 h sshd[3]: Invalid user a from attacker.example.net",
            "Jan  1 00:00:00 h sshd[4]: Invalid user a [preauth] from 192.0.2.11 port 22 [preauth]",
        ])
        #expect(results[0]?.host == .address(IPAddress("192.0.2.10")!))
        #expect(results[1]?.host == .address(IPAddress("2001:db8::1")!))
        #expect(results[2]?.host == .hostname("attacker.example.net"))
        #expect(results[3]?.host == .address(IPAddress("192.0.2.11")!))
        #expect(results[3]?.user == "a [preauth]")
    }

    /// `<HOST>` is `\[?(?:ip4|ip6)\]?` or a DNS name: fail2ban 1.0.2 (fail2ban-regex) counts all
    /// four lines, with the address inside the brackets.
    @Test func bracketedAddressesAreHosts() throws {
        let results = Self.single([
            "Jan  1 00:00:00 host sshd[1]: Failed password for root from [192.0.2.4] port 22 ssh2",
            "Jan  1 00:00:01 host sshd[2]: Invalid user bob from [2001:db8::1] port 22",
            "Jan  1 00:00:02 host sshd[3]: Failed password for root from 192.0.2.5] port 22 ssh2",
            "Jan  1 00:00:03 host sshd[4]: Failed password for root from [192.0.2.6 port 22 ssh2",
        ])
        #expect(results[0]?.host == .address(IPAddress("192.0.2.4")!))
        #expect(results[0]?.user == "root")
        #expect(results[1]?.host == .address(IPAddress("2001:db8::1")!))
        #expect(results[1]?.user == "bob")
        #expect(results[2]?.host == .address(IPAddress("192.0.2.5")!))
        #expect(results[3]?.host == .address(IPAddress("192.0.2.6")!))
    }

    /// The connection cache holds 100 connections and drops the oldest first (expired ones and
    /// then one live one); checked against fail2ban_replay.py on the same lines.
    @Test func sessionCacheDropsOldestConnections() throws {
        var lines = (1...101).map { "Jan  1 00:00:00 h sshd[\($0)]: Connection from 192.0.2.\($0) port 22" }
        lines += [
            "Jan  1 00:00:02 h sshd[2]: Disconnecting: Too many authentication failures for root [preauth]",
            "Jan  1 00:00:02 h sshd[1]: Disconnecting: Too many authentication failures for root [preauth]",
            "Jan  1 00:10:00 h sshd[102]: Connection from 192.0.2.102 port 22",
            "Jan  1 00:10:01 h sshd[4]: Disconnecting: Too many authentication failures for root [preauth]",
            "Jan  1 00:10:01 h sshd[102]: Disconnecting: Too many authentication failures for root [preauth]",
        ]
        let results = Self.single(lines)
        #expect(results[0..<101].allSatisfy { $0 == nil })
        // sshd[101] pushed out sshd[1], the oldest; sshd[2] still has its host
        #expect(results[101]?.host == .address(IPAddress("192.0.2.2")!))
        #expect(results[102] == nil)
        // five minutes later every entry has expired: sshd[102] replaced them all
        #expect(results[104] == nil)
        #expect(results[105]?.host == .address(IPAddress("192.0.2.102")!))
    }

    @Test func acceptedIsSuccessAndForgetsHelperSession() throws {
        let results = Self.single([
            "Jan  1 00:00:00 h sshd[9]: Failed publickey for git from 192.0.2.1 port 5 ssh2: RSA x",
            "Jan  1 00:00:01 h sshd[9]: Accepted publickey for git from 192.0.2.1 port 5 ssh2: RSA y",
            "Jan  1 00:00:02 h sshd[9]: Connection closed by 192.0.2.1",
        ])
        #expect(results[0] == nil)
        #expect(results[1]?.kind == .success)
        #expect(results[1]?.user == "git")
        #expect(results[2] == nil)
    }

    /// Another daemon's line starts fail2ban's content at the daemon's token (the host token is
    /// `__hostname`), so it matches only when that token opens a rule; without a daemon token
    /// the host's successor is the content. What fail2ban-regex 1.0.2 reports for these lines.
    @Test func contentOfAnotherDaemonsLineStartsAtItsToken() {
        let results = Self.single([
            "Mar 10 00:00:00 host Failed password for root from 1.2.3.4 port 22 ssh2",
            "Mar 10 00:00:01 host CRON[1]: Failed password for root from 1.2.3.5 port 22 ssh2",
            "Mar 10 00:00:02 host sshd[1]: Failed password for root from 1.2.3.6 port 22 ssh2",
            "Mar 10 00:00:03 sshd[1]: Failed password for root from 1.2.3.7 port 22 ssh2",
            "Mar 10 00:00:04 host CRON[12000]: pam_unix(cron:session): session closed for user root",
        ])
        #expect(results.map { $0?.host.description } == ["1.2.3.4", nil, "1.2.3.6", "1.2.3.7", nil])
    }

    /// `process` drops a content whose first four bytes open no rule of the mode before trying
    /// any rule, and skips a rule whose leading text's first sixteen bytes differ: that holds
    /// only if every rule's match starts with one of those words and its leading text. Every
    /// rule is tried at the content start of the fixture lines, their stamp-cut forms and their
    /// mutations.
    @Test(arguments: SSHDFilter.Mode.allCases)
    func everyRuleMatchStartsWithAContentOpening(mode: SSHDFilter.Mode) throws {
        let filter = SSHDFilter(mode: mode)
        var matched = 0
        for input in try PrefixShortcutTests.inputs() {
            PrefixShortcutTests.forEachVariant(of: input) { text in
                let scanner = SSHDScanner(text)
                guard let start = scanner.prefix()?.contentStart else { return }
                for (position, rule) in SSHDRule.list(for: mode).enumerated() where scanner.match(rule, at: start) != nil {
                    matched += 1
                    #expect(filter.leads[position].mayStart(text, at: start), "\(rule): \(String(decoding: text, as: UTF8.self))")
                    let opens = start + 4 <= text.count
                        && filter.contentOpenings.contains(text.loadUnaligned(fromByteOffset: start, as: UInt32.self))
                    #expect(opens, "\(rule): \(String(decoding: text, as: UTF8.self))")
                }
            }
        }
        #expect(matched > 1_000)
    }
}
