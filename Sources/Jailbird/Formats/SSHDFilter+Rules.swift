/// The failregexes of fail2ban 1.0.2's `filter.d/sshd.conf` (`publickey = nofail`), each a
/// hand-written matcher on the content that yields the same groups (`user`, `<HOST>`,
/// `F-NOFAIL`, `F-MLFFORGET`, `F-MLFGAINED`) as Python's `re` would.
///
/// Where the regex has a choice, candidates are tried in the engine's order (greedy longest
/// first, lazy shortest first, alternatives left to right) and the first one for which the
/// rest of the pattern matches is kept, so attacker text such as a user name containing
/// `" from 1.2.3.4"` yields the host fail2ban yields.
enum SSHDRule: UInt8, CaseIterable {
    case authenticationFailure
    case userNotKnown
    case failedPublickeyInvalidUser
    case failed
    case rootLoginRefused
    case invalidUser
    case notListedInAllowUsers
    case listedInDenyUsers
    case notInAnyGroup
    case refusedConnect
    case authFailDisconnect
    case groupInDenyGroups
    case noGroupInAllowGroups
    case pamAuthenticationFailure
    case maximumAttemptsExceeded
    case accountLocked
    case changeOfUsername
    case tooManyAuthenticationFailures
    case disconnectByUser
    case connectionClosed
    case connectionClosedPreauth
    case connectionClosedHelper
    case disconnectedUserPreauth
    case accepted
    case noIdentification
    case kexIdentification
    case badProtocolVersion
    case serverLtype
    case readSocketReset
    case bannerInvalidFormat
    case noAuthenticationMethods
    case unableToNegotiateWith
    case unableToNegotiate
    case noMatchingFound
    case connectionFrom

    /// The rule reported in events.
    var rule: Rule {
        switch self {
        case .authenticationFailure: return .sshdAuthenticationFailure
        case .userNotKnown: return .sshdUserNotKnown
        case .failedPublickeyInvalidUser: return .sshdFailedPublickeyInvalidUser
        case .failed: return .sshdFailed
        case .rootLoginRefused: return .sshdRootLoginRefused
        case .invalidUser: return .sshdInvalidUser
        case .notListedInAllowUsers: return .sshdNotListedInAllowUsers
        case .listedInDenyUsers: return .sshdListedInDenyUsers
        case .notInAnyGroup: return .sshdNotInAnyGroup
        case .refusedConnect: return .sshdRefusedConnect
        case .authFailDisconnect: return .sshdAuthFailDisconnect
        case .groupInDenyGroups: return .sshdGroupInDenyGroups
        case .noGroupInAllowGroups: return .sshdNoGroupInAllowGroups
        case .pamAuthenticationFailure: return .sshdPamAuthenticationFailure
        case .maximumAttemptsExceeded: return .sshdMaximumAttemptsExceeded
        case .accountLocked: return .sshdAccountLocked
        case .changeOfUsername: return .sshdChangeOfUsername
        case .tooManyAuthenticationFailures: return .sshdTooManyAuthenticationFailures
        case .disconnectByUser: return .sshdDisconnectByUser
        case .connectionClosed: return .sshdConnectionClosed
        case .connectionClosedPreauth: return .sshdConnectionClosedPreauth
        case .connectionClosedHelper: return .sshdConnectionClosedHelper
        case .disconnectedUserPreauth: return .sshdDisconnectedUserPreauth
        case .accepted: return .sshdAccepted
        case .noIdentification: return .sshdNoIdentification
        case .kexIdentification: return .sshdKexIdentification
        case .badProtocolVersion: return .sshdBadProtocolVersion
        case .serverLtype: return .sshdServerLtype
        case .readSocketReset: return .sshdReadSocketReset
        case .bannerInvalidFormat: return .sshdBannerInvalidFormat
        case .noAuthenticationMethods: return .sshdNoAuthenticationMethods
        case .unableToNegotiateWith: return .sshdUnableToNegotiateWith
        case .unableToNegotiate: return .sshdUnableToNegotiate
        case .noMatchingFound: return .sshdNoMatchingFound
        case .connectionFrom: return .sshdConnectionFrom
        }
    }

    /// The literal texts a match of the rule starts with (several where the regex opens with a
    /// choice): the content's first bytes tell which rules can match at all.
    var leadingLiterals: [StaticString] {
        switch self {
        case .authenticationFailure: return ["Authentication ", "authentication "]
        case .userNotKnown: return ["User not known to the underlying authentication module for "]
        case .failedPublickeyInvalidUser: return ["Failed publickey for invalid user "]
        case .failed: return ["Failed "]
        case .rootLoginRefused: return ["ROOT LOGIN REFUSED FROM "]
        case .invalidUser: return ["Illegal user ", "illegal user ", "Invalid user ", "invalid user "]
        case .notListedInAllowUsers, .listedInDenyUsers, .notInAnyGroup, .groupInDenyGroups, .noGroupInAllowGroups,
            .accountLocked:
            return ["User "]
        case .refusedConnect: return ["refused connect from "]
        case .authFailDisconnect, .disconnectByUser, .noAuthenticationMethods: return ["Received disconnect from "]
        case .pamAuthenticationFailure: return ["pam_"]
        case .maximumAttemptsExceeded: return ["maximum authentication attempts exceeded for "]
        case .changeOfUsername: return ["Disconnecting"]
        case .tooManyAuthenticationFailures: return ["Disconnecting: Too many authentication failures"]
        case .connectionClosed, .connectionClosedPreauth, .connectionClosedHelper:
            return ["Connection closed", "Connection reset", "Disconnected"]
        case .disconnectedUserPreauth: return ["Disconnected"]
        case .accepted: return ["Accepted "]
        case .noIdentification: return ["Did not receive identification string from "]
        case .kexIdentification: return ["kex_exchange_identification: "]
        case .badProtocolVersion: return ["Bad protocol version identification '"]
        case .serverLtype: return ["SSH: Server;Ltype: "]
        case .readSocketReset: return ["Read from socket failed: Connection reset by peer"]
        case .bannerInvalidFormat: return ["banner exchange: Connection from "]
        case .unableToNegotiateWith: return ["Unable to negotiate with "]
        case .unableToNegotiate: return ["Unable to negotiate a "]
        case .noMatchingFound: return ["no matching "]
        case .connectionFrom: return ["Connection from "]
        }
    }

