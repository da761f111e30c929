/// sshd.conf's `_daemon = sshd`.
struct SSHDDaemon: DaemonName {
    static func forEachEnd(in text: UnsafeRawBufferPointer, at start: Int, _ body: (Int) -> Bool) -> Bool {
        text.hasBytes("sshd", at: start) && body(start + 4)
    }
}

/// Where fail2ban's sshd `prefregex` puts the connection id and the content:
/// `^<F-MLFID>%(__prefix_line)s</F-MLFID>%(__pref)s<F-CONTENT>.+</F-CONTENT>$` with
/// `__pref = (?:(?:error|fatal): (?:PAM: )?)?`.
struct SSHDPrefix {
    /// End of the `F-MLFID` group (the connection id is the text `0..<mlfidEnd`).
    var mlfidEnd: Int
    /// Start of `F-CONTENT`, the text the failregexes see.
    var contentStart: Int
}

extension SSHDScanner {
    /// The first prefix-line end, in the regex engine's order, after which `__pref` leaves a
    /// non-empty content; nil when `prefregex` does not match.
    func prefix() -> SSHDPrefix? {
        syslogPrefix() ?? prefixBySearch()
    }

    /// `prefix()` by trying the prefix line's readings in the regex engine's order.
    func prefixBySearch() -> SSHDPrefix? {
        var result: SSHDPrefix?
        PrefixLine<SSHDDaemon>.forEachEnd(in: base) { mlfidEnd in
            result = afterPref(mlfidEnd)
            return result != nil
        }
        return result
    }

    /// `prefix()` for the usual syslog line, ` host daemon[pid]: content`, in one step. It is
    /// the first reading the regex engine tries: `[]` when there (what a cut-out `[date]`
    /// leaves), the leading spaces, the first token as `__hostname` (it does not start with `<`,
    /// so `__bsd_syslog_verbose` is skipped), then at the daemon's token:
    /// - sshd's `sshd[pid]:` and spaces: not `kernel:`, `@vserver_`, `[pid]` or `:`, so
    ///   `__daemon_combs_re` takes its second form, `sshd` (no `(…)` decoration, no `]`/`)`, no
    ///   `:` before the pid), `[pid]`, `:`, the spaces, and no `[ID …]`;
    /// - another daemon's token, one that starts neither `kernel:`, `@vserver_`, `[`, `(`, `:`
    ///   nor `sshd`: none of the other parts can match there (`__daemon_combs_re` needs one of
    ///   the last four, `__daemon_extra_re` a `[`), so the prefix ends before it.
    /// `__pref` then leaves content, so that reading stands. Returns nil for any other shape
    /// (the full search decides).
    func syslogPrefix() -> SSHDPrefix? {
        guard let daemon = daemonTokenStart() else { return nil }
        return syslogPrefix(daemonAt: daemon)
    }

    /// The start of the second token, the daemon's, when the line opens the usual way: `[]`
    /// or not, spaces, a host token not starting with `<`, spaces.
    func daemonTokenStart() -> Int? {
        // On the bytes through a pointer, with wrapping arithmetic: this runs for every line.
        guard let start = base.baseAddress else { return nil }
        let p = start.assumingMemoryBound(to: UInt8.self)
        let n = count
        var i = n >= 2 && p[0] == UInt8(ascii: "[") && p[1] == UInt8(ascii: "]") ? 2 : 0
        while i < n && ByteClass.isSpace(p[i]) { i &+= 1 }
        guard i < n, p[i] != UInt8(ascii: "<") else { return nil }
        while i < n && !ByteClass.isSpace(p[i]) { i &+= 1 }
        let spacesStart = i
        while i < n && ByteClass.isSpace(p[i]) { i &+= 1 }
        guard i > spacesStart, i < n else { return nil }
        return i
    }

