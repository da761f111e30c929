/// fail2ban 1.0.2's stock `asterisk` filter (filter.d/asterisk.conf) on bytes, plus Asterisk's
/// successful logins (`SecurityEvent="SuccessfulAuth"`), which the stock filter ignores.
///
/// fail2ban first matches `prefregex` — common.conf's line prefix, the Asterisk level and source
/// (`log_prefix`) — and hands the rest of the line (the content) to the failregex list, first
/// match wins. This type does the same in two steps: `contentStart` finds where the content
/// begins exactly as the regex engine would, then each rule checks the content by hand, trying
/// the alternatives a regex would try in the order it would try them, so an attacker-chosen
/// user name or URI yields the host fail2ban's regex yields and no other.
public struct AsteriskFilter: LineFilter {
    public init() {}

    public var service: Service { .asterisk }

    /// Every rule needs one of the levels NOTICE, SECURITY or WARNING in the line; all three
    /// have an `I` at a fixed distance from the end of the word, so this looks at each `I`. The
    /// content comes after a level word, so after the first one the line must also hold a place
    /// where a rule's match could start (see `holdsRuleStart`): most NOTICE and WARNING lines
    /// then stop here.
    public func isCandidate(_ line: UnsafeRawBufferPointer) -> Bool {
        var from = 0
        while let found = line.firstIndex(of: UInt8(ascii: "I"), from: from) {
            if AsteriskFilter.isLevelWord(line, letterIAt: found) { return AsteriskFilter.holdsRuleStart(line, after: found) }
            from = found + 1
        }
        return false
    }

    /// Whether the `I` at `index` is that of `NOTICE`, `WARNING` or `SECURITY`.
    @inline(__always)
    static func isLevelWord(_ line: UnsafeRawBufferPointer, letterIAt index: Int) -> Bool {
        line.hasBytes("NOTICE", at: index - 3) || line.hasBytes("WARNING", at: index - 4)
            || line.hasBytes("SECURITY", at: index - 5)
    }

    /// Picks the lines `isCandidate` accepts without visiting the others: the `I` of a level word
    /// is followed by `C` (NOTICE), `N` (WARNING) or `T` (SECURITY), and the line splitter finds
    /// those pairs 32 bytes a step. At the first level word of a line the verdict is the one
    /// `isCandidate` gives.
    public struct CandidateSelector: LineSelector {
        public init() {}
        public var pairFirst: UInt8 { UInt8(ascii: "I") }
        public var pairSeconds: UInt32 { 0x54_4E_43 }  // C N T
        public var pairSecondCount: Int32 { 3 }

        public func verdict(on line: UnsafeRawBufferPointer, pairAt offset: Int) -> LineVerdict {
            guard AsteriskFilter.isLevelWord(line, letterIAt: offset) else { return .keepLooking }
            return AsteriskFilter.holdsRuleStart(line, after: offset) ? .select : .skipLine
        }
    }

    /// Whether a rule could match the content of a line whose first level word has its `I` at
    /// `start`. fail2ban hands its rules the text after `log_prefix`, which ends
    /// `[^:]+:\d*(?:(?: in)? [^:]+:)? `: the content starts after a `:`, maybe digits, and a
    /// space, all after the level word. Every rule either opens the content with its keyword
    /// (`Registration from '`, `Request `, `Call from '`, `SecurityEvent="NAME"`, …) or, for the
    /// host-failed rule, has its phrase at the first space after the host (see
    /// `phraseMayFollowHost`). So only the few places after `:\d* ` are looked at, not every byte.
    static func holdsRuleStart(_ line: UnsafeRawBufferPointer, after start: Int) -> Bool {
        var from = start + 1
        while let colon = line.firstIndex(of: UInt8(ascii: ":"), from: from) {
            from = colon + 1
            let space = line.skipDigits(from: colon + 1)
            if space < line.count && line[space] == UInt8(ascii: " ") && mayStartRule(line, at: space + 1) { return true }
        }
        return false
    }