    /// The failregex list of a mode, in fail2ban's order (`cmnfailre`, `mdre-<mode>`, `cfooterre`).
    static func list(for mode: SSHDFilter.Mode) -> [SSHDRule] {
        let head: [SSHDRule] = [
            .authenticationFailure, .userNotKnown, .failedPublickeyInvalidUser, .failed, .rootLoginRefused,
            .invalidUser, .notListedInAllowUsers, .listedInDenyUsers, .notInAnyGroup, .refusedConnect,
            .authFailDisconnect, .groupInDenyGroups, .noGroupInAllowGroups, .pamAuthenticationFailure,
            .maximumAttemptsExceeded, .accountLocked, .changeOfUsername, .tooManyAuthenticationFailures,
            .disconnectByUser,
        ]
        let ddos: [SSHDRule] = [
            .noIdentification, .kexIdentification, .badProtocolVersion, .serverLtype, .readSocketReset,
            .bannerInvalidFormat,
        ]
        let extra: [SSHDRule] = [.noAuthenticationMethods, .unableToNegotiateWith, .unableToNegotiate, .noMatchingFound]
        switch mode {
        case .normal:
            return head + [.connectionClosed, .accepted, .connectionFrom]
        case .ddos:
            return head + [.connectionClosedPreauth, .connectionClosedHelper, .accepted] + ddos + [.connectionFrom]
        case .extra:
            return head + [.disconnectedUserPreauth, .accepted] + extra + [.connectionFrom]
        case .aggressive:
            return head + [.connectionClosedPreauth, .connectionClosedHelper, .accepted] + ddos + extra
                + [.connectionFrom]
        }
    }
}

/// The groups one failregex match yields.
///
/// Stored as plain, aligned words (offsets as `Int32`, -1 for a group that did not take part: a
/// line is at most `Int32.max` bytes, `LineSplitter`'s limit), so
/// a hit moves in a few loads and stores: with optional ranges its packed layout was copied byte
/// by byte. The flags and the host's kind share one byte for the same reason.
struct SSHDRuleHit: Equatable {
    var rule: SSHDRule
    /// nofail, forget, gained, has address: bits 0-3; the host's kind (0: no host, else 1 +
    /// `HostPattern.Capture.Kind`): bits 4-5.
    private var bits: UInt8 = 0
    private var userBounds: (Int32, Int32) = (-1, -1)
    private var alternateUserBounds: (Int32, Int32) = (-1, -1)
    private var hostBounds: (Int32, Int32) = (-1, -1)
    private var addressBits: (UInt64, UInt64) = (0, 0)

    init(_ rule: SSHDRule) { self.rule = rule }

    @inline(__always) private func bit(_ mask: UInt8) -> Bool { bits & mask != 0 }
    @inline(__always) private mutating func setBit(_ mask: UInt8, _ value: Bool) {
        bits = value ? bits | mask : bits & ~mask
    }

    var nofail: Bool {
        get { bit(1) }
        set { setBit(1, newValue) }
    }
    var forget: Bool {
        get { bit(2) }
        set { setBit(2, newValue) }
    }
    var gained: Bool {
        get { bit(4) }
        set { setBit(4, newValue) }
    }
    private var hasAddress: Bool {
        get { bit(8) }
        set { setBit(8, newValue) }
    }
    private var hostKind: UInt8 {
        get { bits >> 4 }
        set { bits = bits & 0x0F | newValue << 4 }
    }

    /// The `user` group when it took part in the match (possibly empty).
    var user: Range<Int>? {
        get { Self.range(userBounds) }
        set { userBounds = Self.bounds(newValue) }
    }

    /// The `alt_user` group (pam's `ruser=`), merged into `user` when that is empty.
    var alternateUser: Range<Int>? {
        get { Self.range(alternateUserBounds) }
        set { alternateUserBounds = Self.bounds(newValue) }
    }

    var host: HostPattern.Capture? {
        get {
            guard let range = Self.range(hostBounds), let kind = HostPattern.Capture.Kind(rawValue: Int(hostKind) - 1)
            else { return nil }
            return HostPattern.Capture(kind, range)
        }
        set {
            hostBounds = Self.bounds(newValue?.range)
            hostKind = newValue.map { UInt8($0.kind.rawValue + 1) } ?? 0
        }
    }

