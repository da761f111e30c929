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
        let hostStart = base.skipSpaces(from: base.hasBytes("[]", at: 0) ? 2 : 0)
        guard hostStart < count, base[hostStart] != UInt8(ascii: "<") else { return nil }
        let hostEnd = base.skipNonSpaces(from: hostStart)
        let daemon = base.skipSpaces(from: hostEnd)
        guard daemon > hostEnd, daemon < count else { return nil }
        if base.hasBytes("sshd[", at: daemon) {
            let pidEnd = base.skipDigits(from: daemon + 5)
            guard pidEnd > daemon + 5, base.hasBytes("]:", at: pidEnd) else { return nil }
            let mlfidEnd = base.skipSpaces(from: pidEnd + 2)
            guard mlfidEnd > pidEnd + 2, !base.hasBytes("[ID ", at: mlfidEnd) else { return nil }
            return afterPref(mlfidEnd)
        }
        let first = base[daemon]
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
