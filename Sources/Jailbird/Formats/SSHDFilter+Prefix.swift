/// sshd.conf's `_daemon`: the process names of sshd's lines, in the order the regex engine
/// tries them. The stock value is `sshd`; OpenSSH 9.8 and later also log as `sshd-session`, and
/// 10.0 as `sshd-auth`, names fail2ban 1.0.2's stock filter does not read. A jail reads them with
/// `filter = sshd[_daemon=...]`, which fail2ban 1.0.2 honours, e.g.
/// `sshd[_daemon="sshd(?:-session|-auth)?"]`.
///
/// jailbird reads the values that are names, not patterns: one name, `(?:A|B|…)`, or a name
/// followed by a group of endings, `NAME(?:-x|-y)` or `NAME(?:-x|-y)?`. A name is letters,
/// digits, `_` and `-`, which no other part of the prefix line can continue, so whichever of the
/// names the line carries is the one the regex engine takes.
public struct SSHDDaemonNames: Hashable, Sendable, CustomStringConvertible {
    /// The value as written.
    public let pattern: String
    /// The names, in the regex engine's order.
    public let names: [String]
    private let nameBytes: [[UInt8]]
    /// The four bytes every name starts with (`SSHDFilter.dismisses` compares a line's daemon
    /// token with them); nil when the names share none.
    let opening: UInt32?
    /// Whether this is the stock `sshd`, which the usual lines take without a loop.
    let isStock: Bool

    public static let stock = SSHDDaemonNames(pattern: "sshd", names: ["sshd"])

    private init(pattern: String, names: [String]) {
        self.pattern = pattern
        self.names = names
        nameBytes = names.map { Array($0.utf8) }
        let openings = Set(names.map { name in name.utf8.count >= 4 ? Array(name.utf8.prefix(4)) : [] })
        if openings.count == 1, let first = openings.first, first.count == 4 {
            opening = first.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
        } else {
            opening = nil
        }
        isStock = names == ["sshd"]
    }

    /// Reads a `_daemon` value; nil for a value jailbird does not read (`readableForms`).
    public init?(parsing text: String) {
        func isName(_ part: Substring) -> Bool {
            !part.isEmpty && part.utf8.allSatisfy { byte in
                byte < 0x80 && (ByteClass.isWord(byte) || byte == UInt8(ascii: "-"))
            }
        }
        var rest = Substring(text)
        var stem = Substring("")
        if let open = rest.firstRange(of: "(?:") {
            stem = rest[..<open.lowerBound]
            rest = rest[open.upperBound...]
        } else {
            guard isName(rest) else { return nil }
            self.init(pattern: text, names: [text])
            return
        }
        guard stem.isEmpty || isName(stem) else { return nil }
        var optional = false
        if rest.hasSuffix(")?") {
            optional = true
            rest = rest.dropLast(2)
        } else if rest.hasSuffix(")") {
            rest = rest.dropLast()
        } else {
            return nil
        }
        let endings = rest.split(separator: "|", omittingEmptySubsequences: false)
        guard endings.allSatisfy(isName) else { return nil }
        var names = endings.map { String(stem + $0) }
        // An optional group is tried present first, then absent.
        if optional {
            guard !stem.isEmpty else { return nil }
            names.append(String(stem))
        }
        self.init(pattern: text, names: names)
    }

    /// The forms of value `init(parsing:)` reads, for messages.
    public static let readableForms = "a name or a group of names, like sshd-session, (?:sshd|sshd-session) or sshd(?:-session|-auth)?"

    public var description: String { pattern }

    // Two values that name the same names in the same order read the same lines.
    public static func == (a: SSHDDaemonNames, b: SSHDDaemonNames) -> Bool { a.names == b.names }
    public func hash(into hasher: inout Hasher) { hasher.combine(names) }

    /// Whether the names include `name`.
    public func reads(_ name: String) -> Bool { names.contains(name) }

    /// The end of the first name at `start` that a `[` follows (the usual `name[pid]`), or nil.
    @inline(__always)
    func nameEndBeforePid(in text: UnsafeRawBufferPointer, at start: Int) -> Int? {
        for name in nameBytes {
            let end = start + name.count
            if end < text.count, text[end] == UInt8(ascii: "["), Self.starts(name, in: text, at: start) { return end }
        }
        return nil
    }

    /// Whether one of the names starts at `start`.
    @inline(__always)
    func startsAnyName(in text: UnsafeRawBufferPointer, at start: Int) -> Bool {
        nameBytes.contains { Self.starts($0, in: text, at: start) }
    }

    /// Calls `body` with the end of each name at `start`, in order, until it returns true.
    func forEachNameEnd(in text: UnsafeRawBufferPointer, at start: Int, _ body: (Int) -> Bool) -> Bool {
        for name in nameBytes where Self.starts(name, in: text, at: start) {
            if body(start + name.count) { return true }
        }
        return false
    }

    private static func starts(_ name: [UInt8], in text: UnsafeRawBufferPointer, at start: Int) -> Bool {
        name.withUnsafeBytes { text.hasBytes($0, at: start) }
    }