    /// The host's address when the matcher already read it (an IPv4 capture of `fastMatch`).
    var address: IPAddress? {
        get { hasAddress ? IPAddress(high: addressBits.0, low: addressBits.1) : nil }
        set {
            hasAddress = newValue != nil
            addressBits = newValue.map { ($0.high, $0.low) } ?? (0, 0)
        }
    }

    @inline(__always)
    private static func range(_ bounds: (Int32, Int32)) -> Range<Int>? {
        bounds.0 < 0 ? nil : Int(bounds.0)..<Int(bounds.1)
    }

    @inline(__always)
    private static func bounds(_ range: Range<Int>?) -> (Int32, Int32) {
        guard let range else { return (-1, -1) }
        return (Int32(truncatingIfNeeded: range.lowerBound), Int32(truncatingIfNeeded: range.upperBound))
    }

    static func == (lhs: SSHDRuleHit, rhs: SSHDRuleHit) -> Bool {
        lhs.rule == rhs.rule && lhs.nofail == rhs.nofail && lhs.forget == rhs.forget && lhs.gained == rhs.gained
            && lhs.user == rhs.user && lhs.alternateUser == rhs.alternateUser && lhs.host == rhs.host
            && lhs.address == rhs.address
    }
}

extension SSHDScanner {
    /// Matches `rule` against the content starting at `start`.
    func match(_ rule: SSHDRule, at start: Int) -> SSHDRuleHit? {
        switch rule {
        case .authenticationFailure: return authenticationFailure(start)
        case .userNotKnown:
            guard let after = literal("User not known to the underlying authentication module for ", at: start)
            else { return nil }
            return greedyUserFromHost(after, .userNotKnown) { suffixToEnd($0) }
        case .failedPublickeyInvalidUser:
            guard let after = literal("Failed publickey for invalid user ", at: start) else { return nil }
            return failedUser(after, invalid: true, rule: .failedPublickeyInvalidUser)
        case .failed: return failed(start)
        case .rootLoginRefused:
            guard let after = literal("ROOT LOGIN REFUSED FROM ", at: start) else { return nil }
            var hit = SSHDRuleHit(.rootLoginRefused)
            hit.user = start..<(start + 4)
            hit.host = host(after) { _ in true }
            return hit.host == nil ? nil : hit
        case .invalidUser:
            guard byte(start) == UInt8(ascii: "i") || byte(start) == UInt8(ascii: "I"),
                let after = literal("llegal user ", at: start + 1) ?? literal("nvalid user ", at: start + 1)
            else { return nil }
            return lazyUserFromHost(after, .invalidUser) { suffixToEnd($0) }
        case .notListedInAllowUsers:
            return userFromHostNotAllowed(start, " not allowed because not listed in AllowUsers", rule)
        case .listedInDenyUsers:
            return userFromHostNotAllowed(start, " not allowed because listed in DenyUsers", rule)
        case .notInAnyGroup:
            return userFromHostNotAllowed(start, " not allowed because not in any group", rule)
        case .groupInDenyGroups:
            return userFromHostNotAllowed(start, " not allowed because a group is listed in DenyGroups", rule)
        case .noGroupInAllowGroups:
            return userFromHostNotAllowed(
                start, " not allowed because none of user's groups are listed in AllowGroups", rule)
        case .refusedConnect:
            guard let after = literal("refused connect from ", at: start) else { return nil }
            let tokenEnd = base.skipNonSpaces(from: after)
            guard tokenEnd > after, let open = literal(" (", at: tokenEnd) else { return nil }
            var hit = SSHDRuleHit(.refusedConnect)
            hit.host = host(open) { byte($0.end) == UInt8(ascii: ")") }
            return hit.host == nil ? nil : hit
        case .authFailDisconnect:
            guard let after = literal("Received disconnect from ", at: start) else { return nil }
            var hit = SSHDRuleHit(.authFailDisconnect)
            hit.forget = true
            hit.host = host(after) { capture in
                onPortOptions(capture.end) { authFailTail($0) }
            }
            return hit.host == nil ? nil : hit
        case .pamAuthenticationFailure: return pamAuthenticationFailure(start)
        case .maximumAttemptsExceeded:
            guard let after = literal("maximum authentication attempts exceeded for ", at: start) else { return nil }
            return greedyUserFromHost(after, .maximumAttemptsExceeded) { hostEnd in
                onPortOptions(hostEnd) { sshVersionOptions($0) { suffixToEnd($0) } }
            }
        case .accountLocked:
            guard let after = literal("User ", at: start) else { return nil }
            let tail: StaticString = " not allowed because account is locked"
            var hit = SSHDRuleHit(.accountLocked)
            let tokenEnd = base.skipNonSpaces(from: after)
            if tokenEnd > after && base.hasBytes(tail, at: tokenEnd) {
                hit.user = after..<tokenEnd
                return hit
            }
            guard let end = base.firstRange(of: tail, from: after) else { return nil }
            hit.user = after..<end
            return hit
        case .changeOfUsername: return changeOfUsername(start)
        case .tooManyAuthenticationFailures: return tooManyAuthenticationFailures(start)
        case .disconnectByUser:
            guard let after = literal("Received disconnect from ", at: start) else { return nil }
            var hit = SSHDRuleHit(.disconnectByUser)
            hit.nofail = true
            hit.forget = true
            hit.host = host(after) { capture in
                onPortOptions(capture.end) { position in
                    guard byte(position) == UInt8(ascii: ":") else { return false }
                    return base.hasBytes("11:", at: base.skipSpaces(from: position + 1))
                }
            }
            return hit.host == nil ? nil : hit
        case .connectionClosed:
            return connectionClosed(start, rule: rule) { suffixToEnd($0) }
        case .connectionClosedPreauth:
            return connectionClosed(start, rule: rule) { hostEnd in
                // \s+ cannot give back: "[preauth]" does not start with a space.
                onPortOptions(hostEnd) { position in
                    let afterSpaces = base.skipSpaces(from: position)
                    guard afterSpaces > position, let afterTag = literal("[preauth]", at: afterSpaces) else {
                        return false
                    }
                    return onlySpaceToEnd(afterTag)
                }
            }
        case .connectionClosedHelper:
            return connectionClosed(start, rule: rule) { hostEnd in
                onPortOptions(hostEnd) { $0 == count } || onlySpaceToEnd(hostEnd)
            }
        case .disconnectedUserPreauth: return disconnectedUserPreauth(start)
        case .accepted: return accepted(start)
        case .noIdentification:
            guard let after = literal("Did not receive identification string from ", at: start) else { return nil }
            var hit = SSHDRuleHit(.noIdentification)
            hit.host = host(after) { _ in true }
            return hit.host == nil ? nil : hit
        case .kexIdentification:
            guard var index = literal("kex_exchange_identification: ", at: start) else { return nil }
            if let after = literal("read: ", at: index) { index = after }
            let first = byte(index)
            if first == UInt8(ascii: "C") || first == UInt8(ascii: "c") {
                if base.hasBytes("lient sent invalid protocol identifier", at: index + 1) {
                    return SSHDRuleHit(.kexIdentification)
                }
            }
            // `(?:read: )?` is optional: the alternatives may also start at "read: " itself, which
            // they never do (they begin with [Cc]).
            if first == UInt8(ascii: "C") || first == UInt8(ascii: "c") {
                if base.hasBytes("onnection closed by remote host", at: index + 1)
                    || base.hasBytes("onnection reset by peer", at: index + 1)
                {
                    return SSHDRuleHit(.kexIdentification)
                }
            }
            return nil
        case .badProtocolVersion:
            guard let after = literal("Bad protocol version identification '", at: start) else { return nil }
            // '.*' is greedy: the last "' from " followed by a host
            var quote = count - 1
            while quote >= after {
                if let hostStart = literal("' from ", at: quote) {
                    if let capture = host(hostStart, { _ in true }) {
                        var hit = SSHDRuleHit(.badProtocolVersion)
                        hit.host = capture
                        return hit
                    }
                }
                quote -= 1
            }
            return nil
        case .serverLtype:
            guard let after = literal("SSH: Server;Ltype: ", at: start) else { return nil }
            guard let kindEnd = literal("Authname", at: after) ?? literal("Version", at: after) ?? literal("Kex", at: after),
                let hostStart = literal(";Remote: ", at: kindEnd)
            else { return nil }
            var hit = SSHDRuleHit(.serverLtype)
            hit.nofail = true
            hit.host = host(hostStart) { capture in
                guard byte(capture.end) == UInt8(ascii: "-") else { return false }
                let numberEnd = base.skipDigits(from: capture.end + 1)
                guard numberEnd > capture.end + 1, byte(numberEnd) == UInt8(ascii: ";") else { return false }
                let upper = byte(numberEnd + 1)
                guard upper >= UInt8(ascii: "A") && upper <= UInt8(ascii: "Z") else { return false }
                let wordEnd = base.skipWordCharacters(from: numberEnd + 2)
                return wordEnd > numberEnd + 2 && byte(wordEnd) == UInt8(ascii: ":")
            }
            return hit.host == nil ? nil : hit
        case .readSocketReset:
            guard base.hasBytes("Read from socket failed: Connection reset by peer", at: start) else { return nil }
            var hit = SSHDRuleHit(.readSocketReset)
            hit.forget = true
            return hit
        case .bannerInvalidFormat:
            guard let after = literal("banner exchange: Connection from ", at: start) else { return nil }
            var hit = SSHDRuleHit(.bannerInvalidFormat)
            hit.host = host(after) { capture in
                onPortOptions(capture.end) { base.hasBytes(": invalid format", at: $0) }
            }
            return hit.host == nil ? nil : hit
        case .noAuthenticationMethods:
            guard let after = literal("Received disconnect from ", at: start) else { return nil }
            var hit = SSHDRuleHit(.noAuthenticationMethods)
            hit.forget = true
            hit.host = host(after) { capture in
                onPortOptions(capture.end) { position in
                    guard byte(position) == UInt8(ascii: ":"),
                        let index = literal("14: No", at: base.skipSpaces(from: position + 1))
                    else { return false }
                    if let skipped = literal(" supported", at: index),
                        base.hasBytes(" authentication methods available", at: skipped)
                    {
                        return true
                    }
                    return base.hasBytes(" authentication methods available", at: index)
                }
            }
            return hit.host == nil ? nil : hit
        case .unableToNegotiateWith:
            guard let after = literal("Unable to negotiate with ", at: start) else { return nil }
            var hit = SSHDRuleHit(.unableToNegotiateWith)
            hit.host = host(after) { capture in
                onPortOptions(capture.end) { position in
                    guard let algorithmStart = literal(": no matching ", at: position) else { return false }
                    return algorithmMatch(algorithmStart) { end in
                        base.hasBytes(" found", at: end) && end + 6 < count
                    }
                }
            }
            return hit.host == nil ? nil : hit
        case .unableToNegotiate:
            guard let after = literal("Unable to negotiate a ", at: start), after < count,
                ByteClass.isWord(base[after])
            else { return nil }
            return SSHDRuleHit(.unableToNegotiate)
        case .noMatchingFound:
            guard let after = literal("no matching ", at: start),
                algorithmMatch(after, { base.hasBytes(" found:", at: $0) })
            else { return nil }
            return SSHDRuleHit(.noMatchingFound)
        case .connectionFrom:
            guard let after = literal("Connection from ", at: start) else { return nil }
            var hit = SSHDRuleHit(.connectionFrom)
            hit.nofail = true
            hit.host = host(after) { _ in true }
            return hit.host == nil ? nil : hit
        }
    }