    /// Whether the content could start a rule's match at `position` (see `matchContent`).
    private static func mayStartRule(_ text: UnsafeRawBufferPointer, at position: Int) -> Bool {
        guard position < text.count else { return false }
        let opensRule: Bool
        switch text[position] {
        case UInt8(ascii: "R"):
            opensRule = text.hasBytes("Registration from '", at: position) || text.hasBytes("Request ", at: position)
        case UInt8(ascii: "C"): opensRule = text.hasBytes("Call from '", at: position)
        case UInt8(ascii: "N"): opensRule = text.hasBytes("No registration for peer '", at: position)
        case UInt8(ascii: "h"): opensRule = text.hasBytes("hacking attempt detected '", at: position)
        case UInt8(ascii: "S"): opensRule = securityEventName(text, position) != nil
        case UInt8(ascii: "\""): opensRule = text.hasBytes("\"Rejecting unknown SIP connection from ", at: position)
        default: opensRule = false
        }
        return opensRule || phraseMayFollowHost(text, hostStart: position)
            || (text.hasBytes("Host ", at: position) && phraseMayFollowHost(text, hostStart: position + 5))
    }

    /// Whether the host-failed rule's phrase (` failed …`, ` tried to …`) can follow a host that
    /// starts at `hostStart`: a host never holds a space, so only at the first space after it.
    private static func phraseMayFollowHost(_ text: UnsafeRawBufferPointer, hostStart: Int) -> Bool {
        guard let space = text.firstIndex(ofNearby: UInt8(ascii: " "), from: hostStart) else { return false }
        return text.hasBytes(" failed ", at: space) || text.hasBytes(" tried to", at: space)
    }

    public mutating func process(_ line: CandidateLine) -> LineMatch? {
        let text = line.content
        guard let start = AsteriskFilter.contentStart(text) else { return nil }
        return AsteriskFilter.matchContent(text, from: start, users: line.wantsUser)
    }

    struct Daemon: DaemonName {
        func forEachEnd(in text: UnsafeRawBufferPointer, at start: Int, _ body: (Int) -> Bool) -> Bool {
            text.hasBytes("asterisk", at: start) && body(start + 8)
        }
    }

    /// Where `<F-CONTENT>` starts: after the line prefix and
    /// `log_prefix = (?:NOTICE|SECURITY|WARNING)(?:\s*\[\d+\]):?(?:\[C-[\da-f]*\])?:? [^:]+:\d*(?:(?: in)? [^:]+:)?`
    /// and one space; nil when `prefregex` does not match. The content is non-empty.
    static func contentStart(_ text: UnsafeRawBufferPointer) -> Int? {
        directContentStart(text) ?? contentStartBySearch(text)
    }

    /// `contentStart` by trying the prefix line's readings in the regex engine's order.
    static func contentStartBySearch(_ text: UnsafeRawBufferPointer) -> Int? {
        var result: Int?
        PrefixLine(daemon: Daemon()).forEachEnd(in: text) { prefixEnd in
            result = afterLevel(text, prefixEnd)
            return result != nil
        }
        return result
    }

    /// `contentStart` for the usual line, `[] LEVEL[pid]… source.c: …`, without trying the
    /// prefix's other readings, and the same answer: the regex engine first tries the level
    /// token as `__hostname`, and everything that may follow a hostname (`kernel:`, `@vserver_`,
    /// `[pid]:`, `:`, `[`/`(`/`asterisk` of the daemon, `[ID `, or a level word for the content)
    /// starts with one of `[ ( : @ k a N S W`. When the next token starts with none of them that
    /// reading fails, and the engine's next one is the level right after the leading spaces.
    /// Returns nil when the shortcut does not apply or finds no content (the full search decides).
    static func directContentStart(_ text: UnsafeRawBufferPointer) -> Int? {
        let level = text.skipSpaces(from: text.hasBytes("[]", at: 0) ? 2 : 0)
        guard level < text.count else { return nil }
        switch text[level] {
        case UInt8(ascii: "N"), UInt8(ascii: "S"), UInt8(ascii: "W"): break
        default: return nil
        }
        // Most lines read `LEVEL[pid] source: …`: the level token ends at the space after `]`,
        // and `afterLevel` would find no colon or channel there and go on with the source.
        if let pidEnd = levelAndPidEnd(text, level), pidEnd < text.count, text[pidEnd] == UInt8(ascii: " ") {
            let next = text.skipSpaces(from: pidEnd)
            if next < text.count && mayFollowHostname(text[next]) { return nil }
            return afterSource(text, pidEnd)
        }
        let next = text.skipSpaces(from: text.skipNonSpaces(from: level))
        if next < text.count && mayFollowHostname(text[next]) { return nil }
        return afterLevel(text, level)
    }

