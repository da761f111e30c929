import Testing
@testable import Jailbird

@Suite struct AsteriskFilterTests {
    /// Runs the filter on one line whose time stamp text has already been cut out.
    static func match(content: String) -> LineMatch? {
        var filter = AsteriskFilter()
        var bytes = Array(content.utf8)
        return bytes.withUnsafeMutableBytes { buffer in
            let raw = UnsafeRawBufferPointer(buffer)
            guard filter.isCandidate(raw) else { return nil }
            return filter.process(CandidateLine(content: raw, raw: raw, time: 0, number: 1))
        }
    }

    @Test func registrationFailure() throws {
        let match = try #require(
            Self.match(
                content:
                    "[] NOTICE[1638] chan_sip.c: Registration from '\"100\" <sip:100@192.0.2.254>' failed for '203.0.113.10:5060' - Wrong password"
            ))
        #expect(match.kind == .failure)
        #expect(match.host == .address(IPAddress("203.0.113.10")!))
        #expect(match.user == "100")
        #expect(match.rule == .asteriskRegistrationFailed)
    }

    @Test func noiseLinesDoNotMatch() {
        #expect(Self.match(content: "[] VERBOSE[3141] chan_sip.c: Sending keepalive to peer trunk-1") == nil)
        #expect(Self.match(content: "[] NOTICE[3141] chan_sip.c: Peer 'trunk' is now Reachable. (5ms / 2000ms)") == nil)
        #expect(Self.match(content: "") == nil)
    }

    /// A source text with a colon and a space splits the content where fail2ban splits it.
    @Test func functionNameInSyslogPrefix() throws {
        let match = try #require(
            Self.match(
                content:
                    " localhost asterisk[32229]: NOTICE[32257]: chan_sip.c:23417 in handle_request_register: Registration from '<sip:301@example.com>' failed for '192.168.200.100:36998' - Wrong password"
            ))
        #expect(match.host == .address(IPAddress("192.168.200.100")!))
    }

    /// An attacker-chosen From URI that spells out a second "failed for" part cannot make the
    /// line yield another host than fail2ban's regex would.
    @Test func injectedRequestURIYieldsFail2bansHost() throws {
        let line =
            "[] NOTICE[1943] res_pjsip/pjsip_distributor.c: Request 'INVITE' from '<sip:x@y>' failed for '6.6.6.6:1' (callid: a) - No matching endpoint found' failed for '1.2.3.4:43678' (callid: b) - No matching endpoint found"
        let match = try #require(Self.match(content: line))
        // [^']* stops at the first quote, and the rest of the line still fits: fail2ban takes 6.6.6.6?
        // No: after "6.6.6.6:1' (callid: a) - No matching endpoint found" the line goes on, and the
        // pattern ends in \s*$, so the first reading fails and the lazy one moves on to 1.2.3.4.
        #expect(match.host == .address(IPAddress("1.2.3.4")!))
    }

    @Test func successfulAuthIsASuccess() throws {
        let match = try #require(
            Self.match(
                content:
                    "[] SECURITY[1204] res_security_log.c: SecurityEvent=\"SuccessfulAuth\",EventTV=\"1\",Severity=\"Informational\",Service=\"SIP\",EventVersion=\"1\",AccountID=\"100\",SessionID=\"0x1\",LocalAddress=\"IPV4/UDP/192.0.2.1/5060\",RemoteAddress=\"IPV4/UDP/198.51.100.5/5060\",UsingPassword=\"1\""
            ))
        #expect(match.kind == .success)
        #expect(match.user == "100")
        #expect(match.host == .address(IPAddress("198.51.100.5")!))
    }
}

@Suite struct Fail2banLogFilterTests {
    static func records(_ lines: [String]) -> [LineMatch?] {
        var filter = Fail2banLogFilter()
        return lines.map { line in
            var bytes = Array(line.utf8)
            return bytes.withUnsafeMutableBytes { buffer in
                let raw = UnsafeRawBufferPointer(buffer)
                guard filter.isCandidate(raw) else { return nil }
                // The stamp "2024-03-09 00:11:03,079" is cut out, as fail2ban's ^{DATE} does.
                let content = UnsafeRawBufferPointer(rebasing: raw[23...])
                return filter.process(CandidateLine(content: content, raw: raw, time: 0, number: 1))
            }
        }
    }

