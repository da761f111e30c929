/// Reads fail2ban's own log, fail2ban.log, in one of two ways:
///
/// - `.records` (the default scan): every `Found`, `Ban`, `Unban` and `Restore Ban` line, of any
///   jail, becomes an event of that kind with its jail — what fail2ban really did.
/// - `.recidive(jailName:)`: fail2ban 1.0.2's stock `recidive` filter (filter.d/recidive.conf),
///   exactly: each `NOTICE [JAIL] Ban IP` line of a jail other than `jailName` is a failure.
///   `Restore Ban`, `Increase Ban` and `Unban` lines are not.
public struct Fail2banLogFilter: LineFilter {
    public enum Mode: Equatable, Sendable {
        case records
        case recidive(jailName: String)
    }

    public let mode: Mode

    public init(mode: Mode = .records) {
        self.mode = mode
    }

    public var service: Service { .fail2ban }

    /// Both readings need a `]` before the action: `] Found `, `] Ban `, `] Unban `,
    /// `] Restore Ban ` for records, `]\s+Ban` for recidive. memchr finds the few `]` of a line.
    public func isCandidate(_ line: UnsafeRawBufferPointer) -> Bool {
        switch mode {
        case .records:
            return line.anyOffset(of: UInt8(ascii: "]")) { close in
                // The letter after "] " tells which of the four it can be.
                guard close + 2 < line.count, line[close + 1] == UInt8(ascii: " ") else { return false }
                switch line[close + 2] {
                case UInt8(ascii: "B"): return line.hasBytes("] Ban ", at: close)
                case UInt8(ascii: "F"): return line.hasBytes("] Found ", at: close)
                case UInt8(ascii: "U"): return line.hasBytes("] Unban ", at: close)
                case UInt8(ascii: "R"): return line.hasBytes("] Restore Ban ", at: close)
                default: return false
                }
            }
        case .recidive:
            return line.anyOffset(of: UInt8(ascii: "]")) { close in
                let word = line.skipSpaces(from: close + 1)
                return word > close + 1 && line.hasBytes("Ban", at: word)
            }
        }
    }

    public mutating func process(_ line: CandidateLine) -> LineMatch? {
        switch mode {
        case .records: return Fail2banLogFilter.record(line.content)
        case .recidive(let jailName): return Fail2banLogFilter.recidive(line.content, excluding: jailName)
        }
    }

    /// recidive.conf's `_daemon = (?:fail2ban(?:-server|\.actions)\s*)`.
    struct Daemon: DaemonName {
        func forEachEnd(in text: UnsafeRawBufferPointer, at start: Int, _ body: (Int) -> Bool) -> Bool {
            guard text.hasBytes("fail2ban", at: start) else { return false }
            let suffixEnd: Int
            if text.hasBytes("-server", at: start + 8) {
                suffixEnd = start + 15
            } else if text.hasBytes(".actions", at: start + 8) {
                suffixEnd = start + 16
            } else {
                return false
            }
            var end = text.skipSpaces(from: suffixEnd)
            while end >= suffixEnd {
                if body(end) { return true }
                end -= 1
            }
            return false
        }
    }

    /// `^<prefix>(?:\s*fail2ban\.actions\s*(?:\[\d+\])?:\s+)?NOTICE\s+\[(?!JAIL\])(?:.*)\]\s+Ban\s+<HOST>\s*$`
    static func recidive(_ text: UnsafeRawBufferPointer, excluding jailName: String) -> LineMatch? {
        var result: LineMatch?
        PrefixLine(daemon: Daemon()).forEachEnd(in: text) { prefixEnd in
            for noticeStart in actionsLoggerEnds(text, prefixEnd) {
                if let match = noticeBan(text, noticeStart, excluding: jailName) {
                    result = match
                    return true
                }
            }
            return false
        }
        return result
    }