    /// Whether a token starting with `byte` could continue the prefix after a `__hostname` (see
    /// `directContentStart`).
    @inline(__always)
    private static func mayFollowHostname(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "["), UInt8(ascii: "("), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "k"),
            UInt8(ascii: "a"), UInt8(ascii: "N"), UInt8(ascii: "S"), UInt8(ascii: "W"):
            return true
        default:
            return false
        }
    }

    /// The end of `LEVEL[digits]` written without a space at `start`, or nil.
    @inline(__always)
    private static func levelAndPidEnd(_ text: UnsafeRawBufferPointer, _ start: Int) -> Int? {
        let open: Int
        if text.hasBytes("NOTICE[", at: start) {
            open = start + 6
        } else if text.hasBytes("WARNING[", at: start) {
            open = start + 7
        } else if text.hasBytes("SECURITY[", at: start) {
            open = start + 8
        } else {
            return nil
        }
        let digitsEnd = text.skipDigits(from: open + 1)
        guard digitsEnd > open + 1, digitsEnd < text.count, text[digitsEnd] == UInt8(ascii: "]") else { return nil }
        return digitsEnd + 1
    }

    private static func afterLevel(_ text: UnsafeRawBufferPointer, _ start: Int) -> Int? {
        var position: Int
        if text.hasBytes("NOTICE", at: start) {
            position = start + 6
        } else if text.hasBytes("SECURITY", at: start) || text.hasBytes("WARNING", at: start) {
            position = start + (text[start] == UInt8(ascii: "S") ? 8 : 7)
        } else {
            return nil
        }
        // (?:\s*\[\d+\])
        position = text.skipSpaces(from: position)
        guard position < text.count, text[position] == UInt8(ascii: "[") else { return nil }
        let digitsEnd = text.skipDigits(from: position + 1)
        guard digitsEnd > position + 1, digitsEnd < text.count, text[digitsEnd] == UInt8(ascii: "]") else {
            return nil
        }
        position = digitsEnd + 1
        // :?(?:\[C-[\da-f]*\])?:? then ' ' — each optional part tried present first.
        var colonChoices = Alternatives()
        if position < text.count && text[position] == UInt8(ascii: ":") { colonChoices.append(position + 1) }
        colonChoices.append(position)
        for afterColon1 in colonChoices {
            var channelEnds = Alternatives()
            if text.hasBytes("[C-", at: afterColon1) {
                var end = afterColon1 + 3
                while end < text.count && ByteClass.isLowerHexDigit(text[end]) { end += 1 }
                if end < text.count && text[end] == UInt8(ascii: "]") { channelEnds.append(end + 1) }
            }
            channelEnds.append(afterColon1)
            for afterChannel in channelEnds {
                if afterChannel < text.count && text[afterChannel] == UInt8(ascii: ":"),
                    let content = afterSource(text, afterChannel + 1)
                {
                    return content
                }
                if let content = afterSource(text, afterChannel) { return content }
            }
        }
        return nil
    }

    /// ` [^:]+:\d*(?:(?: in)? [^:]+:)?` then ` ` and a non-empty rest.
    private static func afterSource(_ text: UnsafeRawBufferPointer, _ start: Int) -> Int? {
        guard start < text.count, text[start] == UInt8(ascii: " "),
            let colon = text.firstIndex(of: UInt8(ascii: ":"), from: start + 1), colon > start + 1
        else { return nil }
        let digitsEnd = text.skipDigits(from: colon + 1)
        func spaceThenContent(_ position: Int) -> Int? {
            guard position + 1 < text.count, text[position] == UInt8(ascii: " ") else { return nil }
            return position + 1
        }
        // (?: in)? [^:]+:  — with " in" first, then without.
        var groupStarts = Alternatives()
        if text.hasBytes(" in", at: digitsEnd) { groupStarts.append(digitsEnd + 3) }
        groupStarts.append(digitsEnd)
        for groupStart in groupStarts {
            guard groupStart < text.count, text[groupStart] == UInt8(ascii: " "),
                let groupColon = text.firstIndex(of: UInt8(ascii: ":"), from: groupStart + 1),
                groupColon > groupStart + 1
            else { continue }
            if let content = spaceThenContent(groupColon + 1) { return content }
        }
        return spaceThenContent(digitsEnd)
    }

    // MARK: - The failregex list, applied to the content

    /// The first rule that matches the content at `start`. With `users` false the match carries
    /// no user: a scan that keeps no events never reads it, so its text is not built.
    static func matchContent(_ text: UnsafeRawBufferPointer, from start: Int, users: Bool) -> LineMatch? {
        switch text[start] {
        case UInt8(ascii: "R"):
            return registration(text, start, users) ?? request(text, start, users)
        case UInt8(ascii: "C"):
            return call(text, start, users) ?? hostFailed(text, start, users)
        case UInt8(ascii: "N"):
            return noRegistration(text, start, users) ?? hostFailed(text, start, users)
        case UInt8(ascii: "h"):
            return hackingAttempt(text, start) ?? hostFailed(text, start, users)
        case UInt8(ascii: "S"):
            return securityEvent(text, start, users) ?? hostFailed(text, start, users)
        case UInt8(ascii: "\""):
            return rejectingUnknown(text, start)
        default:
            return hostFailed(text, start, users)
        }
    }

    /// `^Registration from '[^']*' failed for '<HOST>(:\d+)?' - (?:Wrong password|…)$`
    private static func registration(_ text: UnsafeRawBufferPointer, _ start: Int, _ users: Bool) -> LineMatch? {
        guard text.hasBytes("Registration from '", at: start),
            let quote = text.firstIndex(of: UInt8(ascii: "'"), from: start + 19),
            text.hasBytes("' failed for '", at: quote)
        else { return nil }
        let capture = HostPattern.firstCapture(in: text, at: quote + 14) { candidate in
            forEachOptionalPortEnd(text, candidate.end) { end in
                text.hasBytes("' - ", at: end) && isRegistrationReason(text, from: end + 4)
            }
        }
        guard let capture else { return nil }
        return LineMatch(
            kind: .failure, rule: .asteriskRegistrationFailed, host: HostPattern.host(for: capture, in: text),
            user: users ? sipUser(text, (start + 19)..<quote) : nil)
    }

    /// `(?:Wrong password|Username/auth name mismatch|…)$` from `start`.
    private static func isRegistrationReason(_ text: UnsafeRawBufferPointer, from start: Int) -> Bool {
        let reasons: [StaticString] = [
            "Wrong password", "Username/auth name mismatch", "No matching peer found", "Not a local domain",
            "Device does not match ACL", "Peer is not supposed to register", "ACL error (permit/deny)",
        ]
        for reason in reasons where start + reason.utf8CodeUnitCount == text.count && text.hasBytes(reason, at: start) {
            return true
        }
        return false
    }

    /// `(:\d+)?` after a host: with the port first (longest digits first), then without; stops
    /// when `body` returns true.
    @discardableResult
    private static func forEachOptionalPortEnd(
        _ text: UnsafeRawBufferPointer, _ position: Int, _ body: (Int) -> Bool
    ) -> Bool {
        if position < text.count && text[position] == UInt8(ascii: ":") {
            var end = text.skipDigits(from: position + 1)
            while end > position + 1 {
                if body(end) { return true }
                end -= 1
            }
        }
        return body(position)
    }

    /// `^Call from '[^']*' \((?:(?:TCP|UDP):)?<HOST>:\d+\) to extension '[^']*' rejected because extension not found in context`
    private static func call(_ text: UnsafeRawBufferPointer, _ start: Int, _ users: Bool) -> LineMatch? {
        guard text.hasBytes("Call from '", at: start),
            let quote = text.firstIndex(of: UInt8(ascii: "'"), from: start + 11),
            text.hasBytes("' (", at: quote)
        else { return nil }
        var hostStarts = Alternatives()
        if text.hasBytes("TCP:", at: quote + 3) || text.hasBytes("UDP:", at: quote + 3) {
            hostStarts.append(quote + 7)
        }
        hostStarts.append(quote + 3)
        for hostStart in hostStarts {
            // The extension's range.
            let hit = HostPattern.firstCapture(in: text, at: hostStart) { candidate -> Range<Int>? in
                // :\d+\) — the digits are forced (a ')' must follow them)
                let end = candidate.end
                guard end < text.count, text[end] == UInt8(ascii: ":") else { return nil }
                let digitsEnd = text.skipDigits(from: end + 1)
                guard digitsEnd > end + 1, text.hasBytes(") to extension '", at: digitsEnd),
                    let extensionQuote = text.firstIndex(of: UInt8(ascii: "'"), from: digitsEnd + 16),
                    text.hasBytes("' rejected because extension not found in context", at: extensionQuote)
                else { return nil }
                return (digitsEnd + 16)..<extensionQuote
            }
            if let hit {
                return LineMatch(
                    kind: .failure, rule: .asteriskCallRejected, host: HostPattern.host(for: hit.capture, in: text),
                    user: users ? text.string(hit.detail) : nil)
            }
        }
        return nil
    }

    /// `^(?:Host )?<HOST> (?:failed (?:to authenticate\b|MD5 authentication\b)|tried to authenticate with nonexistent user\b)`
    private static func hostFailed(_ text: UnsafeRawBufferPointer, _ start: Int, _ users: Bool) -> LineMatch? {
        // Without the phrase where it can stand, skip the (many) host candidates a regex engine
        // would try in vain.
        var hostStarts = Alternatives()
        if text.hasBytes("Host ", at: start) && phraseMayFollowHost(text, hostStart: start + 5) {
            hostStarts.append(start + 5)
        }
        if phraseMayFollowHost(text, hostStart: start) { hostStarts.append(start) }
        for hostStart in hostStarts {
            // Where the phrase ends.
            let hit = HostPattern.firstCapture(in: text, at: hostStart) { candidate -> Int? in
                let end = candidate.end
                var phraseEnd: Int?
                for phrase: StaticString in [
                    " failed to authenticate", " failed MD5 authentication",
                    " tried to authenticate with nonexistent user",
                ] where text.hasBytes(phrase, at: end) {
                    phraseEnd = end + phrase.utf8CodeUnitCount
                    break
                }
                guard let phraseEnd, phraseEnd == text.count || !ByteClass.isWord(text[phraseEnd]) else { return nil }
                return phraseEnd
            }
            if let hit {
                return LineMatch(
                    kind: .failure, rule: .asteriskAuthFailed, host: HostPattern.host(for: hit.capture, in: text),
                    user: users ? quotedAfter(text, hit.detail) : nil)
            }
        }
        return nil
    }

    /// `^No registration for peer '[^']*' \(from <HOST>\)$`
    private static func noRegistration(_ text: UnsafeRawBufferPointer, _ start: Int, _ users: Bool) -> LineMatch? {
        guard text.hasBytes("No registration for peer '", at: start),
            let quote = text.firstIndex(of: UInt8(ascii: "'"), from: start + 26),
            text.hasBytes("' (from ", at: quote)
        else { return nil }
        let capture = HostPattern.firstCapture(in: text, at: quote + 8) { candidate in
            candidate.end + 1 == text.count && text[candidate.end] == UInt8(ascii: ")")
        }
        guard let capture else { return nil }
        return LineMatch(
            kind: .failure, rule: .asteriskNoRegistration, host: HostPattern.host(for: capture, in: text),
            user: users ? text.string((start + 26)..<quote) : nil)
    }

    /// `^hacking attempt detected '<HOST>'$`
    private static func hackingAttempt(_ text: UnsafeRawBufferPointer, _ start: Int) -> LineMatch? {
        guard text.hasBytes("hacking attempt detected '", at: start) else { return nil }
        let capture = HostPattern.firstCapture(in: text, at: start + 26) { candidate in
            candidate.end + 1 == text.count && text[candidate.end] == UInt8(ascii: "'")
        }
        guard let capture else { return nil }
        return LineMatch(
            kind: .failure, rule: .asteriskHackingAttempt, host: HostPattern.host(for: capture, in: text))
    }

    /// `^"Rejecting unknown SIP connection from <HOST>(?::\d+)?"$`
    private static func rejectingUnknown(_ text: UnsafeRawBufferPointer, _ start: Int) -> LineMatch? {
        guard text.hasBytes("\"Rejecting unknown SIP connection from ", at: start) else { return nil }
        let capture = HostPattern.firstCapture(in: text, at: start + 39) { candidate in
            forEachOptionalPortEnd(text, candidate.end) { end in
                end + 1 == text.count && text[end] == UInt8(ascii: "\"")
            }
        }
        guard let capture else { return nil }
        return LineMatch(
            kind: .failure, rule: .asteriskRejectingUnknown, host: HostPattern.host(for: capture, in: text))
    }

    /// `^Request (?:'[^']*' )?from '(?:[^']*|.*?)' failed for '<HOST>(?::\d+)?'\s\(callid: [^\)]*\) - (?:No matching endpoint found|Not match Endpoint(?: Contact)? ACL|(?:Failed|Error) to authenticate)\s*$`
    private static func request(_ text: UnsafeRawBufferPointer, _ start: Int, _ users: Bool) -> LineMatch? {
        guard text.hasBytes("Request ", at: start) else { return nil }
        var fromStarts = Alternatives()
        if start + 8 < text.count, text[start + 8] == UInt8(ascii: "'"),
            let quote = text.firstIndex(of: UInt8(ascii: "'"), from: start + 9), text.hasBytes("' ", at: quote)
        {
            fromStarts.append(quote + 2)
        }
        fromStarts.append(start + 8)
        for fromStart in fromStarts where text.hasBytes("from '", at: fromStart) {
            let uriStart = fromStart + 6
            // (?:[^']*|.*?): first the text up to the first quote, then every
            // "' failed for '" from left to right (the lazy alternative).
            if let firstQuote = text.firstIndex(of: UInt8(ascii: "'"), from: uriStart),
                text.hasBytes("' failed for '", at: firstQuote),
                let match = requestAfterURI(text, uriStart..<firstQuote, users)
            {
                return match
            }
            var searchFrom = uriStart
            while let quote = text.firstRange(of: "' failed for '", from: searchFrom) {
                if let match = requestAfterURI(text, uriStart..<quote, users) { return match }
                searchFrom = quote + 1
            }
        }
        return nil
    }

    private static func requestAfterURI(_ text: UnsafeRawBufferPointer, _ uri: Range<Int>, _ users: Bool) -> LineMatch? {
        let capture = HostPattern.firstCapture(in: text, at: uri.upperBound + 14) { candidate in
            forEachOptionalPortEnd(text, candidate.end) { end in
                guard end + 1 < text.count, text[end] == UInt8(ascii: "'"), ByteClass.isSpace(text[end + 1]),
                    text.hasBytes("(callid: ", at: end + 2),
                    let close = text.firstIndex(of: UInt8(ascii: ")"), from: end + 11),
                    text.hasBytes(" - ", at: close + 1)
                else { return false }
                var reasonEnd = close + 4
                var matchedReason = false
                for reason: StaticString in [
                    "No matching endpoint found", "Not match Endpoint ACL", "Not match Endpoint Contact ACL",
                    "Failed to authenticate", "Error to authenticate",
                ] where text.hasBytes(reason, at: close + 4) {
                    reasonEnd = close + 4 + reason.utf8CodeUnitCount
                    matchedReason = true
                    break
                }
                return matchedReason && text.skipSpaces(from: reasonEnd) == text.count
            }
        }
        guard let capture else { return nil }
        return LineMatch(
            kind: .failure, rule: .asteriskRequestFailed, host: HostPattern.host(for: capture, in: text),
            user: users ? sipUser(text, uri) : nil)
    }

    /// `^SecurityEvent="(?:FailedACL|InvalidAccountID|ChallengeResponseFailed|InvalidPassword)"(?:(?:,(?!RemoteAddress=)\w+="[^"]*")*|.*?),RemoteAddress="IPV[46]/[^/"]+/<HOST>/\d+"(?:,(?!RemoteAddress=)\w+="[^"]*")*$`
    /// and, outside the stock filter, the same shape with `SuccessfulAuth` as a success.
    /// `SecurityEvent="NAME"` at `start`, with one of the names a rule takes: the failures
    /// asterisk.conf lists, or `SuccessfulAuth`. Returns the event's kind and where the text after
    /// the name's closing quote starts.
    static func securityEventName(_ text: UnsafeRawBufferPointer, _ start: Int) -> (EventKind, Int)? {
        guard text.hasBytes("SecurityEvent=\"", at: start) else { return nil }
        let nameStart = start + 15
        guard nameStart < text.count else { return nil }
        // The names differ in their first letter, but for the two `Invalid…` ones.
        let kind: EventKind
        let name: StaticString
        switch text[nameStart] {
        case UInt8(ascii: "F"): (kind, name) = (.failure, "FailedACL")
        case UInt8(ascii: "I"):
            (kind, name) = (.failure, text.hasBytes("InvalidA", at: nameStart) ? "InvalidAccountID" : "InvalidPassword")
        case UInt8(ascii: "C"): (kind, name) = (.failure, "ChallengeResponseFailed")
        case UInt8(ascii: "S"): (kind, name) = (.success, "SuccessfulAuth")
        default: return nil
        }
        let nameEnd = nameStart + name.utf8CodeUnitCount
        guard text.hasBytes(name, at: nameStart), nameEnd < text.count, text[nameEnd] == UInt8(ascii: "\"") else {
            return nil
        }
        return (kind, nameEnd + 1)
    }

    private static func securityEvent(_ text: UnsafeRawBufferPointer, _ start: Int, _ users: Bool) -> LineMatch? {
        guard let (kind, afterName) = securityEventName(text, start) else { return nil }
        // First alternative: a run of non-RemoteAddress pairs, then ,RemoteAddress=. It gives
        // the host the second one gives (below), so it is walked only for its AccountID: a
        // `,RemoteAddress="` before the pairs' end would stand in a value, whose closing quote it
        // would hold, so the pairs could not go on past it.
        if users {
            let leading = pairRun(text, afterName)
            let match = securityRemote(
                text, at: leading.end, kind: kind, pairsFrom: afterName, account: leading.account, users: users)
            if match != nil { return match }
        }
        // Second alternative (.*?): every ,RemoteAddress=" from left to right, found by its `R`.
        var searchFrom = afterName
        while let remote = text.firstRange(of: ",RemoteAddress=\"", from: searchFrom, rareByteAt: 1) {
            if let match = securityRemote(text, at: remote, kind: kind, pairsFrom: afterName, account: nil, users: users) {
                return match
            }
            searchFrom = remote + 1
        }
        return nil
    }

    /// `,RemoteAddress="IPV[46]/[^/"]+/<HOST>/\d+"(?:,(?!RemoteAddress=)\w+="[^"]*")*$` at `remote`.
    /// `pairsFrom` is where the pairs after the event name start; `account`, the value of an
    /// `AccountID` pair already seen among them.
    private static func securityRemote(
        _ text: UnsafeRawBufferPointer, at remote: Int, kind: EventKind, pairsFrom: Int, account: Range<Int>?,
        users: Bool
    ) -> LineMatch? {
        guard text.hasBytes(",RemoteAddress=\"IPV", at: remote) else { return nil }
        let family = remote + 19
        guard family + 1 < text.count, text[family] == UInt8(ascii: "4") || text[family] == UInt8(ascii: "6"),
            text[family + 1] == UInt8(ascii: "/")
        else { return nil }
        var transportEnd = family + 2
        while transportEnd < text.count && text[transportEnd] != UInt8(ascii: "/")
            && text[transportEnd] != UInt8(ascii: "\"")
        {
            transportEnd += 1
        }
        guard transportEnd > family + 2, transportEnd < text.count, text[transportEnd] == UInt8(ascii: "/") else {
            return nil
        }
        // The account of the trailing pairs, if any.
        let hit = HostPattern.firstCapture(in: text, at: transportEnd + 1) { candidate -> Range<Int>?? in
            let end = candidate.end
            guard end < text.count, text[end] == UInt8(ascii: "/") else { return nil }
            let digitsEnd = text.skipDigits(from: end + 1)
            guard digitsEnd > end + 1, digitsEnd < text.count, text[digitsEnd] == UInt8(ascii: "\"") else { return nil }
            let trailing = pairRun(text, digitsEnd + 1)
            guard trailing.end == text.count else { return nil }
            return .some(trailing.account)
        }
        guard let hit else { return nil }
        let accountValue = users ? account ?? hit.detail ?? accountAfter(text, pairsFrom) : nil
        return LineMatch(
            kind: kind, rule: kind == .success ? .asteriskSuccessfulAuth : .asteriskSecurityEvent,
            host: HostPattern.host(for: hit.capture, in: text),
            user: accountValue.flatMap { $0.isEmpty ? nil : text.string($0) })
    }

    /// A run of `,Key="value"` pairs (`(?:,(?!RemoteAddress=)\w+="[^"]*")*`) from `start`: where
    /// it ends, and the value of its first `AccountID` pair (the user of the event), if any.
    private static func pairRun(_ text: UnsafeRawBufferPointer, _ start: Int) -> (end: Int, account: Range<Int>?) {
        var position = start
        var account: Range<Int>?
        while position < text.count && text[position] == UInt8(ascii: ",") {
            let keyEnd = text.skipWordCharacters(from: position + 1)
            // (?!RemoteAddress=), looked for only behind a key of that length.
            if keyEnd - position == 14 && text.hasBytes(",RemoteAddress=", at: position) { break }
            guard keyEnd > position + 1, text.hasBytes("=\"", at: keyEnd) else { break }
            guard let close = text.firstIndex(ofNearby: UInt8(ascii: "\""), from: keyEnd + 2) else { break }
            if account == nil && keyEnd - position == 10 && text.hasBytes(",AccountID", at: position) {
                account = (keyEnd + 2)..<close
            }
            position = close + 1
        }
        return (position, account)
    }

    /// The value after the first `,AccountID="` from `position`, for events whose pairs are not
    /// well formed (the walk over the pairs did not reach one).
    private static func accountAfter(_ text: UnsafeRawBufferPointer, _ position: Int) -> Range<Int>? {
        guard let key = text.firstRange(of: ",AccountID=\"", from: position),
            let close = text.firstIndex(of: UInt8(ascii: "\""), from: key + 12)
        else { return nil }
        return (key + 12)..<close
    }

    /// The text in quotes after `as '` or ` user '` following a phrase, e.g. `… as 'admin'`.
    private static func quotedAfter(_ text: UnsafeRawBufferPointer, _ position: Int) -> String? {
        guard let open = text.firstIndex(of: UInt8(ascii: "'"), from: position),
            let close = text.firstIndex(of: UInt8(ascii: "'"), from: open + 1), close > open + 1
        else { return nil }
        return text.string((open + 1)..<close)
    }

    /// The user part of a SIP URI in `range` (`"100" <sip:100@host>` gives `100`); the whole
    /// text when it holds no `sip:`/`sips:` URI; nil when empty.
    static func sipUser(_ text: UnsafeRawBufferPointer, _ range: Range<Int>) -> String? {
        guard !range.isEmpty else { return nil }
        let field = UnsafeRawBufferPointer(rebasing: text[range])
        if let scheme = field.firstRange(of: "sip:", from: 0) ?? field.firstRange(of: "sips:", from: 0) {
            let userStart = scheme + (field.hasBytes("sips:", at: scheme) ? 5 : 4)
            if let at = field.firstIndex(of: UInt8(ascii: "@"), from: userStart), at > userStart {
                return field.string(userStart..<at)
            }
        }
        return text.string(range)
    }
}