    @Test func everyRecordKindIsRead() throws {
        let results = Self.records([
            "2024-03-09 00:11:03,079 fail2ban.filter         [3982]: INFO    [sshd] Found 192.0.2.1 - 2024-03-09 00:11:03",
            "2024-03-09 00:11:03,079 fail2ban.actions        [3982]: NOTICE  [sshd] Ban 192.0.2.1",
            "2024-03-09 00:11:03,079 fail2ban.actions        [3982]: NOTICE  [sshd] Unban 192.0.2.1",
            "2024-03-09 00:11:03,079 fail2ban.actions        [3982]: NOTICE  [asterisk] Restore Ban 2001:db8::7",
            "2024-03-09 00:11:03,079 fail2ban.server         [3982]: INFO    Starting Fail2ban v1.0.2",
        ])
        #expect(results.map { $0?.kind } == [.found, .ban, .unban, .restoreBan, nil])
        #expect(results[3]?.jail == "asterisk")
        #expect(results[3]?.host == .address(IPAddress("2001:db8::7")!))
    }
}

@Suite struct DocumentationTests {
    /// The rule names are a public contract: the README lists every one.
    @Test func readmeListsEveryRule() throws {
        let readme = try String(contentsOf: Fixtures.root.deletingLastPathComponent().appendingPathComponent("README.md"), encoding: .utf8)
        let missing = Rule.allCases.filter { !readme.contains("`\($0.name)`") }
        #expect(missing.isEmpty, "README does not list \(missing.map(\.name))")
    }
}

/// The asterisk candidate test: a level word, then a place after `:\d* ` where a rule can start.
@Suite struct AsteriskCandidateTests {
    static let ruleStarts = [
        "Registration from '", "Request ", "\"Rejecting unknown SIP connection from ", "Call from '",
        "No registration for peer '", "hacking attempt detected '", "SecurityEvent=\"FailedACL\"",
        "SecurityEvent=\"InvalidAccountID\"", "SecurityEvent=\"ChallengeResponseFailed\"",
        "SecurityEvent=\"InvalidPassword\"", "SecurityEvent=\"SuccessfulAuth\"",
    ]
    static let hostFailed = [
        "192.0.2.1 failed to authenticate", "Host 192.0.2.1 failed MD5 authentication",
        "[2001:db8::1] tried to authenticate with nonexistent user", "pbx.example.com failed to authenticate as 'a'",
    ]
    /// The ways log_prefix can end before the content.
    static let prefixes = [
        "[2024-01-15 10:00:00] NOTICE[1] chan_sip.c: ", "[2024-01-15 10:00:00] WARNING[1]: chan_sip.c:1234 ",
        "[] SECURITY[1][C-0000001a]: res_pjsip.c: in handler: ", "[Jan 15 10:00:00] NOTICE[2] x.c:: ",
    ]

    static func candidate(_ text: String) -> Bool { Array(text.utf8).withUnsafeBytes { AsteriskFilter().isCandidate($0) } }

    /// Each rule's opening text right after the prefix makes a candidate, anywhere else it does not,
    /// and one byte less of it is not enough.
    @Test(arguments: ruleStarts)
    func ruleOpeningAtTheContentStart(keyword: String) {
        for prefix in Self.prefixes {
            #expect(Self.candidate(prefix + keyword + "x"), "\(prefix)")
            #expect(!Self.candidate(prefix + "y " + keyword + "x"))
            #expect(!Self.candidate(prefix + "y" + keyword + "x"))
            #expect(!Self.candidate(prefix + String(keyword.dropLast())))
            #expect(!Self.candidate(prefix + String(keyword.dropFirst()) + "x"))
        }
        // Before the level word it does not count.
        #expect(!Self.candidate(keyword + " [2024-01-15 10:00:00] NOTICE[1] chan_sip.c: x"))
    }