    /// Whether the daemon token at `start` is `sshd-session` or `sshd-auth`, the names OpenSSH 9.8
    /// and 10.0 log under besides `sshd`, in one of the shapes of `__daemon_re` (a `[` or `(` before it; `[`, `(`, `]`, `)` or `:`
    /// after it), and these names do not read it.
    func isUnreadNewerName(in text: UnsafeRawBufferPointer, at start: Int) -> Bool {
        let nameStart = start < text.count && (text[start] == UInt8(ascii: "[") || text[start] == UInt8(ascii: "(")) ? start + 1 : start
        let name: String
        let end: Int
        if text.hasBytes("sshd-session", at: nameStart) {
            (name, end) = ("sshd-session", nameStart + 12)
        } else if text.hasBytes("sshd-auth", at: nameStart) {
            (name, end) = ("sshd-auth", nameStart + 9)
        } else {
            return false
        }
        guard end < text.count else { return false }
        switch text[end] {
        case UInt8(ascii: "["), UInt8(ascii: "("), UInt8(ascii: "]"), UInt8(ascii: ")"), UInt8(ascii: ":"): return !reads(name)
        default: return false
        }
    }
}

/// `SSHDDaemonNames` as the prefix line's search tries them.
struct SSHDDaemon: DaemonName {
    let names: SSHDDaemonNames

    func forEachEnd(in text: UnsafeRawBufferPointer, at start: Int, _ body: (Int) -> Bool) -> Bool {
        names.forEachNameEnd(in: text, at: start, body)
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
    func prefix(daemon names: SSHDDaemonNames = .stock) -> SSHDPrefix? {
        syslogPrefix(daemon: names) ?? prefixBySearch(daemon: names)
    }

    /// `prefix()` by trying the prefix line's readings in the regex engine's order.
    func prefixBySearch(daemon names: SSHDDaemonNames = .stock) -> SSHDPrefix? {
        var result: SSHDPrefix?
        PrefixLine(daemon: SSHDDaemon(names: names)).forEachEnd(in: base) { mlfidEnd in
            result = afterPref(mlfidEnd)
            return result != nil
        }
        return result
    }

    /// `prefix()` for the usual syslog line, ` host daemon[pid]: content`, in one step. It is
    /// the first reading the regex engine tries: `[]` when there (what a cut-out `[date]`
    /// leaves), the leading spaces, the first token as `__hostname` (it does not start with `<`,
    /// so `__bsd_syslog_verbose` is skipped), then at the daemon's token:
    /// - sshd's `sshd[pid]:` (or another of the `_daemon` names) and spaces: not `kernel:`,
    ///   `@vserver_`, `[pid]` or `:`, so `__daemon_combs_re` takes its second form, the name (no
    ///   `(…)` decoration, no `]`/`)`, no `:` before the pid), `[pid]`, `:`, the spaces, and no
    ///   `[ID …]`;
    /// - another daemon's token, one that starts neither `kernel:`, `@vserver_`, `[`, `(`, `:`,
    ///   `sshd` nor a `_daemon` name: none of the other parts can match there (`__daemon_combs_re` needs one of
    ///   the last four, `__daemon_extra_re` a `[`), so the prefix ends before it.
    /// `__pref` then leaves content, so that reading stands. Returns nil for any other shape
    /// (the full search decides).
    func syslogPrefix(daemon names: SSHDDaemonNames = .stock) -> SSHDPrefix? {
        guard let daemon = daemonTokenStart() else { return nil }
        return syslogPrefix(daemonAt: daemon, names: names)
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
    func syslogPrefix(daemonAt daemon: Int, names: SSHDDaemonNames) -> SSHDPrefix? {
        if names.isStock { return syslogPrefix(daemonAt: daemon) }
        return syslogPrefix(
            daemonAt: daemon, nameEnd: names.nameEndBeforePid(in: base, at: daemon),
            startsName: names.startsAnyName(in: base, at: daemon))
    }

    /// `syslogPrefix(daemonAt:names:)` for the stock `_daemon = sshd`, the usual case: it takes no
    /// names to look through (a value passed in costs the usual line a few instructions).
    func syslogPrefix(daemonAt daemon: Int) -> SSHDPrefix? {
        syslogPrefix(
            daemonAt: daemon, nameEnd: base.hasBytes("sshd[", at: daemon) ? daemon &+ 4 : nil,
            startsName: false)  // a token that starts with "sshd" goes to the full search anyway
    }

    /// The two above, given where the name before `[pid]` ends (nil: no name there) and whether
    /// a name starts the token.
    @inline(__always)
    private func syslogPrefix(daemonAt daemon: Int, nameEnd: Int?, startsName: Bool) -> SSHDPrefix? {
        guard let start = base.baseAddress else { return nil }
        let p = start.assumingMemoryBound(to: UInt8.self)
        let n = count
        if let nameEnd {
            let pidStart = nameEnd &+ 1
            var pidEnd = pidStart
            while pidEnd < n && p[pidEnd] &- UInt8(ascii: "0") < 10 { pidEnd &+= 1 }
            guard pidEnd > pidStart, pidEnd &+ 2 < n, p[pidEnd] == UInt8(ascii: "]"),
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
            // sshd's process names, read or not, are left to the full search (which tells them apart)
            || base.hasBytes("sshd", at: daemon) || startsName
            || base.hasBytes("kernel:", at: daemon)
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
