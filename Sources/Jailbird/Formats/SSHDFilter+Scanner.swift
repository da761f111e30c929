/// Byte-level building blocks that reproduce the regular-expression pieces of fail2ban 1.0.2's
/// `filter.d/sshd.conf` + `common.conf` with Python `re` semantics.
///
/// fail2ban matches its failregexes against the line content followed by `"\n"`
/// (`Regex._tupleLinesBuf`), so the scanner sees a virtual newline at index `count`: `\s`
/// matches it, `.` does not, and `$` holds at `count` and `count + 1`.
///
/// Character classes are byte classes: `\s` is ASCII white space (`\t\n\v\f\r`, space and
/// `\x1c`–`\x1f`, as Python's str patterns), `\d` is ASCII digits, `\w` is ASCII letters, digits,
/// `_` and every byte ≥ 0x80 (Python's Unicode classes differ only for non-ASCII text).
struct SSHDScanner {
    let base: UnsafeRawBufferPointer
    /// Number of real bytes; index `count` is the virtual newline.
    let count: Int

    init(_ base: UnsafeRawBufferPointer) {
        self.base = base
        self.count = base.count
    }

    /// The byte at `index`, the virtual newline at `count`, 0 beyond.
    @inline(__always) func byte(_ index: Int) -> UInt8 {
        if index < count { return base[index] }
        return index == count ? 0x0A : 0
    }