    // MARK: - Shared shapes

    /// `<F-USER>.*</F-USER> from <HOST>` + rest: the greedy user ends at the last workable " from ".
    private func greedyUserFromHost(_ userStart: Int, _ rule: SSHDRule, _ rest: (Int) -> Bool) -> SSHDRuleHit? {
        var end = count - 6
        while end >= userStart {
            if base.hasBytes(" from ", at: end), let capture = host(end + 6, { rest($0.end) }) {
                var hit = SSHDRuleHit(rule)
                hit.user = userStart..<end
                hit.host = capture
                return hit
            }
            end -= 1
        }
        return nil
    }

    /// `<F-USER>.*?</F-USER> from <HOST>` + rest: the lazy user ends at the first workable " from ".
    private func lazyUserFromHost(_ userStart: Int, _ rule: SSHDRule, _ rest: (Int) -> Bool) -> SSHDRuleHit? {
        var from = userStart
        while let end = base.firstRange(of: " from ", from: from, rareByteAt: 1) {
            if let capture = host(end + 6, { rest($0.end) }) {
                var hit = SSHDRuleHit(rule)
                hit.user = userStart..<end
                hit.host = capture
                return hit
            }
            from = end + 1
        }
        return nil
    }

    /// `<F-USER>\S+|.*?</F-USER>` followed by `separator` and `<HOST>` + rest.
    private func tokenOrLazyUserHost(
        _ userStart: Int, separator: StaticString, _ rule: SSHDRule, _ rest: (Int) -> Bool
    ) -> SSHDRuleHit? {
        let tokenEnd = base.skipNonSpaces(from: userStart)
        if tokenEnd > userStart, let hostStart = literal(separator, at: tokenEnd),
            let capture = host(hostStart, { rest($0.end) })
        {
            var hit = SSHDRuleHit(rule)
            hit.user = userStart..<tokenEnd
            hit.host = capture
            return hit
        }
        var end = userStart
        while end < count {
            if let hostStart = literal(separator, at: end), let capture = host(hostStart, { rest($0.end) }) {
                var hit = SSHDRuleHit(rule)
                hit.user = userStart..<end
                hit.host = capture
                return hit
            }
            end += 1
        }
        return nil
    }