    /// The rest of `syslogPrefix()` from the daemon's token at `daemon`.
    func syslogPrefix(daemonAt daemon: Int) -> SSHDPrefix? {
        guard let start = base.baseAddress else { return nil }
        let p = start.assumingMemoryBound(to: UInt8.self)
        let n = count
        if base.hasBytes("sshd[", at: daemon) {
            var pidEnd = daemon &+ 5
            while pidEnd < n && p[pidEnd] &- UInt8(ascii: "0") < 10 { pidEnd &+= 1 }
            guard pidEnd > daemon &+ 5, pidEnd &+ 2 < n, p[pidEnd] == UInt8(ascii: "]"),
                p[pidEnd &+ 1] == UInt8(ascii: ":"), ByteClass.isSpace(p[pidEnd &+ 2])
            else { return nil }
            var mlfidEnd = pidEnd &+ 3
            while mlfidEnd < n && ByteClass.isSpace(p[mlfidEnd]) { mlfidEnd &+= 1 }
            guard mlfidEnd >= n || p[mlfidEnd] != UInt8(ascii: "[") || !base.hasBytes("[ID ", at: mlfidEnd) else {
                return nil
            }
            return afterPref(mlfidEnd)
        }
        let first = p[daemon]
        if first == UInt8(ascii: "[") || first == UInt8(ascii: "(") || first == UInt8(ascii: ":")
            || base.hasBytes("sshd", at: daemon) || base.hasBytes("kernel:", at: daemon)
            || base.hasBytes("@vserver_", at: daemon)
        {
            return nil
        }
        return afterPref(daemon)
    }

    /// `(?:(?:error|fatal): (?:PAM: )?)?` at `mlfidEnd`, each part taken when present first,
    /// then `.+$` (a non-empty content).
    @inline(__always)
    private func afterPref(_ mlfidEnd: Int) -> SSHDPrefix? {
        let first = byte(mlfidEnd)
        if first == UInt8(ascii: "e") || first == UInt8(ascii: "f"),
            let after = literal("error: ", at: mlfidEnd) ?? literal("fatal: ", at: mlfidEnd)
        {
            if let afterPAM = literal("PAM: ", at: after), afterPAM < count {
                return SSHDPrefix(mlfidEnd: mlfidEnd, contentStart: afterPAM)
            }
            if after < count { return SSHDPrefix(mlfidEnd: mlfidEnd, contentStart: after) }
        }
        return mlfidEnd < count ? SSHDPrefix(mlfidEnd: mlfidEnd, contentStart: mlfidEnd) : nil
    }
}

/// The bytes before the daemon's token on the last usual line (its host token and spaces), when
/// they fit in sixteen: consecutive lines of a log share them. `daemonTokenStart` reads nothing
/// but those bytes and the token's first, so a line that starts with them and has no space right
/// after them has its daemon's token there.
struct HostPrefixMemo {
    private var key: (UInt64, UInt64) = (0, 0)
    private var care: (UInt64, UInt64) = (0, 0)
    private var length = 0

    /// Where the daemon's token starts, when the line starts with the remembered bytes.
    @inline(__always)
    func daemonTokenStart(in line: UnsafeRawBufferPointer) -> Int? {
        guard length != 0, line.count >= 16, line.count > length else { return nil }
        let first = line.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
        let second = line.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        guard (first ^ key.0) & care.0 | (second ^ key.1) & care.1 == 0, !ByteClass.isSpace(line[length]) else {
            return nil
        }
        return length
    }

    /// Remembers the bytes before `daemon`, the daemon token's start that `daemonTokenStart` found.
    mutating func remember(_ line: UnsafeRawBufferPointer, daemon: Int) {
        guard daemon <= 16, line.count >= 16 else { return }
        key = (line.loadUnaligned(fromByteOffset: 0, as: UInt64.self), line.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        let bits = daemon * 8
        care = (bits >= 64 ? ~0 : (1 << UInt64(bits)) - 1, bits <= 64 ? 0 : (bits >= 128 ? ~0 : (1 << UInt64(bits - 64)) - 1))
        length = daemon
    }
}
