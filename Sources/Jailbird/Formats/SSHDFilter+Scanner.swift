/// The regular-expression pieces of fail2ban 1.0.2's `filter.d/sshd.conf` that several sshd
/// rules share, on the bytes of one line's content with Python `re` semantics. Character classes
/// and byte runs come from `ByteClass` and the buffer helpers, `<HOST>` from `HostPattern`.
///
/// fail2ban matches the failregexes against the content followed by `"\n"`, and `\s` (also
/// `[^:]`, `[^.]`) matches that newline. The scanner works on the content alone, which gives the
/// same matches: in sshd.conf and common.conf's prefix whatever can consume that newline is
/// followed only by `$` (which also holds at the end of the content) or by a literal (which
/// cannot match past it), and `.` never matches it. So `$` is `position == count` here.
struct SSHDScanner {
    let base: UnsafeRawBufferPointer
    let count: Int

    init(_ base: UnsafeRawBufferPointer) {
        self.base = base
        self.count = base.count
    }

    /// The byte at `index`, 0 past the end (no rule compares with 0).
    @inline(__always) func byte(_ index: Int) -> UInt8 {
        index < count ? base[index] : 0
    }

    /// End of the literal `text` at `position`, or nil.
    @inline(__always) func literal(_ text: StaticString, at position: Int) -> Int? {
        base.hasBytes(text, at: position) ? position + text.utf8CodeUnitCount : nil
    }

    /// `\s*$` from `position`.
    @inline(__always) func onlySpaceToEnd(_ position: Int) -> Bool { base.skipSpaces(from: position) == count }

    /// `(?:(?! from ).)*$`: no `" from "` starts anywhere at or after `position`.
    @inline(__always) func noFromToEnd(_ position: Int) -> Bool { base.firstRange(of: " from ", from: position, rareByteAt: 1) == nil }

    // MARK: - Common suffixes

    /// `(?: (?:port \d+|on \S+|\[preauth\])){0,3}\s*$` (`__suff` followed by `$`). Each item
    /// starts with a space and ends before one, so the greedy items never need to give back.
    func suffixToEnd(_ position: Int) -> Bool {
        if position >= count { return true }
        var index = position
        for _ in 0..<3 {
            if let next = suffixItem(index) { index = next } else { break }
        }
        return onlySpaceToEnd(index)
    }

    private func suffixItem(_ position: Int) -> Int? {
        guard byte(position) == 0x20 else { return nil }
        if let after = literal(" port ", at: position) {
            let end = base.skipDigits(from: after)
            return end > after ? end : nil
        }
        if let after = literal(" on ", at: position) {
            let end = base.skipNonSpaces(from: after)
            return end > after ? end : nil
        }
        return literal(" [preauth]", at: position)
    }

    /// Visits the ends of `(?: (?:port \d+|on \S+)){0,2}` (`__on_port_opt`) at `position` until
    /// `accept` returns true, in the regex engine's order.
    func onPortOptions(_ position: Int, _ accept: (Int) -> Bool) -> Bool {
        onPortOptions(position, remaining: 2, accept)
    }

    private func onPortOptions(_ position: Int, remaining: Int, _ accept: (Int) -> Bool) -> Bool {
        if remaining > 0 {
            if let after = literal(" port ", at: position) {
                var end = base.skipDigits(from: after)
                while end > after {
                    if onPortOptions(end, remaining: remaining - 1, accept) { return true }
                    end -= 1
                }
            } else if let after = literal(" on ", at: position) {
                var end = base.skipNonSpaces(from: after)
                while end > after {
                    if onPortOptions(end, remaining: remaining - 1, accept) { return true }
                    end -= 1
                }
            }
        }
        return accept(position)
    }

    // MARK: - <HOST>

    /// The first `<HOST>` match at `position`, in the regex engine's order, for which `accept`
    /// (the rest of the rule after the host) returns true.
    func host(_ position: Int, _ accept: (HostPattern.Candidate) -> Bool) -> HostPattern.Capture? {
        HostPattern.firstCapture(in: base, at: position, where: accept)
    }
}