    /// Where `NOTICE` may start after the prefix: after the optional
    /// `\s*fail2ban\.actions\s*(?:\[\d+\])?:\s+` (tried first), or right at the prefix end.
    private static func actionsLoggerEnds(_ text: UnsafeRawBufferPointer, _ start: Int) -> Alternatives {
        var ends = Alternatives()
        let loggerStart = text.skipSpaces(from: start)
        if text.hasBytes("fail2ban.actions", at: loggerStart) {
            var position = text.skipSpaces(from: loggerStart + 16)
            if position < text.count, text[position] == UInt8(ascii: "[") {
                let digitsEnd = text.skipDigits(from: position + 1)
                if digitsEnd > position + 1, digitsEnd < text.count, text[digitsEnd] == UInt8(ascii: "]") {
                    position = digitsEnd + 1
                }
            }
            if position < text.count, text[position] == UInt8(ascii: ":") {
                let spacesEnd = text.skipSpaces(from: position + 1)
                if spacesEnd > position + 1 { ends.append(spacesEnd) }
            }
        }
        ends.append(start)
        return ends
    }

    private static func noticeBan(
        _ text: UnsafeRawBufferPointer, _ start: Int, excluding jailName: String
    ) -> LineMatch? {
        guard text.hasBytes("NOTICE", at: start) else { return nil }
        let bracket = text.skipSpaces(from: start + 6)
        guard bracket > start + 6, bracket < text.count, text[bracket] == UInt8(ascii: "[") else { return nil }
        let jailStart = bracket + 1
        // (?!JAIL\]) — the excluded jail's own bans.
        var excluded = false
        var name = jailName
        name.withUTF8 { nameBytes in
            let end = jailStart + nameBytes.count
            if end < text.count, text[end] == UInt8(ascii: "]"),
                text.hasBytes(UnsafeRawBufferPointer(nameBytes), at: jailStart)
            {
                excluded = true
            }
        }
        if excluded { return nil }
        // (?:.*)\] — greedy: the last ']' first.
        var close = text.count - 1
        while close >= jailStart {
            if text[close] == UInt8(ascii: "]"), let match = banTail(text, close + 1, kind: .failure) {
                var match = match
                match.rule = .recidiveBan
                match.jail = text.string(jailStart..<close)
                return match
            }
            close -= 1
        }
        return nil
    }

    /// `\s+Ban\s+<HOST>\s*$` at `start`.
    private static func banTail(_ text: UnsafeRawBufferPointer, _ start: Int, kind: EventKind) -> LineMatch? {
        let wordStart = text.skipSpaces(from: start)
        guard wordStart > start, text.hasBytes("Ban", at: wordStart) else { return nil }
        let hostStart = text.skipSpaces(from: wordStart + 3)
        guard hostStart > wordStart + 3 else { return nil }
        return hostToEnd(text, hostStart, kind: kind)
    }

    /// `<HOST>\s*$` at `start`.
    private static func hostToEnd(_ text: UnsafeRawBufferPointer, _ start: Int, kind: EventKind) -> LineMatch? {
        let capture = HostPattern.firstCapture(in: text, at: start) { candidate in
            text.skipSpaces(from: candidate.end) == text.count
        }
        guard let capture else { return nil }
        return LineMatch(kind: kind, rule: .recidiveBan, host: HostPattern.host(for: capture, in: text))
    }

    /// A `[JAIL] Found|Ban|Unban|Restore Ban IP` record of any jail (the jail is the text in the
    /// first brackets after the log level).
    static func record(_ text: UnsafeRawBufferPointer) -> LineMatch? {
        let actions: [(StaticString, EventKind, Rule)] = [
            ("] Found ", .found, .fail2banFound), ("] Restore Ban ", .restoreBan, .fail2banRestoreBan),
            ("] Unban ", .unban, .fail2banUnban), ("] Ban ", .ban, .fail2banBan),
        ]
        for (marker, kind, rule) in actions {
            guard let close = text.firstRange(of: marker, from: 0),
                let open = text.lastIndex(of: UInt8(ascii: "["), before: close)
            else { continue }
            // The bracket must follow the level word and its spaces (INFO, NOTICE, WARNING …).
            guard open > 0, ByteClass.isSpace(text[open - 1]) else { continue }
            let hostStart = close + marker.utf8CodeUnitCount
            let capture = HostPattern.firstCapture(in: text, at: hostStart) { candidate in
                // Found lines go on with " - <time>"; the others end after the host.
                let rest = text.skipSpaces(from: candidate.end)
                return rest == text.count || (kind == .found && text.hasBytes(" - ", at: candidate.end))
            }
            if let capture {
                return LineMatch(
                    kind: kind, rule: rule, host: HostPattern.host(for: capture, in: text),
                    jail: text.string((open + 1)..<close))
            }
        }
        return nil
    }
}
