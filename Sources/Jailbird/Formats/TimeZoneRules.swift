#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a time zone could not be loaded.
public enum TimeZoneError: Error, Equatable, CustomStringConvertible {
    /// No zone file of that name in the zone directory, and not a POSIX TZ rule either.
    case unknownZone(String)
    /// The zone file exists but is not a TZif file jailbird can read.
    case unreadableZoneFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .unknownZone(let name):
            return "unknown time zone '\(name)': no such zone in /usr/share/zoneinfo "
                + "(install tzdata) and not a POSIX TZ rule such as 'CET-1CEST,M3.5.0,M10.5.0/3'"
        case .unreadableZoneFile(let path, let reason):
            return "cannot read time zone file '\(path)': \(reason)"
        }
    }
}

/// Zone rules for reading zone-less stamps (IANA name such as Europe/Berlin), correct across DST.
///
/// Loaded from the system's TZif files (`/usr/share/zoneinfo`, the 64-bit v2+ section, with the
/// POSIX TZ footer for instants past the table), or from a POSIX TZ rule string such as
/// `CET-01CEST-02,M3.5.0,M10.5.0` (what fail2ban's own tests put in `TZ`). Immutable; cheap to copy.
public struct TimeZoneRules: Sendable {
    /// The name the rules were loaded under (zone name, path or POSIX rule text).
    public let identifier: String
    /// UTC instants at which the offset changes, ascending.
    let transitions: [Int64]
    /// `offsets[i]` is in force from `transitions[i]` on (seconds east of UTC).
    let offsets: [Int32]
    /// In force before the first transition (or always, when there are none and no rule).
    let initialOffset: Int32
    /// Applies after the last transition (the TZif footer), or everywhere for a POSIX rule zone.
    let rule: PosixZoneRule?

    /// Coordinated Universal Time.
    public static let utc = TimeZoneRules(
        identifier: "UTC",
        transitions: [],
        offsets: [],
        initialOffset: 0,
        rule: nil
    )

    init(identifier: String, transitions: [Int64], offsets: [Int32], initialOffset: Int32, rule: PosixZoneRule?) {
        self.identifier = identifier
        self.transitions = transitions
        self.offsets = offsets
        self.initialOffset = initialOffset
        self.rule = rule
    }

    /// Loads a zone by IANA name (`Europe/Berlin`), absolute TZif path, or POSIX TZ rule.
    /// - Throws: `TimeZoneError.unknownZone` naming the zone when none of these fits.
    public init(identifier: String) throws(TimeZoneError) {
        if identifier == "UTC" || identifier == "Etc/UTC" {
            self = .utc
            return
        }
        let isName = !identifier.isEmpty && !identifier.split(separator: "/").contains("..")
        if isName {
            let path = identifier.hasPrefix("/") ? identifier : "/usr/share/zoneinfo/" + identifier
            if let bytes = ByteReader.wholeFile(atPath: path, limit: 1 << 20) {
                var parsed = try TZifParser.parse(bytes, path: path)
                parsed.identifier = identifier
                self = TimeZoneRules(
                    identifier: identifier,
                    transitions: parsed.transitions,
                    offsets: parsed.offsets,
                    initialOffset: parsed.initialOffset,
                    rule: parsed.rule
                )
                return
            }
        }
        if let rule = PosixZoneRule(identifier) {
            self = TimeZoneRules(
                identifier: identifier,
                transitions: [],
                offsets: [],
                initialOffset: rule.standardOffset,
                rule: rule
            )
            return
        }
        throw .unknownZone(identifier)
    }

    /// The machine's zone, found as glibc (and so fail2ban's Python) finds it: the `TZ`
    /// environment variable (zone name, `:name`, path or POSIX rule; empty means UTC), else
    /// `/etc/localtime`. Falls back to UTC when neither can be read.
    public static func system() -> TimeZoneRules {
        if let raw = getenv("TZ") {
            var value = String(cString: raw)
            if value.hasPrefix(":") { value.removeFirst() }
            if value.isEmpty { return .utc }
            if let zone = try? TimeZoneRules(identifier: value) { return zone }
            return .utc  // glibc also falls back to UTC for a TZ it cannot understand
        }
        let path = "/etc/localtime"
        guard let bytes = ByteReader.wholeFile(atPath: path, limit: 1 << 20), var parsed = try? TZifParser.parse(bytes, path: path) else {
            return .utc
        }
        // Name the zone after the link target when there is one (…/zoneinfo/Europe/Berlin).
        parsed.identifier = zoneNameOfLink(path) ?? "localtime"
        return TimeZoneRules(
            identifier: parsed.identifier,
            transitions: parsed.transitions,
            offsets: parsed.offsets,
            initialOffset: parsed.initialOffset,
            rule: parsed.rule
        )
    }

