/// The first try of the regex engine, for the sshd rules that match most lines.
///
/// A regular expression engine tries the choices of a pattern in a fixed order (greedy longest
/// first, lazy shortest first, optional parts present first, alternatives left to right) and
/// keeps the first complete match. So when the first choices lead to a complete match, that is
/// the match, whatever the later choices would have given. The readers here follow those first
/// choices in straight-line code and answer `.hit` only then; they answer `.miss` only where a
/// text every match must hold is absent; in every other case they answer `.unsure` and the rule's
/// full matcher (`SSHDScanner.match`) decides. Choices they skip are skipped because a text the
/// skipped branch needs is absent, as each says.
///
/// `<HOST>` is read here only as a plain address (`plainAddress`: a dotted quad, or hex groups
/// and colons that a space or the line's end follows), its first reading; any other host text is
/// left to the full matcher.
enum FastRuleAnswer {
    case hit(SSHDRuleHit)
    case miss
    case unsure
}

extension SSHDScanner {
    /// The first try of `rule` at `start` (see `FastRuleAnswer`).
    func fastMatch(_ rule: SSHDRule, at start: Int) -> FastRuleAnswer {
        switch rule {
        case .pamAuthenticationFailure: return fastPamAuthenticationFailure(start)
        case .failed: return fastFailed(start)
        case .failedPublickeyInvalidUser:
            return base.hasBytes("Failed publickey for invalid user ", at: start) ? .unsure : .miss
        case .invalidUser: return fastInvalidUser(start)
        case .authFailDisconnect:
            // `:\s*3: .*: Auth fail`: without ": Auth fail" no reading matches.
            guard base.hasBytes("Received disconnect from ", at: start),
                base.firstRange(of: ": Auth fail", from: start + 25, rareByteAt: 2) != nil
            else { return .miss }
            return .unsure
        case .disconnectByUser: return fastDisconnectByUser(start)
        case .rootLoginRefused: return base.hasBytes("ROOT LOGIN REFUSED FROM ", at: start) ? .unsure : .miss
        case .changeOfUsername:
            // Every reading holds the literal "Change of username or service not allowed:".
            guard base.hasBytes("Disconnecting", at: start),
                base.firstRange(of: "Change of username or service not allowed:", from: start + 13, rareByteAt: 0) != nil
            else { return .miss }
            return .unsure
        case .tooManyAuthenticationFailures:
            return base.hasBytes("Disconnecting: Too many authentication failures", at: start) ? .unsure : .miss
        case .connectionClosed: return fastConnectionClosed(start, rule: rule) { suffixToEnd($0) }
        case .accepted: return fastAccepted(start)
        case .connectionFrom:
            guard let after = literal("Connection from ", at: start) else { return .miss }
            guard let host = plainAddress(at: after) else { return .unsure }
            var hit = SSHDRuleHit(.connectionFrom)
            hit.nofail = true
            hit.setHost(host, start: after)
            return .hit(hit)
        case .maximumAttemptsExceeded: return fastMaximumAttemptsExceeded(start)
        default: return .unsure
        }
    }

    // MARK: - <HOST> and the parts after it

    /// `<HOST>`'s first reading at `start` when the text there is a plain dotted quad: `\[?` finds
    /// no `[`, the ip4 group (after no `::ffff:`) takes three parts of one to three digits and a
    /// last one of at most three, greedy (so a fourth digit right after it leaves it to the full
    /// matcher), and `\]?` finds no `]`. Each part is at most 255, so the text is the address.
    @inline(__always)
    func plainIPv4(at start: Int) -> (end: Int, address: IPAddress)? {
        guard start >= 0, start < count, let base = base.baseAddress else { return nil }
        guard count - start >= 16 else { return plainIPv4NearTheEnd(at: start) }
        guard let quad = Self.dottedQuad((base + start).assumingMemoryBound(to: UInt8.self)) else { return nil }
        return (start + quad.length, IPAddress(ipv4: quad.value))
    }

