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
        var result: SSHDPrefix?
        PrefixLine<SSHDDaemon>.forEachEnd(in: base) { mlfidEnd in
            result = afterPref(mlfidEnd)
            return result != nil
        }
        return result
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