    /// UTC offset in seconds in force at a UTC instant.
    public func offset(atUTC seconds: Int64) -> Int {
        if let last = transitions.last, seconds < last {
            let index = transitionIndex(atOrBefore: seconds)
            return Int(index < 0 ? initialOffset : offsets[index])
        }
        if let rule { return rule.offset(atUTC: seconds) }
        return Int(offsets.last ?? initialOffset)
    }

    /// UTC seconds for a local civil time (year, month, day, hour, minute, second) in this zone.
    ///
    /// Fields out of range are normalised arithmetically (day 32 is the next month's day 1).
    /// At DST changes this answers as glibc's `mktime` with `tm_isdst = -1` (what fail2ban calls
    /// through Python) does, checked for Europe/Berlin and America/New_York: a local time skipped by
    /// spring-forward is read with the offset in force before the change (02:30 → 01:30 UTC in
    /// Berlin, i.e. 03:30 CEST). For an ambiguous local time (fall-back) glibc reuses the offset of
    /// its previous call, so fail2ban's answer depends on the line before; this stateless function
    /// answers as glibc does after a summer-time conversion: the earlier instant, on the offset in
    /// force before the change. `TimestampReader` remembers the previous line's offset and follows glibc.
    public func utcSeconds(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int64 {
        var y = year
        var m = month - 1
        y += m >= 0 ? m / 12 : (m - 11) / 12
        m -= (m >= 0 ? m / 12 : (m - 11) / 12) * 12
        let local =
            CivilTime.days(year: y, month: m + 1, day: 1) * CivilTime.secondsPerDay
            + Int64(day - 1) * CivilTime.secondsPerDay + Int64(hour) * 3600 + Int64(minute) * 60 + Int64(second)
        return utcSeconds(local: local)
    }

    /// UTC seconds for local seconds (civil time counted as if UTC). See `utcSeconds(year:…)`.
    func utcSeconds(local: Int64) -> Int64 { utcSeconds(local: local, preferringOffset: nil) }

    /// As `utcSeconds(local:)`, but an ambiguous local time takes `preferred` when it is one of
    /// the two offsets (glibc mktime's memory of its previous call).
    func utcSeconds(local: Int64, preferringOffset preferred: Int64?) -> Int64 {
        // Offsets a day before and after: no zone changes offset twice within two days, and
        // |offset| < 1 day, so these are the offsets on either side of any change near `local`.
        let before = Int64(offset(atUTC: local &- CivilTime.secondsPerDay))
        let after = Int64(offset(atUTC: local &+ CivilTime.secondsPerDay))
        let beforeFits = Int64(offset(atUTC: local &- before)) == before
        let afterFits = Int64(offset(atUTC: local &- after)) == after
        if beforeFits, afterFits, preferred == after { return local &- after }
        if beforeFits { return local &- before }
        if afterFits { return local &- after }
        return local &- before  // in the spring-forward gap
    }

    /// A range of local seconds over which `utcSeconds(local:)` is `local - offset`, containing
    /// `local`; empty when `local` falls in a gap or an overlap. Lets readers cache the conversion.
    func fixedOffsetWindow(local: Int64) -> (lower: Int64, upper: Int64, offset: Int64) {
        let utc = utcSeconds(local: local)
        let offset = Int64(offset(atUTC: utc))
        guard utc &+ offset == local else { return (local, local, offset) }
        let (start, end) = constantOffsetInterval(atUTC: utc)
        var lower = start == .min ? Int64.min : start &+ offset
        var upper = end == .max ? Int64.max : end &+ offset
        if start != .min {
            // The previous period's local times may overlap the start of this one (fall-back).
            lower = max(lower, start &+ Int64(self.offset(atUTC: start &- 1)))
        }
        if end != .max {
            upper = min(upper, end &+ Int64(self.offset(atUTC: end)))
        }
        guard lower <= local, local < upper else { return (local, local, offset) }
        return (lower, upper, offset)
    }

    /// The UTC interval [start, end) around `t` over which the offset does not change
    /// (`Int64.min`/`.max` for open ends). It may be shorter than the true one, never longer.
    func constantOffsetInterval(atUTC t: Int64) -> (start: Int64, end: Int64) {
        if let last = transitions.last, t < last {
            let index = transitionIndex(atOrBefore: t)
            return (index < 0 ? .min : transitions[index], transitions[index + 1])
        }
        let tableEnd = transitions.last ?? .min
        guard let rule, rule.daylight != nil else { return (tableEnd, .max) }
        let year = CivilTime.date(days: CivilTime.floorDiv(t &+ Int64(rule.standardOffset), 86_400)).year
        var start = tableEnd
        var end = Int64.max
        for y in (year - 1)...(year + 1) {
            guard let (a, b) = rule.changes(year: y) else { continue }
            for change in [a, b] {
                if change <= t { start = max(start, change) } else { end = min(end, change) }
            }
        }
        return (start, end)
    }

    /// Index of the last transition at or before `t`, or -1.
    private func transitionIndex(atOrBefore t: Int64) -> Int {
        var low = 0
        var high = transitions.count
        while low < high {
            let mid = (low + high) / 2
            if transitions[mid] <= t { low = mid + 1 } else { high = mid }
        }
        return low - 1
    }
}

/// A POSIX TZ rule (`std offset [dst [offset] [,start[/time],end[/time]]]`), as in the TZif footer.
struct PosixZoneRule: Sendable, Equatable {
    enum DateRule: Sendable, Equatable {
        /// `Jn`: day 1...365, February 29 never counted.
        case julianNoLeap(Int)
        /// `n`: day 0...365, February 29 counted.
        case zeroBasedDay(Int)
        /// `Mm.w.d`: weekday d (0 = Sunday) of week w (5 = last) of month m.
        case monthWeekDay(month: Int, week: Int, weekday: Int)
    }
    struct Daylight: Sendable, Equatable {
        var offset: Int32
        var start: DateRule
        var startTime: Int32
        var end: DateRule
        var endTime: Int32
    }

