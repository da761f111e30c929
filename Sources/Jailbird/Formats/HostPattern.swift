/// fail2ban's `<HOST>` tag on bytes.
///
/// In fail2ban 1.0.2 (`server/failregex.py`) `<HOST>` is
/// `\[?(?:(?:::f{4,6}:)?(?P<ip4>IPv4)|(?P<ip6>IPv6))\]?` or else `(?P<dns>[\w\-.^_]*\w)`, and a
/// regular expression engine tries these in order, backtracking into shorter matches when what
/// follows the host does not fit. `HostPattern.forEachCandidate` yields the same alternatives in
/// the same priority order, so a rule that checks its continuation on each candidate and stops at
/// the first that fits picks the host fail2ban picks.
enum HostPattern {
    /// What one alternative captured.
    enum Capture: Equatable {
        case ipv4(Range<Int>)
        case ipv6(Range<Int>)
        case dns(Range<Int>)

        /// fail2ban's three host groups (`ip4`, `ip6`, `dns`), in the order fail2ban prefers
        /// them when a multi-line failure has collected more than one.
        enum Kind: Int {
            case ipv4, ipv6, dns
        }

        init(_ kind: Kind, _ range: Range<Int>) {
            switch kind {
            case .ipv4: self = .ipv4(range)
            case .ipv6: self = .ipv6(range)
            case .dns: self = .dns(range)
            }
        }

        var range: Range<Int> {
            switch self {
            case .ipv4(let range), .ipv6(let range), .dns(let range): return range
            }
        }

        var kind: Kind {
            switch self {
            case .ipv4: return .ipv4
            case .ipv6: return .ipv6
            case .dns: return .dns
            }
        }
    }

    /// One way `<HOST>` can match at a position: the capture and the offset just past the match.
    struct Candidate: Equatable {
        var capture: Capture
        var end: Int
    }

    /// The capture of the first way `<HOST>` can match at `start` (in the regex engine's order)
    /// for which `accepts` holds, with what `accepts` found after it; nil when none. Rules build
    /// their match from it afterwards, so the search itself moves only plain values.
    @inline(__always)
    static func firstCapture<Detail>(
        in text: UnsafeRawBufferPointer, at start: Int, _ accepts: (Candidate) -> Detail?
    ) -> (capture: Capture, detail: Detail)? {
        var found: (capture: Capture, detail: Detail)?
        forEachCandidate(in: text, at: start) { candidate in
            guard let detail = accepts(candidate) else { return false }
            found = (candidate.capture, detail)
            return true
        }
        return found
    }

    /// The capture of the first way `<HOST>` can match at `start` (in the regex engine's order)
    /// for which `accepts` (the rest of the rule after the host) holds; nil when none.
    @inline(__always)
    static func firstCapture(
        in text: UnsafeRawBufferPointer, at start: Int, where accepts: (Candidate) -> Bool
    ) -> Capture? {
        var found: Capture?
        forEachCandidate(in: text, at: start) { candidate in
            guard accepts(candidate) else { return false }
            found = candidate.capture
            return true
        }
        return found
    }

    /// Calls `body` with every way `<HOST>` can match at `start`, in the regex engine's order of
    /// preference, until `body` returns true. Returns whether any call returned true.
    @discardableResult
    static func forEachCandidate(
        in text: UnsafeRawBufferPointer, at start: Int, _ body: (Candidate) -> Bool
    ) -> Bool {
        // \[? is greedy: with a '[' the bracketed reading is tried first, then the bare one fails
        // at '[' anyway, so only one start is possible.
        let hasBracket = start < text.count && text[start] == UInt8(ascii: "[")
        let addressStart = hasBracket ? start + 1 : start
        // The closing \]? is greedy: take a ']' when there, else go on without.
        func closing(_ capture: Capture, _ end: Int) -> Bool {
            if end < text.count && text[end] == UInt8(ascii: "]") {
                if body(Candidate(capture: capture, end: end + 1)) { return true }
            }
            return body(Candidate(capture: capture, end: end))
        }
        // ip4, optionally behind ::ffff:
        var ipv4Start = addressStart
        if text.hasBytes("::", at: addressStart) {
            var position = addressStart + 2
            while position < text.count && position - addressStart - 2 < 6 && text[position] == UInt8(ascii: "f") {
                position += 1
            }
            let fCount = position - addressStart - 2
            if fCount >= 4 && position < text.count && text[position] == UInt8(ascii: ":") {
                ipv4Start = position + 1
            }
        }
        if forEachIPv4End(in: text, at: ipv4Start, { end in closing(.ipv4(ipv4Start..<end), end) }) {
            return true
        }
        if forEachIPv6End(in: text, at: addressStart, units: 0, { end in closing(.ipv6(addressStart..<end), end) }) {
            return true
        }
        // dns: [\w\-.^_]*\w, longest first. (A leading '[' is not in the class.)
        var runEnd = start
        while runEnd < text.count && isDNSCharacter(text[runEnd]) { runEnd += 1 }
        var end = runEnd
        while end > start {
            if ByteClass.isWord(text[end - 1]) {
                if body(Candidate(capture: .dns(start..<end), end: end)) { return true }
            }
            end -= 1
        }
        return false
    }