    /// `^User <F-USER>\S+|.*?</F-USER> from <HOST> not allowed because …%(__suff)s$`
    private func userFromHostNotAllowed(_ start: Int, _ tail: StaticString, _ rule: SSHDRule) -> SSHDRuleHit? {
        guard let after = literal("User ", at: start) else { return nil }
        return tokenOrLazyUserHost(after, separator: " from ", rule) { hostEnd in
            guard let tailEnd = literal(tail, at: hostEnd) else { return false }
            return suffixToEnd(tailEnd)
        }
    }

    /// `(?: ssh\d*)?` then `next`.
    private func sshVersionOptions(_ position: Int, _ next: (Int) -> Bool) -> Bool {
        if let after = literal(" ssh", at: position) {
            var end = base.skipDigits(from: after)
            while end >= after {
                if next(end) { return true }
                end -= 1
            }
        }
        return next(position)
    }

    /// `:\s*3: .*: Auth fail%(__suff)s$`
    private func authFailTail(_ position: Int) -> Bool {
        guard byte(position) == UInt8(ascii: ":"), let after = literal("3: ", at: base.skipSpaces(from: position + 1))
        else {
            return false
        }
        var from = after
        while let tag = base.firstRange(of: ": Auth fail", from: from, rareByteAt: 0) {
            if suffixToEnd(tag + 11) { return true }
            from = tag + 1
        }
        return false
    }

    /// `__alg_match = (?:(?:\w+ (?!found\b)){0,2}\w+)` then `next`: one more word first
    /// (greedy), then stop here. A word ends only at a non-word byte: what follows it in every
    /// rule is a space or nothing at all.
    private func algorithmMatch(_ position: Int, iterations: Int = 0, _ next: (Int) -> Bool) -> Bool {
        let end = base.skipWordCharacters(from: position)
        guard end > position else { return false }
        if iterations < 2 && byte(end) == UInt8(ascii: " ") && !isFoundWord(end + 1) {
            if algorithmMatch(end + 1, iterations: iterations + 1, next) { return true }
        }
        return next(end)
    }