    /// Seconds east of UTC (POSIX writes them west, with the opposite sign).
    var standardOffset: Int32
    var daylight: Daylight?

    init?(_ text: String) {
        var p = Substring(text).utf8[...]
        guard PosixZoneRule.skipName(&p), let std = PosixZoneRule.parseOffset(&p) else { return nil }
        standardOffset = -std
        daylight = nil
        if p.isEmpty { return }
        guard PosixZoneRule.skipName(&p) else { return nil }
        var dstOffset = standardOffset + 3600
        if let first = p.first, first != UInt8(ascii: ",") {
            guard let value = PosixZoneRule.parseOffset(&p) else { return nil }
            dstOffset = -value
        }
        // Without explicit dates glibc uses the US rules.
        var start = DateRule.monthWeekDay(month: 3, week: 2, weekday: 0)
        var end = DateRule.monthWeekDay(month: 11, week: 1, weekday: 0)
        var startTime: Int32 = 7200
        var endTime: Int32 = 7200
        if !p.isEmpty {
            guard p.popFirst() == UInt8(ascii: ","), let s = PosixZoneRule.parseDate(&p) else { return nil }
            start = s
            if p.first == UInt8(ascii: "/") {
                p.removeFirst()
                guard let t = PosixZoneRule.parseOffset(&p) else { return nil }
                startTime = t
            }
            guard p.popFirst() == UInt8(ascii: ","), let e = PosixZoneRule.parseDate(&p) else { return nil }
            end = e
            if p.first == UInt8(ascii: "/") {
                p.removeFirst()
                guard let t = PosixZoneRule.parseOffset(&p) else { return nil }
                endTime = t
            }
            guard p.isEmpty else { return nil }
        }
        daylight = Daylight(offset: dstOffset, start: start, startTime: startTime, end: end, endTime: endTime)
    }

