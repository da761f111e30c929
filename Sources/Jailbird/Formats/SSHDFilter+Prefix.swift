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

    /// `prefix()` for the usual syslog line, ` host sshd[pid]: content`, in one step. It is the
    /// first reading the regex engine tries: the leading spaces, the first token as
    /// `__hostname` (it does not start with `<`, so `__bsd_syslog_verbose` is skipped), then at
    /// `sshd[`: not `kernel:`, `@vserver_`, `[pid]` or `:`, so `__daemon_combs_re` takes its
    /// second form, `sshd` (no `(…)` decoration, no `]`/`)`, no `:` before the pid), `[pid]`,
    /// `:`, the spaces, and no `[ID …]` — and `__pref` then leaves content, so that reading
    /// stands. Returns nil for any other shape (the full search decides).
    func syslogPrefix() -> SSHDPrefix? {
        guard !base.hasBytes("[]", at: 0) else { return nil }
        let hostStart = base.skipSpaces(from: 0)
        guard hostStart < count, base[hostStart] != UInt8(ascii: "<") else { return nil }
        let hostEnd = base.skipNonSpaces(from: hostStart)
        let daemon = base.skipSpaces(from: hostEnd)
        guard hostEnd > hostStart, daemon > hostEnd, base.hasBytes("sshd[", at: daemon) else { return nil }
        let pidEnd = base.skipDigits(from: daemon + 5)
        guard pidEnd > daemon + 5, base.hasBytes("]:", at: pidEnd) else { return nil }
        let mlfidEnd = base.skipSpaces(from: pidEnd + 2)
        guard mlfidEnd > pidEnd + 2, !base.hasBytes("[ID ", at: mlfidEnd) else { return nil }
        return afterPref(mlfidEnd)
    }

    /// `(?:(?:error|fatal): (?:PAM: )?)?` at `mlfidEnd`, each part taken when present first,
    /// then `.+$` (a non-empty content).
    private func afterPref(_ mlfidEnd: Int) -> SSHDPrefix? {
        if let after = literal("error: ", at: mlfidEnd) ?? literal("fatal: ", at: mlfidEnd) {
            if let afterPAM = literal("PAM: ", at: after), afterPAM < count {
                return SSHDPrefix(mlfidEnd: mlfidEnd, contentStart: afterPAM)
            }
            if after < count { return SSHDPrefix(mlfidEnd: mlfidEnd, contentStart: after) }
        }
        return mlfidEnd < count ? SSHDPrefix(mlfidEnd: mlfidEnd, contentStart: mlfidEnd) : nil
    }
}
