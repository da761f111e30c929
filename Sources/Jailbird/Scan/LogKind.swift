/// What kind of log a file is, told from its first lines. The standard scan (no `--filter`)
/// uses it to apply only the filters that belong to a file: an Asterisk `full` log gets the
/// asterisk filter, fail2ban.log gets the fail2ban reader, and anything else (syslog files such
/// as auth.log or messages, which can hold both sshd and forwarded Asterisk lines) gets all of
/// them. This also keeps text inside one service's log from being read as another's.
public enum LogKind: String, Sendable, CaseIterable {
    case asteriskFull = "asterisk full log"
    case fail2banLog = "fail2ban.log"
    case other = "syslog or other"

    /// How many of the first lines are looked at.
    static let sampleLines = 50

    /// The kind most of the first non-empty lines of `head` show; `.other` without a clear
    /// majority (more than half) or when `head` has no complete line.
    public static func detect(_ head: UnsafeRawBufferPointer) -> LogKind {
        var asterisk = 0
        var fail2ban = 0
        var total = 0
        var start = 0
        while total < sampleLines, let newline = head.firstIndex(of: UInt8(ascii: "\n"), from: start) {
            let line = UnsafeRawBufferPointer(rebasing: head[start..<newline])
            start = newline + 1
            if line.isEmpty || (line.count == 1 && line[0] == UInt8(ascii: "\r")) { continue }
            total += 1
            if isAsteriskFullLine(line) { asterisk += 1 } else if isFail2banLogLine(line) { fail2ban += 1 }
        }
        if total == 0 { return .other }
        if asterisk * 2 > total { return .asteriskFull }
        if fail2ban * 2 > total { return .fail2banLog }
        return .other
    }

    /// The kind of a log file, from its first bytes (decompressed when gzip).
    public static func detect(_ source: LogSource) -> LogKind {
        ByteReader.head(source).withUnsafeBytes { detect($0) }
    }

    /// `[date] LEVEL[pid]…` where LEVEL is an upper-case word right after the closing bracket.
    static func isAsteriskFullLine(_ line: UnsafeRawBufferPointer) -> Bool {
        guard line.count > 12, line[0] == UInt8(ascii: "["),
            let close = line.firstIndex(of: UInt8(ascii: "]"), from: 1), close < 40,
            close + 2 < line.count, line[close + 1] == UInt8(ascii: " ")
        else { return false }
        var position = close + 2
        while position < line.count && line[position] &- UInt8(ascii: "A") < 26 { position += 1 }
        return position > close + 3 && position < line.count
            && (line[position] == UInt8(ascii: "[") || line[position] == UInt8(ascii: " "))
    }

    /// `YYYY-MM-DD HH:MM:SS,mmm fail2ban.…`
    static func isFail2banLogLine(_ line: UnsafeRawBufferPointer) -> Bool {
        guard line.count > 32, line[4] == UInt8(ascii: "-"), line[10] == UInt8(ascii: " "),
            line[19] == UInt8(ascii: ",")
        else { return false }
        let rest = line.skipSpaces(from: 23)
        return line.hasBytes("fail2ban", at: rest)
    }
}