    /// The UTC instants at which daylight time starts and ends in `year`, or nil without DST.
    func changes(year: Int) -> (start: Int64, end: Int64)? {
        guard let d = daylight else { return nil }
        let startLocal = PosixZoneRule.day(d.start, year: year) * 86_400 + Int64(d.startTime)
        let endLocal = PosixZoneRule.day(d.end, year: year) * 86_400 + Int64(d.endTime)
        return (startLocal - Int64(standardOffset), endLocal - Int64(d.offset))
    }

    func offset(atUTC t: Int64) -> Int {
        guard let d = daylight else { return Int(standardOffset) }
        let year = CivilTime.date(days: CivilTime.floorDiv(t &+ Int64(standardOffset), 86_400)).year
        guard let (start, end) = changes(year: year) else { return Int(standardOffset) }
        let isDaylight = start < end ? (start <= t && t < end) : !(end <= t && t < start)
        return Int(isDaylight ? d.offset : standardOffset)
    }

    private static func day(_ rule: DateRule, year: Int) -> Int64 {
        let jan1 = CivilTime.days(year: year, month: 1, day: 1)
        switch rule {
        case .julianNoLeap(let n):
            let leapShift = (CivilTime.isLeapYear(year) && n >= 60) ? 1 : 0
            return jan1 + Int64(n - 1 + leapShift)
        case .zeroBasedDay(let n):
            return jan1 + Int64(n)
        case .monthWeekDay(let month, let week, let weekday):
            let first = CivilTime.days(year: year, month: month, day: 1)
            var day = first + Int64((weekday - CivilTime.weekday(days: first) + 7) % 7)
            day += Int64(7 * (week - 1))
            let limit = first + Int64(CivilTime.daysInMonth(year: year, month: month))
            while day >= limit { day -= 7 }
            return day
        }
    }

    private static func skipName(_ p: inout Substring.UTF8View.SubSequence) -> Bool {
        if p.first == UInt8(ascii: "<") {
            guard let close = p.firstIndex(of: UInt8(ascii: ">")) else { return false }
            let length = p.distance(from: p.startIndex, to: close) - 1
            p = p[p.index(after: close)...]
            return length >= 3
        }
        var count = 0
        while let c = p.first, (c | 0x20) >= UInt8(ascii: "a"), (c | 0x20) <= UInt8(ascii: "z") {
            p.removeFirst()
            count += 1
        }
        return count >= 3
    }

    /// `[+-]hh[:mm[:ss]]` as seconds (sign as written).
    private static func parseOffset(_ p: inout Substring.UTF8View.SubSequence) -> Int32? {
        var sign: Int32 = 1
        if p.first == UInt8(ascii: "+") {
            p.removeFirst()
        } else if p.first == UInt8(ascii: "-") {
            sign = -1
            p.removeFirst()
        }
        var total: Int32 = 0
        for (index, multiplier) in [Int32(3600), 60, 1].enumerated() {
            if index > 0 {
                guard p.first == UInt8(ascii: ":") else { break }
                p.removeFirst()
            }
            guard let value = parseNumber(&p, maxDigits: index == 0 ? 3 : 2) else { return nil }
            total += Int32(value) * multiplier
        }
        return sign * total
    }

    private static func parseDate(_ p: inout Substring.UTF8View.SubSequence) -> DateRule? {
        if p.first == UInt8(ascii: "J") {
            p.removeFirst()
            guard let n = parseNumber(&p, maxDigits: 3), (1...365).contains(n) else { return nil }
            return .julianNoLeap(n)
        }
        if p.first == UInt8(ascii: "M") {
            p.removeFirst()
            guard let m = parseNumber(&p, maxDigits: 2), p.popFirst() == UInt8(ascii: "."),
                let w = parseNumber(&p, maxDigits: 1), p.popFirst() == UInt8(ascii: "."),
                let d = parseNumber(&p, maxDigits: 1),
                (1...12).contains(m), (1...5).contains(w), (0...6).contains(d)
            else { return nil }
            return .monthWeekDay(month: m, week: w, weekday: d)
        }
        guard let n = parseNumber(&p, maxDigits: 3), (0...365).contains(n) else { return nil }
        return .zeroBasedDay(n)
    }