    @inline(__always)
    private static func isDNSCharacter(_ byte: UInt8) -> Bool {
        ByteClass.isWord(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "^")
    }

    /// `(?:\d{1,3}\.){3}\d{1,3}`: the first three parts are forced; the last one may give back digits.
    private static func forEachIPv4End(
        in text: UnsafeRawBufferPointer, at start: Int, _ body: (Int) -> Bool
    ) -> Bool {
        var position = start
        for _ in 0..<3 {
            let digitsEnd = text.skipDigits(from: position)
            let length = digitsEnd - position
            guard length >= 1 && length <= 3, digitsEnd < text.count, text[digitsEnd] == UInt8(ascii: ".") else {
                return false
            }
            position = digitsEnd + 1
        }
        let available = min(text.skipDigits(from: position) - position, 3)
        var length = available
        while length >= 1 {
            if body(position + length) { return true }
            length -= 1
        }
        return false
    }

    /// `(?:[0-9a-fA-F]{1,4}::?|::){1,7}(?:[0-9a-fA-F]{1,4}|(?<=:):)`, greedy, with backtracking.
    private static func forEachIPv6End(
        in text: UnsafeRawBufferPointer, at position: Int, units: Int, _ body: (Int) -> Bool
    ) -> Bool {
        if units < 7 {
            // Alternative 1: hex{1,4} then ':' then an optional second ':'.
            var hexEnd = position
            while hexEnd < text.count && ByteClass.isHexDigit(text[hexEnd]) { hexEnd += 1 }
            let hexLength = hexEnd - position
            if hexLength >= 1 && hexLength <= 4 && hexEnd < text.count && text[hexEnd] == UInt8(ascii: ":") {
                if hexEnd + 1 < text.count && text[hexEnd + 1] == UInt8(ascii: ":") {
                    if forEachIPv6End(in: text, at: hexEnd + 2, units: units + 1, body) { return true }
                }
                if forEachIPv6End(in: text, at: hexEnd + 1, units: units + 1, body) { return true }
            }
            // Alternative 2: '::'
            if text.hasBytes("::", at: position) {
                if forEachIPv6End(in: text, at: position + 2, units: units + 1, body) { return true }
            }
        }
        guard units >= 1 else { return false }
        // The closing part: hex{1,4} (longest first), or ':' right after a ':'.
        var hexEnd = position
        while hexEnd < text.count && hexEnd - position < 4 && ByteClass.isHexDigit(text[hexEnd]) { hexEnd += 1 }
        var end = hexEnd
        while end > position {
            if body(end) { return true }
            end -= 1
        }
        if position > 0 && text[position - 1] == UInt8(ascii: ":") && position < text.count
            && text[position] == UInt8(ascii: ":")
        {
            if body(position + 1) { return true }
        }
        return false
    }

    /// The event host for a capture: an address when the text is one (fail2ban takes such text
    /// as the address without DNS), else an unresolved host name.
    static func host(for capture: Capture, in text: UnsafeRawBufferPointer) -> EventHost {
        let bytes = UnsafeRawBufferPointer(rebasing: text[capture.range])
        if let address = IPAddress(parsing: bytes) { return .address(address) }
        return .hostname(text.string(capture.range))
    }
}