    /// `found\b` at `position`.
    private func isFoundWord(_ position: Int) -> Bool {
        guard let end = literal("found", at: position) else { return false }
        return end >= count || !ByteClass.isWord(base[end])
    }

    // MARK: - Rules with more structure

    /// `^[aA]uthentication (?:failure|error|failed) for <F-USER>.*</F-USER> from <HOST>( via \S+)?%(__suff)s$`
    private func authenticationFailure(_ start: Int) -> SSHDRuleHit? {
        let first = byte(start)
        guard first == UInt8(ascii: "a") || first == UInt8(ascii: "A"),
            let word = literal("uthentication ", at: start + 1),
            let kind = literal("failure", at: word) ?? literal("error", at: word) ?? literal("failed", at: word),
            let after = literal(" for ", at: kind)
        else { return nil }
        return greedyUserFromHost(after, .authenticationFailure) { hostEnd in
            if let viaEnd = literal(" via ", at: hostEnd) {
                var end = base.skipNonSpaces(from: viaEnd)
                while end > viaEnd {
                    if suffixToEnd(end) { return true }
                    end -= 1
                }
            }
            return suffixToEnd(hostEnd)
        }
    }

    /// `^Failed <cmnfailed> for (?P<cond_inv>invalid user )?<F-USER>(?P<cond_user>\S+)|(?(cond_inv)(?:(?! from ).)*?|[^:]+)</F-USER> from <HOST>%(__on_port_opt)s(?: ssh\d*)?(?(cond_user): |(?:(?:(?! from ).)*)$)`
    /// with `cmnfailed = (?:<F-NOFAIL>publickey</F-NOFAIL>|\S+)`.
    private func failed(_ start: Int) -> SSHDRuleHit? {
        guard let methodStart = literal("Failed ", at: start) else { return nil }
        let methodEnd = base.skipNonSpaces(from: methodStart)
        guard methodEnd > methodStart, let userStart = literal(" for ", at: methodEnd) else { return nil }
        guard var hit = failedUserAlternatives(userStart) else { return nil }
        hit.nofail = methodEnd - methodStart == 9 && base.hasBytes("publickey", at: methodStart)
        return hit
    }

    private func failedUserAlternatives(_ userStart: Int) -> SSHDRuleHit? {
        if let invalidEnd = literal("invalid user ", at: userStart),
            let hit = failedUser(invalidEnd, invalid: true, rule: .failed)
        {
            return hit
        }
        return failedUser(userStart, invalid: false, rule: .failed)
    }

    /// The user alternatives of the `Failed …` rules after `for ` (and `invalid user ` when
    /// `invalid`): `\S+` (then `: ` must follow), else the lazy no-" from " text (invalid) or the
    /// greedy `[^:]+` (valid user).
    private func failedUser(_ userStart: Int, invalid: Bool, rule: SSHDRule) -> SSHDRuleHit? {
        var hit = SSHDRuleHit(rule)
        let tokenEnd = base.skipNonSpaces(from: userStart)
        // The token user needs ": " somewhere after the host; without one (most lines) every
        // host, port and ssh-version combination would be tried for nothing.
        if tokenEnd > userStart, let hostStart = literal(" from ", at: tokenEnd),
            base.firstRange(of: ": ", from: hostStart, rareByteAt: 0) != nil,
            let capture = host(hostStart, { failedRest($0.end, tokenUser: true) })
        {
            hit.user = userStart..<tokenEnd
            hit.host = capture
            return hit
        }
        if invalid {
            guard let end = base.firstRange(of: " from ", from: userStart, rareByteAt: 1),
                let capture = host(end + 6, { failedRest($0.end, tokenUser: false) })
            else { return nil }
            hit.user = userStart..<end
            hit.host = capture
            return hit
        }
        // [^:]+ greedy: the longest user first, so the " from " after it is tried from the right,
        // before the first ':'. It starts with a space: only spaces are looked at.
        let limit = base.firstIndex(of: UInt8(ascii: ":"), from: userStart) ?? count
        var searchEnd = min(limit, count - 6) + 1
        while let end = base.lastIndex(of: UInt8(ascii: " "), before: searchEnd), end > userStart {
            if base.hasBytes(" from ", at: end), let capture = host(end + 6, { failedRest($0.end, tokenUser: false) }) {
                hit.user = userStart..<end
                hit.host = capture
                return hit
            }
            searchEnd = end
        }
        return nil
    }

    private func failedRest(_ hostEnd: Int, tokenUser: Bool) -> Bool {
        onPortOptions(hostEnd) { afterPort in
            sshVersionOptions(afterPort) { position in
                tokenUser ? base.hasBytes(": ", at: position) : noFromToEnd(position)
            }
        }
    }