    @inline(__always) static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) || (byte >= 0x1C && byte <= 0x1F)
    }

    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    @inline(__always) static func isWord(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == 0x5F || byte >= 0x80
    }

    @inline(__always) static func isHex(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
    }

    /// `\s` at `index` (the virtual newline included).
    @inline(__always) func isSpace(at index: Int) -> Bool {
        index <= count && SSHDScanner.isSpace(byte(index))
    }

    /// `\S` at `index` (never the virtual newline).
    @inline(__always) func isNonSpace(at index: Int) -> Bool {
        index < count && !SSHDScanner.isSpace(base[index])
    }

    /// End of the literal `text` at `position`, or nil. Literals never contain a newline.
    func literal(_ text: StaticString, at position: Int) -> Int? {
        let length = text.utf8CodeUnitCount
        if position < 0 || position + length > count { return nil }
        let pointer = text.utf8Start
        for offset in 0..<length where base[position + offset] != pointer[offset] { return nil }
        return position + length
    }

    /// True if the literal `text` starts at `position`.
    @inline(__always) func has(_ text: StaticString, at position: Int) -> Bool {
        literal(text, at: position) != nil
    }

    /// End of the `\s*` run at `position`.
    func spaceEnd(_ position: Int) -> Int {
        var index = position
        while isSpace(at: index) { index += 1 }
        return index
    }

    /// End of the `\S*` run at `position`.
    func nonSpaceEnd(_ position: Int) -> Int {
        var index = position
        while isNonSpace(at: index) { index += 1 }
        return index
    }

    func digitEnd(_ position: Int) -> Int {
        var index = position
        while index < count && SSHDScanner.isDigit(base[index]) { index += 1 }
        return index
    }

    func wordEnd(_ position: Int) -> Int {
        var index = position
        while index < count && SSHDScanner.isWord(base[index]) { index += 1 }
        return index
    }

    /// `$`: end of the content (before the virtual newline) or after it.
    @inline(__always) func isEnd(_ position: Int) -> Bool { position == count || position == count + 1 }

    /// `\s*$` from `position`.
    func onlySpaceToEnd(_ position: Int) -> Bool { isEnd(spaceEnd(position)) }

    /// True if `" from "` starts at `position`.
    @inline(__always) func isFrom(_ position: Int) -> Bool { has(" from ", at: position) }

    /// `(?:(?! from ).)*$`: no `" from "` starts anywhere in `position..<count`.
    func noFromToEnd(_ position: Int) -> Bool {
        var index = position
        while index < count {
            if isFrom(index) { return false }
            index += 1
        }
        return true
    }

    /// The first `" from "` at or after `position`: the only place a user written as
    /// `(?:(?! from ).)*?` followed by ` from ` can end.
    func firstFrom(_ position: Int) -> Int? {
        var index = position
        while index + 6 <= count {
            if isFrom(index) { return index }
            index += 1
        }
        return nil
    }

    // MARK: - Common suffixes

    /// `(?: (?:port \d+|on \S+|\[preauth\])){0,3}\s*$` (`__suff` followed by `$`).
    func suffixToEnd(_ position: Int) -> Bool {
        var index = position
        for _ in 0..<3 {
            if let next = suffixItem(index) { index = next } else { break }
        }
        return onlySpaceToEnd(index)
    }

    private func suffixItem(_ position: Int) -> Int? {
        if let after = literal(" port ", at: position) {
            let end = digitEnd(after)
            return end > after ? end : nil
        }
        if let after = literal(" on ", at: position) {
            let end = nonSpaceEnd(after)
            return end > after ? end : nil
        }
        return literal(" [preauth]", at: position)
    }

    /// Visits the ends of `(?: (?:port \d+|on \S+)){0,2}` (`__on_port_opt`) at `position` until
    /// `accept` returns true. Only whether some end is accepted matters to callers, so the
    /// order is that of the regex engine but nothing depends on it.
    func onPortOptions(_ position: Int, _ accept: (Int) -> Bool) -> Bool {
        onPortOptions(position, remaining: 2, accept)
    }

    private func onPortOptions(_ position: Int, remaining: Int, _ accept: (Int) -> Bool) -> Bool {
        if remaining > 0 {
            if let after = literal(" port ", at: position) {
                var end = digitEnd(after)
                while end > after {
                    if onPortOptions(end, remaining: remaining - 1, accept) { return true }
                    end -= 1
                }
            } else if let after = literal(" on ", at: position) {
                var end = nonSpaceEnd(after)
                while end > after {
                    if onPortOptions(end, remaining: remaining - 1, accept) { return true }
                    end -= 1
                }
            }
        }
        return accept(position)
    }

    // MARK: - <HOST>

    /// Visits the matches of fail2ban's `<HOST>` at `position` in the regex engine's order
    /// (IPv4 with optional `::ffff:` prefix, IPv6, DNS name) until `accept` returns true.
    /// Returns the accepted match.
    func host(_ position: Int, _ accept: (HostCapture) -> Bool) -> HostCapture? {
        // (?:::f{4,6}:)?(?P<ip4>(?:\d{1,3}\.){3}\d{1,3})
        if let afterColons = literal("::", at: position) {
            var fEnd = afterColons
            while fEnd < count && base[fEnd] == UInt8(ascii: "f") { fEnd += 1 }
            let fCount = fEnd - afterColons
            if fCount >= 4 && fCount <= 6 && byte(fEnd) == UInt8(ascii: ":") {
                if let found = ipv4(fEnd + 1, accept) { return found }
            }
        }
        if let found = ipv4(position, accept) { return found }
        var found: HostCapture?
        if ipv6Repeat(start: position, position, iterations: 0, { end in
            let capture = HostCapture(kind: .ipv6, start: position, end: end)
            if accept(capture) { found = capture; return true }
            return false
        }) {
            return found
        }
        // (?P<dns>[\w\-.^_]*\w)
        var runEnd = position
        while runEnd < count {
            let byte = base[runEnd]
            guard SSHDScanner.isWord(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "^")
            else { break }
            runEnd += 1
        }
        var end = runEnd
        while end > position {
            if SSHDScanner.isWord(base[end - 1]) {
                let capture = HostCapture(kind: .dns, start: position, end: end)
                if accept(capture) { return capture }
            }
            end -= 1
        }
        return nil
    }

    private func ipv4(_ start: Int, _ accept: (HostCapture) -> Bool) -> HostCapture? {
        var index = start
        for _ in 0..<3 {
            let end = digitEnd(index)
            let length = end - index
            guard length >= 1 && length <= 3 && byte(end) == UInt8(ascii: ".") else { return nil }
            index = end + 1
        }
        var length = min(digitEnd(index) - index, 3)
        while length >= 1 {
            let capture = HostCapture(kind: .ipv4, start: start, end: index + length)
            if accept(capture) { return capture }
            length -= 1
        }
        return nil
    }

    private func hexLength(_ position: Int) -> Int {
        var index = position
        while index < count && index - position < 4 && SSHDScanner.isHex(base[index]) { index += 1 }
        return index - position
    }

    /// `(?:[0-9a-fA-F]{1,4}::?|::){1,7}(?:[0-9a-fA-F]{1,4}|(?<=:):)`, depth first as Python's
    /// greedy repeat tries it.
    private func ipv6Repeat(start: Int, _ position: Int, iterations: Int, _ accept: (Int) -> Bool) -> Bool {
        let hex = hexLength(position)
        if iterations < 7 {
            if hex > 0 && byte(position + hex) == UInt8(ascii: ":") {
                let colon = position + hex
                if byte(colon + 1) == UInt8(ascii: ":")
                    && ipv6Repeat(start: start, colon + 2, iterations: iterations + 1, accept)
                {
                    return true
                }
                if ipv6Repeat(start: start, colon + 1, iterations: iterations + 1, accept) { return true }
            }
            if has("::", at: position) && ipv6Repeat(start: start, position + 2, iterations: iterations + 1, accept) {
                return true
            }
        }
        if iterations >= 1 {
            var length = hex
            while length >= 1 {
                if accept(position + length) { return true }
                length -= 1
            }
            if position > start && byte(position - 1) == UInt8(ascii: ":") && byte(position) == UInt8(ascii: ":") {
                if accept(position + 1) { return true }
            }
        }
        return false
    }
}

/// Which alternative of `<HOST>` matched (fail2ban's `ip4`, `ip6` and `dns` groups).
enum HostKind: UInt8 {
    case ipv4, ipv6, dns
}

/// A `<HOST>` match: its alternative and byte range in the content.
struct HostCapture {
    var kind: HostKind
    var start: Int
    var end: Int
}