    private static func parseNumber(_ p: inout Substring.UTF8View.SubSequence, maxDigits: Int) -> Int? {
        var value = 0
        var digits = 0
        while digits < maxDigits, let c = p.first, c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
            value = value * 10 + Int(c - UInt8(ascii: "0"))
            digits += 1
            p.removeFirst()
        }
        return digits > 0 ? value : nil
    }
}

/// Reads RFC 8536 TZif files.
enum TZifParser {
    struct Parsed {
        var identifier = ""
        var transitions: [Int64] = []
        var offsets: [Int32] = []
        var initialOffset: Int32 = 0
        var rule: PosixZoneRule?
    }

    static func parse(_ bytes: [UInt8], path: String) throws(TimeZoneError) -> Parsed {
        func fail(_ reason: String) -> TimeZoneError { .unreadableZoneFile(path: path, reason: reason) }
        guard bytes.count >= 44, bytes[0] == 0x54, bytes[1] == 0x5A, bytes[2] == 0x69, bytes[3] == 0x66 else {
            throw fail("not a TZif file")
        }
        func be32(_ at: Int) -> Int64 {
            Int64(
                Int32(
                    bitPattern: UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16
                        | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
                )
            )
        }
        func be64(_ at: Int) -> Int64 { be32(at) << 32 | (be32(at + 4) & 0xFFFF_FFFF) }
        struct Counts { var isut, isstd, leap, time, type, char: Int }
        func counts(_ at: Int) -> Counts {
            Counts(
                isut: Int(be32(at + 20)),
                isstd: Int(be32(at + 24)),
                leap: Int(be32(at + 28)),
                time: Int(be32(at + 32)),
                type: Int(be32(at + 36)),
                char: Int(be32(at + 40))
            )
        }
        let version = bytes[4]
        var header = 0
        var timeSize = 4
        var c = counts(0)
        if version >= UInt8(ascii: "2") {
            // Skip the 32-bit block; the 64-bit block after the second header covers all instants.
            let v1Length = c.time * 4 + c.time + c.type * 6 + c.char + c.leap * 8 + c.isstd + c.isut
            header = 44 + v1Length
            guard bytes.count >= header + 44 else { throw fail("truncated") }
            c = counts(header)
            timeSize = 8
        }
        let dataLength = c.time * timeSize + c.time + c.type * 6 + c.char + c.leap * (timeSize + 4) + c.isstd + c.isut
        guard c.type >= 1, bytes.count >= header + 44 + dataLength else { throw fail("truncated") }
        var at = header + 44
        var parsed = Parsed()
        var typeIndexes: [Int] = []
        parsed.transitions.reserveCapacity(c.time)
        for i in 0..<c.time {
            parsed.transitions.append(timeSize == 8 ? be64(at + i * 8) : be32(at + i * 4))
        }
        at += c.time * timeSize
        for i in 0..<c.time { typeIndexes.append(Int(bytes[at + i])) }
        at += c.time
        var typeOffsets: [Int32] = []
        for i in 0..<c.type { typeOffsets.append(Int32(be32(at + i * 6))) }
        guard typeIndexes.allSatisfy({ $0 < c.type }) else { throw fail("bad local time type index") }
        parsed.offsets = typeIndexes.map { typeOffsets[$0] }
        parsed.initialOffset = typeOffsets[0]
        at = header + 44 + dataLength
        if timeSize == 8, at < bytes.count, bytes[at] == 0x0A,
            let close = bytes[(at + 1)...].firstIndex(of: 0x0A), close > at + 1
        {
            let footer = String(decoding: bytes[(at + 1)..<close], as: UTF8.self)
            parsed.rule = PosixZoneRule(footer)
        }
        return parsed
    }
}

/// `Europe/Berlin` for a symlink to `/usr/share/zoneinfo/Europe/Berlin`, else nil.
private func zoneNameOfLink(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let n = readlink(path, &buffer, buffer.count - 1)
    guard n > 0 else { return nil }
    let target = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    guard let range = target.firstRange(of: "zoneinfo/") else { return nil }
    let name = String(target[range.upperBound...])
    return name.isEmpty ? nil : name
}