    /// The pam rule up to its host, `%(__pam_auth)s\(sshd:auth\):\s+authentication failure;`
    /// `(?:\s+(?:(?:logname|e?uid|tty)=\S*)){0,4}\s+ruser=<F-ALT_USER>\S*</F-ALT_USER>\s+rhost=`, which
    /// has one reading: each run (the name's letters, the spaces, a value's non-spaces) is
    /// followed by a text it cannot hold, so a shorter one leaves nothing to match, and a key
    /// item is present whenever one of the keys stands there (the next item needs `ruser=`).
    /// The `ruser` value and where the host starts; nil when the line has no such part.
    func pamFieldsBeforeHost(_ start: Int) -> (alternateUser: Range<Int>, hostStart: Int)? {
        guard let nameStart = literal("pam_", at: start) else { return nil }
        var index = nameStart
        while index < count && base[index] &- UInt8(ascii: "a") < 26 { index &+= 1 }
        guard index > nameStart, let tagEnd = literal("(sshd:auth):", at: index) else { return nil }
        let spacesEnd = base.skipSpaces(from: tagEnd)
        guard spacesEnd > tagEnd, var position = literal("authentication failure;", at: spacesEnd) else { return nil }
        for _ in 0..<4 {
            let keyStart = base.skipSpaces(from: position)
            guard keyStart > position,
                let valueStart = literal("logname=", at: keyStart) ?? literal("uid=", at: keyStart)
                    ?? literal("euid=", at: keyStart) ?? literal("tty=", at: keyStart)
            else { break }
            position = base.skipNonSpaces(from: valueStart)
        }
        let ruserKey = base.skipSpaces(from: position)
        guard ruserKey > position, let ruserStart = literal("ruser=", at: ruserKey) else { return nil }
        let ruserEnd = base.skipNonSpaces(from: ruserStart)
        let rhostKey = base.skipSpaces(from: ruserEnd)
        guard rhostKey > ruserEnd, let hostStart = literal("rhost=", at: rhostKey) else { return nil }
        return (ruserStart..<ruserEnd, hostStart)
    }

    /// `^<F-NOFAIL>%(__pam_auth)s\(sshd:auth\):\s+authentication failure;</F-NOFAIL>(?:\s+(?:(?:logname|e?uid|tty)=\S*)){0,4}\s+ruser=<F-ALT_USER>\S*</F-ALT_USER>\s+rhost=<HOST>(?:\s+user=<F-USER>\S*</F-USER>)?%(__suff)s$`
    private func pamAuthenticationFailure(_ start: Int) -> SSHDRuleHit? {
        guard let (alternateUser, hostStart) = pamFieldsBeforeHost(start) else { return nil }
        var hit = SSHDRuleHit(.pamAuthenticationFailure)
        hit.nofail = true
        hit.alternateUser = alternateUser
        var user: Range<Int>?
        hit.host = host(hostStart) { capture in
            let userKey = base.skipSpaces(from: capture.end)
            if userKey > capture.end, let userStart = literal("user=", at: userKey) {
                let userEnd = base.skipNonSpaces(from: userStart)
                if suffixToEnd(userEnd) {
                    user = userStart..<userEnd
                    return true
                }
            }
            user = nil
            return suffixToEnd(capture.end)
        }
        guard hit.host != nil else { return nil }
        hit.user = user
        return hit
    }

    /// `^<F-MLFFORGET>Disconnecting</F-MLFFORGET>(?: from)?(?: (?:invalid|authenticating)) user <F-USER>\S+</F-USER> <HOST>%(__on_port_opt)s:\s*Change of username or service not allowed:\s*.*\[preauth\]\s*$`
    private func changeOfUsername(_ start: Int) -> SSHDRuleHit? {
        guard var index = literal("Disconnecting", at: start) else { return nil }
        if let after = literal(" from", at: index), invalidOrAuthenticatingUser(after) != nil { index = after }
        guard let userStart = invalidOrAuthenticatingUser(index) else { return nil }
        let userEnd = base.skipNonSpaces(from: userStart)
        guard userEnd > userStart, let hostStart = literal(" ", at: userEnd) else { return nil }
        var hit = SSHDRuleHit(.changeOfUsername)
        hit.forget = true
        hit.user = userStart..<userEnd
        hit.host = host(hostStart) { capture in
            onPortOptions(capture.end) { position in
                guard byte(position) == UInt8(ascii: ":"),
                    let after = literal(
                        "Change of username or service not allowed:", at: base.skipSpaces(from: position + 1))
                else { return false }
                return endsWithPreauth(after)
            }
        }
        return hit.host == nil ? nil : hit
    }

    /// `.*\[preauth\]\s*$` from `position`.
    private func endsWithPreauth(_ position: Int) -> Bool {
        var end = count
        while end > position && ByteClass.isSpace(base[end - 1]) { end -= 1 }
        return end - position >= 9 && base.hasBytes("[preauth]", at: end - 9)
    }

    /// ` invalid user ` or ` authenticating user ` at `position`: the user's start.
    private func invalidOrAuthenticatingUser(_ position: Int) -> Int? {
        guard let word = literal(" invalid", at: position) ?? literal(" authenticating", at: position) else {
            return nil
        }
        return literal(" user ", at: word)
    }

    /// `^Disconnecting: Too many authentication failures(?: for <F-USER>\S+|.*?</F-USER>)?%(__suff)s$`
    private func tooManyAuthenticationFailures(_ start: Int) -> SSHDRuleHit? {
        guard let after = literal("Disconnecting: Too many authentication failures", at: start) else { return nil }
        var hit = SSHDRuleHit(.tooManyAuthenticationFailures)
        if let userStart = literal(" for ", at: after) {
            let tokenEnd = base.skipNonSpaces(from: userStart)
            if tokenEnd > userStart && suffixToEnd(tokenEnd) {
                hit.user = userStart..<tokenEnd
                return hit
            }
            var end = userStart
            while end <= count {
                if suffixToEnd(end) {
                    hit.user = userStart..<end
                    return hit
                }
                end += 1
            }
        }
        return suffixToEnd(after) ? hit : nil
    }