    /// `plainIPv4` where fewer than sixteen bytes are left: the reading runs on a copy of them
    /// padded with zero bytes, which end a part as the end of the line does. Out of line: the
    /// rare case.
    @inline(never)
    private func plainIPv4NearTheEnd(at start: Int) -> (end: Int, address: IPAddress)? {
        var padded: (UInt64, UInt64) = (0, 0)
        let quad = withUnsafeMutableBytes(of: &padded) { copy in
            copy.baseAddress!.copyMemory(from: base.baseAddress! + start, byteCount: count - start)
            return Self.dottedQuad(copy.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        guard let quad else { return nil }
        return (start + quad.length, IPAddress(ipv4: quad.value))
    }

    /// The reading of `plainIPv4` in the sixteen bytes at `text` (the longest reading is fifteen,
    /// and the byte after it is looked at), each part's digits one by one without a loop: its
    /// length and the address as a number.
    @inline(__always)
    private static func dottedQuad(_ text: UnsafePointer<UInt8>) -> (length: Int, value: UInt32)? {
        @inline(__always) func digit(_ index: Int) -> UInt32? {
            let value = text[index] &- UInt8(ascii: "0")
            return value < 10 ? UInt32(value) : nil
        }
        var index = 0
        var value: UInt32 = 0
        for part in 0..<4 {
            guard var octet = digit(index) else { return nil }
            index &+= 1
            if let second = digit(index) {
                octet = octet &* 10 &+ second
                index &+= 1
                if let third = digit(index) {
                    octet = octet &* 10 &+ third
                    index &+= 1
                    // A fourth digit: no reading of the ip4 group takes it.
                    guard digit(index) == nil, octet <= 255 else { return nil }
                }
            }
            value = value << 8 | octet
            if part < 3 {
                guard text[index] == UInt8(ascii: ".") else { return nil }
                index &+= 1
            }
        }
        guard text[index] != UInt8(ascii: "]") else { return nil }
        return (index, value)
    }

    /// `<HOST>`'s first reading at `start` when it is a plain address: a dotted quad
    /// (`plainIPv4`), else the ip6 group's (`plainIPv6`).
    @inline(__always)
    func plainAddress(at start: Int) -> PlainAddress? {
        if let host = plainIPv4(at: start) { return PlainAddress(end: host.end, address: host.address, kind: .ipv4) }
        guard let host = plainIPv6(at: start) else { return nil }
        return PlainAddress(end: host.end, address: host.address, kind: .ipv6)
    }

    /// `<HOST>`'s first reading at `start` as the ip6 group, for a text of hex digits and colons
    /// that a space or the end follows. The branches tried before it find nothing: `\[?` no
    /// `[`, the ip4 group no dot. `(?:[0-9a-fA-F]{1,4}::?|::){1,7}` takes up to seven hex groups
    /// with their one or two colons (or a bare `::`), greedy, and `(?:[0-9a-fA-F]{1,4}|(?<=:):)`
    /// then a last group, else a colon. When that reading does not end the text (more groups, a
    /// dot, a bracket), when the last part finds nothing (the engine would give back a colon), or
    /// when the text is no address the parser accepts, the full matcher decides.
    @inline(never)
    func plainIPv6(at start: Int) -> (end: Int, address: IPAddress)? {
        @inline(__always) func hexEnd(from position: Int) -> Int {
            var end = position
            while end < count, end - position < 4, ByteClass.isHexDigit(base[end]) { end &+= 1 }
            return end
        }
        let colon = UInt8(ascii: ":")
        var index = start
        var groups = 0
        while groups < 7 {
            let end = hexEnd(from: index)
            if end > index {
                guard byte(end) == colon else { break }
                index = byte(end + 1) == colon ? end + 2 : end + 1
            } else {
                guard byte(index) == colon, byte(index + 1) == colon else { break }
                index += 2
            }
            groups += 1
        }
        guard groups > 0 else { return nil }
        let last = hexEnd(from: index)
        if last > index {
            index = last
        } else if byte(index) == colon {  // every group ends with a colon: the look-behind holds
            index += 1
        } else {
            return nil
        }
        guard index == count || base[index] == UInt8(ascii: " "),
            let address = IPAddress.parseIPv6(UnsafeRawBufferPointer(rebasing: base[start..<index]))
        else { return nil }
        return (index, address)
    }

    /// The end of `(?: (?:port \d+|on \S+)){0,2}` (`__on_port_opt`) on its first try: each item
    /// present when it can be, with all its digits or non-spaces.
    @inline(__always)
    func portOptionsEnd(_ position: Int) -> Int {
        var index = position
        for _ in 0..<2 {
            if let after = literal(" port ", at: index) {
                let end = base.skipDigits(from: after)
                guard end > after else { break }
                index = end
            } else if let after = literal(" on ", at: index) {
                let end = base.skipNonSpaces(from: after)
                guard end > after else { break }
                index = end
            } else {
                break
            }
        }
        return index
    }

    /// The end of `(?: ssh\d*)?` on its first try.
    @inline(__always)
    func sshVersionEnd(_ position: Int) -> Int {
        guard let after = literal(" ssh", at: position) else { return position }
        return base.skipDigits(from: after)
    }

    // MARK: - Rules

    /// `^pam_[a-z]+\(sshd:auth\):\s+authentication failure;(?:\s+(?:(?:logname|e?uid|tty)=\S*)){0,4}\s+ruser=\S*\s+rhost=<HOST>(?:\s+user=\S*)?%(__suff)s$`
    /// (groups omitted). Up to the host there is one reading only (each run is followed by a
    /// text it cannot hold), as the full matcher's comments explain; after it, the user part is
    /// tried present, then absent.
    private func fastPamAuthenticationFailure(_ start: Int) -> FastRuleAnswer {
        // The text pam_unix writes for sshd up to the host, whole: one comparison reads it all.
        let usual: StaticString =
            "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost="
        if base.hasBytes(usual, at: start) {
            let hostStart = start + usual.utf8CodeUnitCount
            return pamHost(at: hostStart, alternateUser: (hostStart - 7)..<(hostStart - 7))
        }
        // The full matcher reads the part before the host in the same way: where it finds none,
        // it matches nothing.
        guard let fields = pamFieldsBeforeHost(start) else { return .miss }
        return pamHost(at: fields.hostStart, alternateUser: fields.alternateUser)
    }

    /// The pam rule from its host on: `<HOST>(?:\s+user=\S*)?%(__suff)s$`, the user part present
    /// first.
    @inline(__always)
    private func pamHost(at hostStart: Int, alternateUser: Range<Int>) -> FastRuleAnswer {
        guard let host = plainAddress(at: hostStart) else { return .unsure }
        var hit = SSHDRuleHit(.pamAuthenticationFailure)
        hit.nofail = true
        hit.alternateUser = alternateUser
        hit.setHost(host, start: hostStart)
        let userKey = base.skipSpaces(from: host.end)
        if userKey > host.end, let userStart = literal("user=", at: userKey) {
            let userEnd = base.skipNonSpaces(from: userStart)
            if suffixToEnd(userEnd) {
                hit.user = userStart..<userEnd
                return .hit(hit)
            }
        }
        return suffixToEnd(host.end) ? .hit(hit) : .unsure
    }

    /// `^Failed <cmnfailed> for (?P<cond_inv>invalid user )?<F-USER>(?P<cond_user>\S+)|(?(cond_inv)(?:(?! from ).)*?|[^:]+)</F-USER> from <HOST>%(__on_port_opt)s(?: ssh\d*)?(?(cond_user): |(?:(?:(?! from ).)*)$)`.
    /// The method token is fixed (see `failed`); `invalid user ` is tried present first. The
    /// token user (`cond_user`) needs `: ` somewhere after its ` from `: without one that branch
    /// has no match. Then an invalid user's lazy text ends at the first ` from `, and a valid
    /// user's greedy `[^:]+` at the last ` from ` before the first `:`. The first ` from ` is
    /// taken; the end (`(?:(?! from ).)*$`) holds only where no ` from ` follows, so then it was
    /// the only one.
    private func fastFailed(_ start: Int) -> FastRuleAnswer {
        guard let methodStart = literal("Failed ", at: start) else { return .miss }
        // The usual method in one comparison; any other is read to its first space.
        let methodEnd = base.hasBytes("password ", at: methodStart) ? methodStart + 8 : base.skipNonSpaces(from: methodStart)
        guard methodEnd > methodStart, var userStart = literal(" for ", at: methodEnd) else { return .miss }
        let invalid: Bool
        if let after = literal("invalid user ", at: userStart) {
            userStart = after
            invalid = true
        } else {
            invalid = false
        }
        // The user's token, to the first space, and whether it holds a ':'.
        var tokenEnd = userStart
        var colonInToken = false
        while tokenEnd < count, !ByteClass.isSpace(base[tokenEnd]) {
            colonInToken = colonInToken || base[tokenEnd] == UInt8(ascii: ":")
            tokenEnd &+= 1
        }
        // The first " from ": it starts with a space, so not before the token's end.
        let userEnd: Int
        if base.hasBytes(" from ", at: tokenEnd) {
            userEnd = tokenEnd
        } else {
            guard let found = base.firstRange(of: " from ", from: tokenEnd, rareByteAt: 1) else { return .unsure }
            userEnd = found
        }
        // The token branch: a token right before " from " and ": " after it could match.
        if tokenEnd == userEnd, base.firstRange(of: ": ", from: userEnd + 6, rareByteAt: 0) != nil { return .unsure }
        // [^:]+ stops at the first ':'. (The greedy user wants the last " from " before it: the
        // check of the end below finds no other.)
        if !invalid {
            if userEnd == tokenEnd {
                if colonInToken { return .unsure }
            } else if let colon = base.firstIndex(of: UInt8(ascii: ":"), from: userStart), colon < userEnd {
                return .unsure
            }
        }
        guard userEnd > userStart || invalid, let host = plainAddress(at: userEnd + 6) else { return .unsure }
        let restStart = sshVersionEnd(portOptionsEnd(host.end))
        guard noFromToEnd(restStart) else { return .unsure }
        var hit = SSHDRuleHit(.failed)
        hit.nofail = methodEnd - methodStart == 9 && base.hasBytes("publickey", at: methodStart)
        hit.user = userStart..<userEnd
        hit.setHost(host, start: userEnd + 6)
        return .hit(hit)
    }

    /// `^[iI](?:llegal|nvalid) user <F-USER>.*?</F-USER> from <HOST>%(__suff)s$`: the lazy user
    /// ends at the first ` from `.
    private func fastInvalidUser(_ start: Int) -> FastRuleAnswer {
        let first = byte(start)
        guard first == UInt8(ascii: "i") || first == UInt8(ascii: "I"),
            let userStart = literal("llegal user ", at: start + 1) ?? literal("nvalid user ", at: start + 1)
        else { return .miss }
        guard let userEnd = base.firstRange(of: " from ", from: userStart, rareByteAt: 1) else { return .miss }
        guard let host = plainAddress(at: userEnd + 6), suffixToEnd(host.end) else { return .unsure }
        var hit = SSHDRuleHit(.invalidUser)
        hit.user = userStart..<userEnd
        hit.setHost(host, start: userEnd + 6)
        return .hit(hit)
    }

    /// `^<F-NOFAIL>Received <F-MLFFORGET>disconnect</F-MLFFORGET></F-NOFAIL> from <HOST>%(__on_port_opt)s:\s*11:`
    private func fastDisconnectByUser(_ start: Int) -> FastRuleAnswer {
        guard let after = literal("Received disconnect from ", at: start),
            base.firstRange(of: "11:", from: after, rareByteAt: 2) != nil
        else { return .miss }
        guard let host = plainAddress(at: after) else { return .unsure }
        let colon = portOptionsEnd(host.end)
        guard byte(colon) == UInt8(ascii: ":"), base.hasBytes("11:", at: base.skipSpaces(from: colon + 1)) else {
            return .unsure
        }
        var hit = SSHDRuleHit(.disconnectByUser)
        hit.nofail = true
        hit.forget = true
        hit.setHost(host, start: after)
        return .hit(hit)
    }

    /// `^(Connection (?:closed|reset)|Disconnected) (?:by|from)%(__authng_user)s <HOST>` + `rest`,
    /// `__authng_user = (?: (?:invalid|authenticating) user <F-USER>\S+|.*?</F-USER>)?`: the
    /// user part present (with the token user) when its words are there, else absent.
    @inline(__always)
    private func fastConnectionClosed(_ start: Int, rule: SSHDRule, _ rest: (Int) -> Bool) -> FastRuleAnswer {
        var index: Int
        if let after = literal("Connection ", at: start) {
            guard let word = literal("closed", at: after) ?? literal("reset", at: after) else { return .miss }
            index = word
        } else if let after = literal("Disconnected", at: start) {
            index = after
        } else {
            return .miss
        }
        guard let preposition = literal(" by", at: index) ?? literal(" from", at: index) else { return .miss }
        var hit = SSHDRuleHit(rule)
        hit.nofail = rule != .connectionClosedPreauth
        hit.forget = true
        var hostStart = preposition + 1
        if let word = literal(" invalid", at: preposition) ?? literal(" authenticating", at: preposition),
            let userStart = literal(" user ", at: word)
        {
            let userEnd = base.skipNonSpaces(from: userStart)
            guard userEnd > userStart, byte(userEnd) == 0x20 else { return .unsure }
            hit.user = userStart..<userEnd
            hostStart = userEnd + 1
        } else {
            guard byte(preposition) == 0x20 else { return .miss }
        }
        guard let host = plainAddress(at: hostStart), rest(host.end) else { return .unsure }
        hit.setHost(host, start: hostStart)
        return .hit(hit)
    }

    /// `^Accepted \w+ for <F-USER>\S+</F-USER> from <HOST>(?:\s|$)`
    private func fastAccepted(_ start: Int) -> FastRuleAnswer {
        guard let methodStart = literal("Accepted ", at: start) else { return .miss }
        let methodEnd = base.skipWordCharacters(from: methodStart)
        guard methodEnd > methodStart, let userStart = literal(" for ", at: methodEnd) else { return .miss }
        let userEnd = base.skipNonSpaces(from: userStart)
        guard userEnd > userStart, let hostStart = literal(" from ", at: userEnd) else { return .miss }
        guard let host = plainAddress(at: hostStart), host.end == count || ByteClass.isSpace(base[host.end]) else {
            return .unsure
        }
        var hit = SSHDRuleHit(.accepted)
        hit.forget = true
        hit.gained = true
        hit.user = userStart..<userEnd
        hit.setHost(host, start: hostStart)
        return .hit(hit)
    }

    /// `^maximum authentication attempts exceeded for <F-USER>.*</F-USER> from <HOST>%(__on_port_opt)s(?: ssh\d*)?%(__suff)s$`:
    /// the greedy user ends at the last ` from ` where the rest matches. The first is taken: the
    /// rest, which holds no ` from `, matches only when no other follows.
    private func fastMaximumAttemptsExceeded(_ start: Int) -> FastRuleAnswer {
        guard let userStart = literal("maximum authentication attempts exceeded for ", at: start) else {
            return .miss
        }
        guard let userEnd = base.firstRange(of: " from ", from: userStart, rareByteAt: 1) else { return .miss }
        guard let host = plainAddress(at: userEnd + 6), suffixToEnd(sshVersionEnd(portOptionsEnd(host.end))) else {
            return .unsure
        }
        var hit = SSHDRuleHit(.maximumAttemptsExceeded)
        hit.user = userStart..<userEnd
        hit.setHost(host, start: userEnd + 6)
        return .hit(hit)
    }
}

/// A plain address `<HOST>` read on its first try, up to `end`, as the group `kind`.
struct PlainAddress {
    var end: Int
    var address: IPAddress
    var kind: HostPattern.Capture.Kind
}

extension SSHDRuleHit {
    /// The host of a plain address reading that starts at `start`, with its address already read.
    @inline(__always)
    mutating func setHost(_ host: PlainAddress, start: Int) {
        self.host = HostPattern.Capture(host.kind, start..<host.end)
        address = host.address
    }
}