    /// The host-failed phrase counts at the first space after the host, with or without `Host `.
    @Test(arguments: hostFailed)
    func hostFailedPhraseAfterTheHost(content: String) {
        for prefix in Self.prefixes {
            #expect(Self.candidate(prefix + content), "\(prefix)")
            #expect(!Self.candidate(prefix + "y " + content))
            #expect(!Self.candidate(prefix + content.replacingOccurrences(of: " failed ", with: " failes ")
                .replacingOccurrences(of: " tried to", with: " tried ta")))
        }
    }

    /// Security events no rule takes (Asterisk logs `ChallengeSent` before every challenge) are
    /// not candidates, and fail2ban agrees that they match nothing (the fixtures hold such lines).
    @Test func securityEventsWithoutARuleAreNoCandidates() {
        for name in ["ChallengeSent", "SuccessfulAuthX", "FailedAC", "InvalidPasswords", "RequestBadFormat"] {
            let line = "[2024-01-15 10:00:00] SECURITY[1] res_security_log.c: SecurityEvent=\"\(name)\",EventTV=\"x\""
            #expect(!Self.candidate(line), "\(name)")
        }
    }

    /// The candidate test is a necessary condition: every line the filter matches passes it. On
    /// the fixture lines, their stamp-cut forms, and random mutations anywhere in them (bytes of
    /// prefixes, keywords and hosts), as the content the rules see.
    @Test func everyMatchedLineIsACandidate() throws {
        var filter = AsteriskFilter()
        var generator = SeededGenerator(seed: 17)
        let interesting = Array(" :[]0123456789.'\"RCNShHfx".utf8)
        var matched = 0
        for input in try PrefixShortcutTests.inputs() {
            var variants = [input]
            for _ in 0..<8 where !input.isEmpty {
                variants.append(mutated(input, edits: 1...3, bytes: interesting, &generator))
            }
            for variant in variants {
                variant.withUnsafeBytes { text in
                    guard filter.process(CandidateLine(content: text, raw: text, time: 0, number: 1)) != nil else { return }
                    matched += 1
                    #expect(filter.isCandidate(text), "\(String(decoding: text, as: UTF8.self))")
                }
            }
        }
        #expect(matched > 1_000)
    }

    /// A scan that keeps no events asks for no users: the filter then yields the same matches,
    /// only without the user text.
    @Test func matchesWithoutUsersDifferOnlyInTheUser() throws {
        var filter = AsteriskFilter()
        var withUser = 0
        // Security events whose first RemoteAddress is not where the well-formed pairs end: the
        // host must not depend on whether the pairs are walked for the user.
        let pairs = "[] SECURITY[1] res_security_log.c: SecurityEvent=\"InvalidPassword\",AccountID=\"7\""
        let tricky = [
            pairs + ",Note=\"x,RemoteAddress=\"IPV4/UDP/192.0.2.1/5060\",RemoteAddress=\"IPV4/UDP/192.0.2.2/5060\"",
            pairs + ",Bad pair,RemoteAddress=\"IPV4/UDP/192.0.2.3/5060\",X=\"1\"",
            pairs + ",RemoteAddress=\"IPV4/UDP/192.0.2.4/x\",RemoteAddress=\"IPV4/UDP/192.0.2.5/5060\"",
            pairs + ",RemoteAddress=\"IPV4/UDP/192.0.2.6/5060\",Y=\"a\",RemoteAddress=\"IPV4/UDP/192.0.2.7/5060\"",
            pairs + ",Z=\",RemoteAddress=\",RemoteAddress=\"IPV6/UDP/2001:db8::8/5060\"",
            "[] SECURITY[1] res_security_log.c: SecurityEvent=\"FailedACL\",RemoteAddress=\"IPV4/UDP/192.0.2.9/5060\"",
        ].map { Array($0.utf8) }
        for input in try PrefixShortcutTests.inputs() + tricky {
            input.withUnsafeBytes { text in
                let full = filter.process(CandidateLine(content: text, raw: text, time: 0, number: 1))
                let bare = filter.process(CandidateLine(content: text, raw: text, time: 0, number: 1, wantsUser: false))
                if full?.user != nil { withUser += 1 }
                var expected = full
                expected?.user = nil
                #expect(bare == expected, "\(String(decoding: text, as: UTF8.self))")
            }
        }
        #expect(withUser > 100)
    }
}