    /// `^(Connection (?:closed|reset)|Disconnected) (?:by|from)%(__authng_user)s <HOST>` + rest, with
    /// `__authng_user = (?: (?:invalid|authenticating) user <F-USER>\S+|.*?</F-USER>)?`.
    private func connectionClosed(_ start: Int, rule: SSHDRule, _ rest: (Int) -> Bool) -> SSHDRuleHit? {
        var index: Int
        if let after = literal("Connection ", at: start) {
            guard let word = literal("closed", at: after) ?? literal("reset", at: after) else { return nil }
            index = word
        } else if let after = literal("Disconnected", at: start) {
            index = after
        } else {
            return nil
        }
        guard let preposition = literal(" by", at: index) ?? literal(" from", at: index) else { return nil }
        if let userStart = invalidOrAuthenticatingUser(preposition),
            var hit = tokenOrLazyUserHost(userStart, separator: " ", rule, rest)
        {
            hit.nofail = rule != .connectionClosedPreauth
            hit.forget = true
            return hit
        }
        guard let hostStart = literal(" ", at: preposition) else { return nil }
        var hit = SSHDRuleHit(rule)
        hit.nofail = rule != .connectionClosedPreauth
        hit.forget = true
        hit.host = host(hostStart) { rest($0.end) }
        return hit.host == nil ? nil : hit
    }

    /// `^<F-MLFFORGET>Disconnected</F-MLFFORGET>(?: from)?(?: (?:invalid|authenticating)) user <F-USER>\S+|.*?</F-USER> <HOST>%(__on_port_opt)s \[preauth\]\s*$`
    private func disconnectedUserPreauth(_ start: Int) -> SSHDRuleHit? {
        guard let after = literal("Disconnected", at: start) else { return nil }
        func rest(_ hostEnd: Int) -> Bool {
            onPortOptions(hostEnd) { position in
                guard let tagEnd = literal(" [preauth]", at: position) else { return false }
                return onlySpaceToEnd(tagEnd)
            }
        }
        func user(from userStart: Int?) -> SSHDRuleHit? {
            guard let userStart,
                var hit = tokenOrLazyUserHost(userStart, separator: " ", .disconnectedUserPreauth, rest)
            else { return nil }
            hit.forget = true
            return hit
        }
        // (?: from)? is tried present first.
        if let withFrom = literal(" from", at: after), let hit = user(from: invalidOrAuthenticatingUser(withFrom)) {
            return hit
        }
        return user(from: invalidOrAuthenticatingUser(after))
    }

    /// `^<F-MLFFORGET><F-MLFGAINED>Accepted \w+</F-MLFGAINED></F-MLFFORGET> for <F-USER>\S+</F-USER> from <HOST>(?:\s|$)`
    private func accepted(_ start: Int) -> SSHDRuleHit? {
        guard let methodStart = literal("Accepted ", at: start) else { return nil }
        let methodEnd = base.skipWordCharacters(from: methodStart)
        guard methodEnd > methodStart, let userStart = literal(" for ", at: methodEnd) else { return nil }
        let userEnd = base.skipNonSpaces(from: userStart)
        guard userEnd > userStart, let hostStart = literal(" from ", at: userEnd) else { return nil }
        var hit = SSHDRuleHit(.accepted)
        hit.forget = true
        hit.gained = true
        hit.user = userStart..<userEnd
        hit.host = host(hostStart) { $0.end == count || ByteClass.isSpace(base[$0.end]) }
        return hit.host == nil ? nil : hit
    }
}

/// The first sixteen bytes of a rule's leading literals, as two words and the masks of the
/// bytes every literal has alike: a content whose bytes differ there cannot match the rule, which
/// is then not tried at all.
struct LeadingText {
    private var words: (UInt64, UInt64) = (0, 0)
    private var masks: (UInt64, UInt64) = (0, 0)

    init(_ literals: [StaticString]) {
        var bytes = [UInt8](repeating: 0, count: 16)
        var alike = [Bool](repeating: false, count: 16)
        let shortest = literals.map(\.utf8CodeUnitCount).min() ?? 0
        for index in 0..<min(16, shortest) {
            let byte = literals[0].utf8Start[index]
            bytes[index] = byte
            alike[index] = literals.allSatisfy { $0.utf8Start[index] == byte }
        }
        func word(_ part: Int, _ value: (Int) -> UInt64) -> UInt64 {
            (0..<8).reduce(0) { $0 | value(part * 8 + $1) << (8 * UInt64($1)) }
        }
        words = (word(0) { UInt64(bytes[$0]) }, word(1) { UInt64(bytes[$0]) })
        masks = (word(0) { alike[$0] ? 0xFF : 0 }, word(1) { alike[$0] ? 0xFF : 0 })
    }

    /// False when the sixteen bytes at `start` show that no literal starts there; true otherwise
    /// (also when fewer than sixteen bytes are left).
    @inline(__always)
    func mayStart(_ text: UnsafeRawBufferPointer, at start: Int) -> Bool {
        guard start + 16 <= text.count else { return true }
        let first = text.loadUnaligned(fromByteOffset: start, as: UInt64.self)
        let second = text.loadUnaligned(fromByteOffset: start + 8, as: UInt64.self)
        return (first ^ words.0) & masks.0 | (second ^ words.1) & masks.1 == 0
    }
}
