/// A time stamp found in a line.
public struct TimestampMatch: Sendable, Equatable {
    /// UTC seconds; a fraction of a second in the stamp is dropped, as fail2ban drops it.
    public var time: Int64
    /// Byte range of the date text in the line: what fail2ban cuts out before its regexes run.
    public var range: Range<Int>

    public init(time: Int64, range: Range<Int>) {
        self.time = time
        self.range = range
    }
}

/// Reads the time stamp at the start of log lines the way fail2ban 1.0.2's date detector does.
///
/// fail2ban tries a list of date templates (`server/datedetector.py`, `DEFAULT_TEMPLATES`), each a
/// regex built from strptime fields (`server/strptime.py`). This reader walks the same templates as
/// small backtracking programs over bytes (no regex), so what counts as the date text, and its
/// range, is what fail2ban's regex would pick, including its quirks (`Jan  5`, `%k` hours with a
/// leading space, a fraction or zone dropped when a word character follows it, and so on).
///
/// Supported templates, in fail2ban's order: ISO-like `2005-01-23T21:59:59.981746+01:00` /
/// `2005/01/23 21:59:59` / `2006.12.21 06:43:20` / `2005-01-23 21:59:59,388`; asctime
/// `Sun Jan 23 21:59:59.011 2005` (weekday, fraction and year optional, so syslog `Jan 23 21:59:59`);
/// `Jan 23 2005 21:59:59`; `23/01/2005 21:59:59`, `17-07-08 17:23:25`; `26-Jul-2007 15:20:52.252 +0200`,
/// `[31/Oct/2006:09:22:55 -0000]`; `05/20/2008:01:57:39`; `01-27-2012 16:22:44.252`;
/// `130322 11:46:11`; `Jan 23, 2005 9:59:59 PM`; `20050123T215959`; `21:59:59` alone (today);
/// `Apr-27-13 02:33:06`. Not supported (fail2ban has them): epoch seconds, TAI64N, `<09/16/08@05:03:30>`,
/// and a leading zone name or offset before an asctime stamp (`PDT Apr 16 21:05:29`).
///
/// Speed: the common shapes (Asterisk `[2024-01-15 10:23:45]`, syslog `Jan  5 10:23:45`, RFC 3339,
/// fail2ban.log) are read directly on bytes (`CommonStampShapes`), and a line that starts with the
/// bytes that decided the previous such answer reuses it (`StampMemo`); TimestampFastPathTests
/// holds both to the template programs' answers.
///
/// Differences from fail2ban, all at the edges: bytes ≥ 0x80 count as word characters (fail2ban
/// decodes UTF-8 and asks Unicode); four-digit years are accepted from 2000 to 2099 (fail2ban's
/// `%ExY` accepts 2000 up to the decade of "now + 3 years", i.e. 2000–2029 until 2027); fail2ban
/// first retries the template that matched the previous line, which can only change the result when
/// two templates match the same line differently (none of the supported ones do at line start).
public struct TimestampReader {
    /// Where the date may sit, i.e. which fail2ban `datepattern` is emulated.
    public enum Anchor: Sendable {
        /// `datepattern = {^LN-BEG}` (asterisk, sshd with `logtype = file`): the default templates
        /// at the start of the line, after at most two non-word characters such as `[` or spaces.
        case lineBegin
        /// `datepattern = ^{DATE}` (recidive, reading fail2ban.log): at the very first byte.
        case lineStart
        /// `datepattern = ^<\d+>\d+\s+{DATE}` (sshd `logtype = rfc5424`). The cut-out text then
        /// includes the `<38>1 ` header, as in fail2ban.
        case rfc5424
    }

    public let zone: TimeZoneRules
    /// UTC seconds used to complete year-less stamps.
    public let reference: Int64
    public let anchor: Anchor
    /// `reference` as local seconds in `zone` (fail2ban's `MyTime.now()`, a naive local datetime).
    private let referenceLocal: Int64
    private let referenceYear: Int
    private let referenceMonth: Int
    private let referenceDay: Int
    private let templates: [DateTemplate]
    /// The last answer of the fast path, reused while lines start with the same bytes.
    private var memo = StampMemo()
    // The last civil day converted: (year << 9 | month << 5 | day) and its day number.
    private var cachedDayKey = -1
    private var cachedDayNumber: Int64 = 0
    // Local seconds in [cacheLower, cacheUpper) convert with one fixed offset.
    private var cacheLower: Int64 = 1
    private var cacheUpper: Int64 = 0
    private var cacheOffset: Int64 = 0
    /// The offset of the last zone-less conversion: glibc's mktime reuses it to settle an
    /// ambiguous local time, so fail2ban's answer depends on the line before.
    private var lastOffset: Int64?
    /// Whether a conversion settled an ambiguous or skipped local time before any conversion had
    /// set `lastOffset`: a reader that starts mid-file may then read it otherwise than one that
    /// read the file from its start (`PipelinedSSHDScan` reads such a piece again).
    private(set) var settledWithoutContext = false

    /// `lastOffset`, for a reader that continues where another one stopped.
    var offsetContext: Int64? {
        get { lastOffset }
        set { lastOffset = newValue }
    }

    /// reference: UTC seconds used to complete year-less stamps (file mtime or --now).
    public init(zone: TimeZoneRules, reference: Int64) {
        self.init(zone: zone, reference: reference, anchor: .lineBegin)
    }

    /// A reader for one of fail2ban's date anchorings (see `Anchor`).
    public init(zone: TimeZoneRules, reference: Int64, anchor: Anchor) {
        self.zone = zone
        self.reference = reference
        self.anchor = anchor
        referenceLocal = reference &+ Int64(zone.offset(atUTC: reference))
        let today = CivilTime.date(days: CivilTime.floorDiv(referenceLocal, CivilTime.secondsPerDay))
        (referenceYear, referenceMonth, referenceDay) = (today.year, today.month, today.day)
        templates = anchor == .lineBegin ? DateTemplate.lineBeginOrder : DateTemplate.lineStartOrder
    }

    /// Finds and reads the time stamp at the start of a line, the way fail2ban's `datepattern = {^LN-BEG}` default templates do.
    ///
    /// Returns nil when no template matches, and also when one matches but the date does not exist
    /// (`Feb 30`, hour 25, `Feb 29` that must go to a non-leap year); `locate` tells these apart.
    public mutating func read(_ line: UnsafeRawBufferPointer) -> TimestampMatch? {
        guard let found = locate(line), let time = found.time else { return nil }
        return TimestampMatch(time: time, range: found.range)
    }

    /// The date text fail2ban would cut out of the line, and its time when the date is valid.
    ///
    /// fail2ban cuts the text out even when it then fails to read a date from it (it logs
    /// "findFailure failed to parse timeText" and uses the previous line's time, if recent).
    ///
    /// Common shapes (Asterisk, syslog, RFC 3339, fail2ban.log) are read directly, and a line that
    /// starts with the same deciding bytes as the previous such line (or differs from them only
    /// in the seconds) reuses its answer; every other line runs fail2ban's templates in order.
    /// The answers are the same either way.
    @inline(__always)
    public mutating func locate(_ line: UnsafeRawBufferPointer) -> (range: Range<Int>, time: Int64?)? {
        // The memo's answer in line (most lines), the rest in a call.
        guard memo.lookUp(line) else { return locateAfresh(line) }
        let range = memo.rangeStart..<memo.rangeEnd
        guard memo.valid else { return (range, nil) }
        return (range, memo.zoned ? memo.seconds : utc(local: memo.seconds))
    }

    /// `locate`'s answer when the memo gives it and the stamp opens the line (the stamp's end
    /// and time); nil otherwise, with no effect on the reader.
    @inline(__always)
    mutating func rememberedStamp(_ line: UnsafeRawBufferPointer) -> (end: Int, time: Int64?)? {
        guard memo.lookUp(line), memo.rangeStart == 0 else { return nil }
        guard memo.valid else { return (memo.rangeEnd, nil) }
        return (memo.rangeEnd, memo.zoned ? memo.seconds : utc(local: memo.seconds))
    }

    /// `locate` for a line the memo does not answer.
    @inline(never)
    private mutating func locateAfresh(_ line: UnsafeRawBufferPointer) -> (range: Range<Int>, time: Int64?)? {
        if let found = locateCommonShape(line) { return found }
        return locateGeneric(line)
    }

    /// Whether `locate` would answer this line from its memo (for tests).
    func memoMatches(_ line: UnsafeRawBufferPointer) -> Bool {
        memo.wouldLookUp(line)
    }

    /// The fast path alone: the answer for a common stamp shape, or nil when the line must go to
    /// `locateGeneric` (which then may still find a stamp). Remembers what it found.
    mutating func locateCommonShape(_ line: UnsafeRawBufferPointer) -> (range: Range<Int>, time: Int64?)? {
        let start: Int
        switch anchor {
        case .lineBegin:
            var skippable = 0
            while skippable < 2, skippable < line.count, !isWordByte(line[skippable]) { skippable &+= 1 }
            start = skippable
        case .lineStart:
            start = 0
        case .rfc5424:
            guard let s = rfc5424HeaderEnd(line) else { return nil }
            start = s
        }
        guard let stamp = CommonStampShapes.recognize(line, at: start) else { return nil }
        let range = (anchor == .lineBegin ? start : 0)..<stamp.end
        let naive = naiveSeconds(stamp.fields)
        let zoned = stamp.fields.zoneMinutes != DateFields.noZone
        memo.remember(
            line, decidedBy: stamp.decidedBy, range: range, seconds: naive, zoned: zoned,
            secondAt: naive != nil && yearHoldsForMinute(stamp.fields) ? stamp.secondAt : nil,
            second: stamp.fields.second)
        guard let naive else { return (range, nil) }
        return (range, zoned ? naive : utc(local: naive))
    }

    /// fail2ban's templates run in order as backtracking programs: the reference answer for every
    /// line, and what `locate` does for the shapes the fast path leaves alone.
    mutating func locateGeneric(_ line: UnsafeRawBufferPointer) -> (range: Range<Int>, time: Int64?)? {
        var start = 0
        var skippable = 0
        switch anchor {
        case .lineBegin:
            while skippable < 2, skippable < line.count, !isWordByte(line[skippable]) { skippable += 1 }
        case .lineStart:
            break
        case .rfc5424:
            guard let s = rfc5424HeaderEnd(line) else { return nil }
            start = s
        }
        for template in templates {
            // fail2ban's own `^…` templates cannot match after the RFC 5424 header.
            if anchor == .rfc5424, !template.allowsLeadingNonWord { continue }
            let prefixes = (anchor == .lineBegin && template.allowsLeadingNonWord) ? skippable : 0
            var prefix = prefixes
            while prefix >= 0 {
                let matcher = DateMatcher(line: line, nodes: template.nodes)
                if let (end, fields) = matcher.run(0, start + prefix, DateFields()) {
                    let groupStart = anchor == .lineBegin ? prefix : 0
                    return (groupStart..<end, resolve(fields))
                }
                prefix -= 1
            }
        }
        return nil
    }

    /// End of `<\d+>\d+\s+`, or nil.
    private func rfc5424HeaderEnd(_ line: UnsafeRawBufferPointer) -> Int? {
        var i = 0
        guard i < line.count, line[i] == UInt8(ascii: "<") else { return nil }
        i += 1
        let priority = i
        while i < line.count, isDigitByte(line[i]) { i += 1 }
        guard i > priority, i < line.count, line[i] == UInt8(ascii: ">") else { return nil }
        i += 1
        let version = i
        while i < line.count, isDigitByte(line[i]) { i += 1 }
        let spaces = i
        guard i > version else { return nil }
        while i < line.count, isSpaceByte(line[i]) { i += 1 }
        return i > spaces ? i : nil
    }

    /// fail2ban's `reGroupDictStrptime`: complete and validate the fields, then convert to UTC.
    private mutating func resolve(_ f: DateFields) -> Int64? {
        guard let naive = naiveSeconds(f) else { return nil }
        return f.zoneMinutes == DateFields.noZone ? utc(local: naive) : naive
    }

    /// Whether every second of the minute of `f` gets the year `f` got: the stamp names its
    /// year, or its minute in the reference year lies wholly on one side of the line past which
    /// a year-less stamp falls back a year ("more than a day ahead of the reference").
    private mutating func yearHoldsForMinute(_ f: DateFields) -> Bool {
        guard f.year < 0, f.shortYear < 0 else { return true }
        guard f.month >= 0, f.hour12 < 0, f.day <= CivilTime.daysInMonth(year: referenceYear, month: f.month) else {
            return false
        }
        let zoneShift = f.zoneMinutes == DateFields.noZone ? 0 : Int64(f.zoneMinutes) * 60
        let minuteStart =
            dayNumber(year: referenceYear, month: f.month, day: f.day) * CivilTime.secondsPerDay
            + Int64(f.hour * 3600 + f.minute * 60) - zoneShift
        let line = referenceLocal + CivilTime.secondsPerDay
        return minuteStart > line || minuteStart + 59 <= line
    }

    /// The date's seconds before any zone conversion: UTC when the stamp has a zone, local
    /// otherwise; nil when the date does not exist. Depends on the fields and the reference only.
    private mutating func naiveSeconds(_ f: DateFields) -> Int64? {
        var assumeYear = false
        var assumeToday = false
        var year: Int
        if f.year >= 0 {
            year = f.year
        } else if f.shortYear >= 0 {
            year = f.shortYear + 2000  // fail2ban: two-digit years are always 20xx
        } else {
            year = referenceYear
            assumeYear = true
        }
        var month = f.month
        var day = f.day
        if month < 0 {
            (month, day) = (referenceMonth, referenceDay)
            assumeToday = true
        }
        var hour = f.hour
        if f.hour12 >= 0 {
            // strptime's %I with %p: 12 AM is 0h, 12 PM is 12h; no %p means AM.
            hour = f.hour12 == 12 ? 0 : f.hour12
            if f.isPM { hour += 12 }
        }
        // datetime() refuses these; fail2ban then has no date for the line.
        guard (1...12).contains(month), day >= 1, day <= CivilTime.daysInMonth(year: year, month: month),
            hour <= 23, f.minute <= 59, f.second <= 59
        else { return nil }
        let zoneShift = f.zoneMinutes == DateFields.noZone ? 0 : Int64(f.zoneMinutes) * 60
        let secondOfDay = Int64(hour * 3600 + f.minute * 60 + f.second)
        var naive = dayNumber(year: year, month: month, day: day) * CivilTime.secondsPerDay + secondOfDay - zoneShift
        if assumeToday, naive > referenceLocal {
            naive -= CivilTime.secondsPerDay  // a time after "now" today was yesterday
        }
        if assumeYear, naive > referenceLocal + CivilTime.secondsPerDay {
            // More than a day ahead of the reference: last year (and Feb 29 may not exist there).
            year -= 1
            guard day <= CivilTime.daysInMonth(year: year, month: month) else { return nil }
            naive = dayNumber(year: year, month: month, day: day) * CivilTime.secondsPerDay + secondOfDay - zoneShift
        }
        return naive
    }

    /// Days since 1970 of a valid civil date, remembered for the last day asked (lines of one day
    /// come together).
    @inline(__always)
    private mutating func dayNumber(year: Int, month: Int, day: Int) -> Int64 {
        let key = year << 9 | month << 5 | day
        if key == cachedDayKey { return cachedDayNumber }
        cachedDayNumber = CivilTime.days(year: year, month: month, day: day)
        cachedDayKey = key
        return cachedDayNumber
    }

    /// Local seconds → UTC through a cached fixed-offset window (consecutive lines share it).
    @inline(__always)
    private mutating func utc(local: Int64) -> Int64 {
        if local >= cacheLower, local < cacheUpper {
            lastOffset = cacheOffset
            return local &- cacheOffset
        }
        return utcOutsideTheWindow(local: local)
    }

    @inline(never)
    private mutating func utcOutsideTheWindow(local: Int64) -> Int64 {
        let window = zone.fixedOffsetWindow(local: local)
        if window.lower < window.upper {
            (cacheLower, cacheUpper, cacheOffset) = window
            lastOffset = window.offset
            return local &- window.offset
        }
        if lastOffset == nil { settledWithoutContext = true }
        let utc = zone.utcSeconds(local: local, preferringOffset: lastOffset)
        lastOffset = local &- utc
        return utc
    }
}

// MARK: - Template programs

/// Fields captured by a template (fail2ban's regex group dict); -1 means absent.
struct DateFields {
    static let noZone = Int.min
    var year = -1
    var shortYear = -1
    var month = -1
    var day = -1
    var hour = 0
    var hour12 = -1
    var isPM = false
    var minute = 0
    var second = 0
    /// Offset east of UTC in minutes (fail2ban's `zone2offset`), or `noZone`.
    var zoneMinutes = DateFields.noZone
    /// The byte matched by `(?P<_sep>…)`, for the back-reference.
    var separator: UInt8 = 0
}

/// The numeric strptime fields with fail2ban's regexes (strptime.py `timeRE`).
enum NumberField: Sendable {
    case day  // %d  [1-2]\d|[0 ]?[1-9]|3[0-1]
    case month  // %m  0?[1-9]|1[0-2]
    case hour  // %H  [0-1]?\d|2[0-3]
    case spacedHour  // %k   ?[0-2]?\d
    case minute  // %M  [0-5]?\d
    case second  // %S  [0-5]?\d|6[0-1]
    case year4  // %ExY 20\d\d (see TimestampReader's notes)
    case shortYear  // %Exy \d{2}
    case exactMonth  // %Exm 0[1-9]|1[0-2]
    case exactDay  // %Exd [1-2]\d|0[1-9]|3[0-1]
    case exactHour  // %ExH [0-1]\d|2[0-3]
    case exactMinute  // %ExM [0-5]\d
    case exactSecond  // %ExS [0-5]\d|6[0-1]
    case hour12  // %I  1[0-2]|0[1-9]|[1-9]
}

enum DateNode: Sendable {
    case number(NumberField)
    /// `(?:%ExY|%Exy)`
    case yearOrShortYear
    case literal(UInt8)
    /// `(?P<_sep>[-/.])` (`withDot`) or `(?P<_sep>[-/])`
    case defineSeparator(withDot: Bool)
    /// `(?P=_sep)`
    case repeatSeparator
    /// `(?:T|  ?)`
    case dateTimeSeparator
    /// `[.,]`
    case fractionMark
    /// `[0-9]{1,6}` (value dropped)
    case fraction
    /// `\s*`
    case spaces
    /// `[ :]?`
    case optionalSpaceOrColon
    /// ` ?`
    case optionalSpace
    /// `%z`: `Z|UTC|GMT|[+-][01]\d(?::?\d{2})?`
    case zone(caseInsensitive: Bool)
    /// `%b` (English abbreviations, any case)
    case monthName
    /// `%a`
    case weekdayName
    /// `%p`
    case amPm
    /// Start of a `(?:…)?` group; `skip` is the index of the node after the group.
    case optional(skip: Int)
    /// `(?=\b|\W|$)`, always the last node.
    case wordEnd
}

struct DateTemplate: Sendable {
    var nodes: [DateNode]
    /// Whether `{^LN-BEG}` applies (`^(?:\W{0,2})?` before the date); false for fail2ban's own `^…` templates.
    var allowsLeadingNonWord: Bool

    init(_ nodes: [DateNode], allowsLeadingNonWord: Bool = true) {
        self.nodes = nodes
        self.allowsLeadingNonWord = allowsLeadingNonWord
    }

    private static let c = UInt8(ascii: ":")
    private static let sp = UInt8(ascii: " ")

    /// `%ExY(?P<_sep>[-/.])%m(?P=_sep)%d(?:T|  ?)%H:%M:%S(?:[.,]%f)?(?:\s*%z)?`
    static let iso = DateTemplate([
        .number(.year4), .defineSeparator(withDot: true), .number(.month), .repeatSeparator, .number(.day),
        .dateTimeSeparator, .number(.hour), .literal(c), .number(.minute), .literal(c), .number(.second),
        .optional(skip: 14), .fractionMark, .fraction,
        .optional(skip: 17), .spaces, .zone(caseInsensitive: false),
        .wordEnd,
    ])
    /// `(?:%a )?%b %d %k:%M:%S(?:\.%f)?(?: %ExY)?`
    static let asctime = DateTemplate([
        .optional(skip: 3), .weekdayName, .literal(sp),
        .monthName, .literal(sp), .number(.day), .literal(sp), .number(.spacedHour), .literal(c),
        .number(.minute), .literal(c), .number(.second),
        .optional(skip: 15), .literal(UInt8(ascii: ".")), .fraction,
        .optional(skip: 18), .literal(sp), .number(.year4),
        .wordEnd,
    ])
    /// `(?:%a )?%b %d %ExY %k:%M:%S(?:\.%f)?`
    static let asctimeYearFirst = DateTemplate([
        .optional(skip: 3), .weekdayName, .literal(sp),
        .monthName, .literal(sp), .number(.day), .literal(sp), .number(.year4), .literal(sp),
        .number(.spacedHour), .literal(c), .number(.minute), .literal(c), .number(.second),
        .optional(skip: 17), .literal(UInt8(ascii: ".")), .fraction,
        .wordEnd,
    ])
    /// `%d(?P<_sep>[-/])%m(?P=_sep)(?:%ExY|%Exy) %k:%M:%S`
    static let dayMonthYear = DateTemplate([
        .number(.day), .defineSeparator(withDot: false), .number(.month), .repeatSeparator, .yearOrShortYear,
        .literal(sp), .number(.spacedHour), .literal(c), .number(.minute), .literal(c), .number(.second),
        .wordEnd,
    ])
    /// `%d(?P<_sep>[-/])%b(?P=_sep)%ExY[ :]?%H:%M:%S(?:\.%f)?(?: %z)?`
    static let apache = DateTemplate([
        .number(.day), .defineSeparator(withDot: false), .monthName, .repeatSeparator, .number(.year4),
        .optionalSpaceOrColon, .number(.hour), .literal(c), .number(.minute), .literal(c), .number(.second),
        .optional(skip: 14), .literal(UInt8(ascii: ".")), .fraction,
        .optional(skip: 17), .literal(sp), .zone(caseInsensitive: true),
        .wordEnd,
    ])
    /// `%m/%d/%ExY:%H:%M:%S`
    static let cpanel = DateTemplate([
        .number(.month), .literal(UInt8(ascii: "/")), .number(.day), .literal(UInt8(ascii: "/")),
        .number(.year4), .literal(c), .number(.hour), .literal(c), .number(.minute), .literal(c),
        .number(.second), .wordEnd,
    ])
    /// `%m-%d-%ExY %k:%M:%S(?:\.%f)?`
    static let monthDayYear = DateTemplate([
        .number(.month), .literal(UInt8(ascii: "-")), .number(.day), .literal(UInt8(ascii: "-")),
        .number(.year4), .literal(sp), .number(.spacedHour), .literal(c), .number(.minute), .literal(c),
        .number(.second), .optional(skip: 14), .literal(UInt8(ascii: ".")), .fraction,
        .wordEnd,
    ])
    /// `{^LN-BEG}%H:%M:%S` (or `^%H:%M:%S`): time of day only, date assumed today.
    static let timeOnly = DateTemplate([
        .number(.hour), .literal(c), .number(.minute), .literal(c), .number(.second), .wordEnd,
    ])
    /// `%Exy%Exm%Exd  ?%H:%M:%S` (MySQL)
    static let mysql = DateTemplate([
        .number(.shortYear), .number(.exactMonth), .number(.exactDay), .literal(sp), .optionalSpace,
        .number(.hour), .literal(c), .number(.minute), .literal(c), .number(.second), .wordEnd,
    ])
    /// `%b %d, %ExY %I:%M:%S %p` (Apache Tomcat)
    static let tomcat = DateTemplate([
        .monthName, .literal(sp), .number(.day), .literal(UInt8(ascii: ",")), .literal(sp), .number(.year4),
        .literal(sp), .number(.hour12), .literal(c), .number(.minute), .literal(c), .number(.second),
        .literal(sp), .amPm, .wordEnd,
    ])
    /// `^%b-%d-%Exy %k:%M:%S` (ASSP), anchored at the very first byte.
    static let assp = DateTemplate(
        [
            .monthName, .literal(UInt8(ascii: "-")), .number(.day), .literal(UInt8(ascii: "-")),
            .number(.shortYear), .literal(sp), .number(.spacedHour), .literal(c), .number(.minute), .literal(c),
            .number(.second), .wordEnd,
        ],
        allowsLeadingNonWord: false
    )
    /// `%ExY%Exm%Exd(?:T|  ?)%ExH%ExM%ExS(?:[.,]%f)?(?:\s*%z)?`
    static let compactIso = DateTemplate([
        .number(.year4), .number(.exactMonth), .number(.exactDay), .dateTimeSeparator, .number(.exactHour),
        .number(.exactMinute), .number(.exactSecond),
        .optional(skip: 10), .fractionMark, .fraction,
        .optional(skip: 13), .spaces, .zone(caseInsensitive: false),
        .wordEnd,
    ])

    /// `{^LN-BEG}`: fail2ban lists the line-begin-anchored copies of the default templates first
    /// (in DEFAULT_TEMPLATES order), then the templates that were anchored already.
    static let lineBeginOrder: [DateTemplate] = [
        iso, asctime, asctimeYearFirst, dayMonthYear, apache, cpanel, monthDayYear, mysql, tomcat, compactIso,
        timeOnly, assp,
    ]
    /// `^{DATE}` and `^<\d+>\d+\s+{DATE}`: DEFAULT_TEMPLATES order, each anchored at the start.
    static let lineStartOrder: [DateTemplate] = [
        iso, asctime, asctimeYearFirst, dayMonthYear, apache, cpanel, monthDayYear, timeOnly, mysql, tomcat,
        assp, compactIso,
    ]
}

@inline(__always) func isDigitByte(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }
/// Regex `\w` on bytes: ASCII letters, digits, `_`, and (approximation) every non-ASCII byte.
@inline(__always) func isWordByte(_ b: UInt8) -> Bool {
    isDigitByte(b) || (b | 0x20) &- UInt8(ascii: "a") < 26 || b == UInt8(ascii: "_") || b >= 0x80
}
/// Regex `\s` on ASCII (Python also counts \x1c–\x1f).
@inline(__always) func isSpaceByte(_ b: UInt8) -> Bool {
    b == 0x20 || (b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x1F)
}

/// Up to four (length, value) alternatives for a field, in the order the regex tries them.
struct Choices {
    var count = 0
    private var storage: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)

    mutating func add(_ length: Int, _ value: Int) {
        switch count {
        case 0:
            storage.0 = length
            storage.1 = value
        case 1:
            storage.2 = length
            storage.3 = value
        case 2:
            storage.4 = length
            storage.5 = value
        default:
            storage.6 = length
            storage.7 = value
        }
        count += 1
    }

    subscript(i: Int) -> (length: Int, value: Int) {
        switch i {
        case 0: return (storage.0, storage.1)
        case 1: return (storage.2, storage.3)
        case 2: return (storage.4, storage.5)
        default: return (storage.6, storage.7)
        }
    }
}

/// A backtracking run of one template over a line. Recursion depth is bounded by the node count.
struct DateMatcher {
    let line: UnsafeRawBufferPointer
    let nodes: [DateNode]

    /// The byte at `i`, or 0 past the end (0 is no digit, letter or space, and is `\W` like `$`).
    @inline(__always) func byte(_ i: Int) -> UInt8 { i < line.count ? line[i] : 0 }

    @inline(__always) func digit(_ i: Int) -> Int? {
        let b = byte(i)
        return isDigitByte(b) ? Int(b &- UInt8(ascii: "0")) : nil
    }

    /// Matches nodes[i...] at pos; returns the end of the date and the captured fields.
    func run(_ i: Int, _ pos: Int, _ fields: DateFields) -> (Int, DateFields)? {
        switch nodes[i] {
        case .wordEnd:
            let next = byte(pos)
            if pos >= line.count || !isWordByte(next) { return (pos, fields) }
            // \b before a word character: only if the previous one is not a word character.
            if pos > 0, !isWordByte(line[pos - 1]) { return (pos, fields) }
            return nil
        case .optional(let skip):
            if let r = run(i + 1, pos, fields) { return r }
            return run(skip, pos, fields)
        case .literal(let b):
            return byte(pos) == b ? run(i + 1, pos + 1, fields) : nil
        case .defineSeparator(let withDot):
            let b = byte(pos)
            guard b == UInt8(ascii: "-") || b == UInt8(ascii: "/") || (withDot && b == UInt8(ascii: ".")) else {
                return nil
            }
            var f = fields
            f.separator = b
            return run(i + 1, pos + 1, f)
        case .repeatSeparator:
            return byte(pos) == fields.separator ? run(i + 1, pos + 1, fields) : nil
        case .dateTimeSeparator:
            if byte(pos) == UInt8(ascii: "T") { return run(i + 1, pos + 1, fields) }
            guard byte(pos) == 0x20 else { return nil }
            if byte(pos + 1) == 0x20, let r = run(i + 1, pos + 2, fields) { return r }
            return run(i + 1, pos + 1, fields)
        case .fractionMark:
            let b = byte(pos)
            return (b == UInt8(ascii: ".") || b == UInt8(ascii: ",")) ? run(i + 1, pos + 1, fields) : nil
        case .fraction:
            var n = 0
            while n < 6, isDigitByte(byte(pos + n)) { n += 1 }
            while n >= 1 {
                if let r = run(i + 1, pos + n, fields) { return r }
                n -= 1
            }
            return nil
        case .spaces:
            var n = 0
            while pos + n < line.count, isSpaceByte(line[pos + n]) { n += 1 }
            while n >= 0 {
                if let r = run(i + 1, pos + n, fields) { return r }
                n -= 1
            }
            return nil
        case .optionalSpaceOrColon:
            let b = byte(pos)
            if b == 0x20 || b == UInt8(ascii: ":"), let r = run(i + 1, pos + 1, fields) { return r }
            return run(i + 1, pos, fields)
        case .optionalSpace:
            if byte(pos) == 0x20, let r = run(i + 1, pos + 1, fields) { return r }
            return run(i + 1, pos, fields)
        case .zone(let caseInsensitive):
            return zone(i, pos, fields, caseInsensitive: caseInsensitive)
        case .monthName:
            guard let month = DateMatcher.monthIndex(byte(pos), byte(pos + 1), byte(pos + 2)) else { return nil }
            var f = fields
            f.month = month
            return run(i + 1, pos + 3, f)
        case .weekdayName:
            guard DateMatcher.isWeekday(byte(pos), byte(pos + 1), byte(pos + 2)) else { return nil }
            return run(i + 1, pos + 3, fields)
        case .amPm:
            let a = byte(pos) | 0x20
            guard a == UInt8(ascii: "a") || a == UInt8(ascii: "p"), byte(pos + 1) | 0x20 == UInt8(ascii: "m") else {
                return nil
            }
            var f = fields
            f.isPM = a == UInt8(ascii: "p")
            return run(i + 1, pos + 2, f)
        case .yearOrShortYear:
            if let r = number(.year4, i, pos, fields) { return r }
            return number(.shortYear, i, pos, fields)
        case .number(let field):
            return number(field, i, pos, fields)
        }
    }

    private func number(_ field: NumberField, _ i: Int, _ pos: Int, _ fields: DateFields) -> (Int, DateFields)? {
        let choices = numberChoices(field, pos)
        var k = 0
        while k < choices.count {
            let (length, value) = choices[k]
            var f = fields
            switch field {
            case .day, .exactDay: f.day = value
            case .month, .exactMonth: f.month = value
            case .hour, .spacedHour, .exactHour: f.hour = value
            case .minute, .exactMinute: f.minute = value
            case .second, .exactSecond: f.second = value
            case .year4: f.year = value
            case .shortYear: f.shortYear = value
            case .hour12: f.hour12 = value
            }
            if let r = run(i + 1, pos + length, f) { return r }
            k += 1
        }
        return nil
    }

    /// The alternatives of each field regex, in the regex engine's order (alternation left to
    /// right, optional characters tried present first).
    private func numberChoices(_ field: NumberField, _ pos: Int) -> Choices {
        var out = Choices()
        let d0 = digit(pos)
        let d1 = digit(pos + 1)
        func two(_ a: Int, _ b: Int) -> Int { a * 10 + b }
        switch field {
        case .day:  // [1-2]\d | [0 ]?[1-9] | 3[0-1]
            if let a = d0, (1...2).contains(a), let b = d1 { out.add(2, two(a, b)) }
            let b0 = byte(pos)
            if b0 == UInt8(ascii: "0") || b0 == 0x20, let b = d1, b >= 1 { out.add(2, b) }
            if let a = d0, a >= 1 { out.add(1, a) }
            if d0 == 3, let b = d1, b <= 1 { out.add(2, 30 + b) }
        case .month:  // 0?[1-9] | 1[0-2]
            if d0 == 0, let b = d1, b >= 1 { out.add(2, b) }
            if let a = d0, a >= 1 { out.add(1, a) }
            if d0 == 1, let b = d1, b <= 2 { out.add(2, 10 + b) }
        case .hour:  // [0-1]?\d | 2[0-3]
            if let a = d0, a <= 1, let b = d1 { out.add(2, two(a, b)) }
            if let a = d0 { out.add(1, a) }
            if d0 == 2, let b = d1, b <= 3 { out.add(2, 20 + b) }
        case .spacedHour:  //  ?[0-2]?\d
            if byte(pos) == 0x20 {
                if let a = digit(pos + 1), a <= 2, let b = digit(pos + 2) { out.add(3, two(a, b)) }
                if let a = digit(pos + 1) { out.add(2, a) }
            }
            if let a = d0, a <= 2, let b = d1 { out.add(2, two(a, b)) }
            if let a = d0 { out.add(1, a) }
        case .minute:  // [0-5]?\d
            if let a = d0, a <= 5, let b = d1 { out.add(2, two(a, b)) }
            if let a = d0 { out.add(1, a) }
        case .second:  // [0-5]?\d | 6[0-1]
            if let a = d0, a <= 5, let b = d1 { out.add(2, two(a, b)) }
            if let a = d0 { out.add(1, a) }
            if d0 == 6, let b = d1, b <= 1 { out.add(2, 60 + b) }
        case .year4:  // 20\d\d
            if d0 == 2, d1 == 0, let c = digit(pos + 2), let d = digit(pos + 3) { out.add(4, 2000 + two(c, d)) }
        case .shortYear:  // \d{2}
            if let a = d0, let b = d1 { out.add(2, two(a, b)) }
        case .exactMonth:  // 0[1-9] | 1[0-2]
            if let a = d0, let b = d1, (a == 0 && b >= 1) || (a == 1 && b <= 2) { out.add(2, two(a, b)) }
        case .exactDay:  // [1-2]\d | 0[1-9] | 3[0-1]
            if let a = d0, let b = d1, (1...2).contains(a) || (a == 0 && b >= 1) || (a == 3 && b <= 1) {
                out.add(2, two(a, b))
            }
        case .exactHour:  // [0-1]\d | 2[0-3]
            if let a = d0, let b = d1, a <= 1 || (a == 2 && b <= 3) { out.add(2, two(a, b)) }
        case .exactMinute:  // [0-5]\d
            if let a = d0, a <= 5, let b = d1 { out.add(2, two(a, b)) }
        case .exactSecond:  // [0-5]\d | 6[0-1]
            if let a = d0, let b = d1, a <= 5 || (a == 6 && b <= 1) { out.add(2, two(a, b)) }
        case .hour12:  // 1[0-2] | 0[1-9] | [1-9]
            if d0 == 1, let b = d1, b <= 2 { out.add(2, 10 + b) }
            if d0 == 0, let b = d1, b >= 1 { out.add(2, b) }
            if let a = d0, a >= 1 { out.add(1, a) }
        }
        return out
    }

    /// `%z`: `Z|UTC|GMT|[+-][01]\d(?::?\d{2})?`; minutes east as fail2ban's `zone2offset` computes them.
    private func zone(_ i: Int, _ pos: Int, _ fields: DateFields, caseInsensitive: Bool) -> (Int, DateFields)? {
        let fold: UInt8 = caseInsensitive ? 0x20 : 0
        func isLetter(_ at: Int, _ upper: Character) -> Bool {
            let b = byte(at)
            let u = UInt8(ascii: upper.unicodeScalars.first!)
            return b == u || (fold != 0 && b == u | fold)
        }
        var f = fields
        f.zoneMinutes = 0
        if isLetter(pos, "Z") { return run(i + 1, pos + 1, f) }
        if isLetter(pos, "U"), isLetter(pos + 1, "T"), isLetter(pos + 2, "C") { return run(i + 1, pos + 3, f) }
        if isLetter(pos, "G"), isLetter(pos + 1, "M"), isLetter(pos + 2, "T") { return run(i + 1, pos + 3, f) }
        let sign = byte(pos)
        guard sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"), let h0 = digit(pos + 1), h0 <= 1,
            let h1 = digit(pos + 2)
        else { return nil }
        let hours = h0 * 10 + h1
        let negative = sign == UInt8(ascii: "-")
        func withMinutes(_ at: Int) -> Int? {
            guard let m0 = digit(at), let m1 = digit(at + 1) else { return nil }
            let total = hours * 60 + m0 * 10 + m1
            return negative ? -total : total
        }
        if byte(pos + 3) == UInt8(ascii: ":"), let minutes = withMinutes(pos + 4) {
            f.zoneMinutes = minutes
            if let r = run(i + 1, pos + 6, f) { return r }
        }
        if let minutes = withMinutes(pos + 3) {
            f.zoneMinutes = minutes
            if let r = run(i + 1, pos + 5, f) { return r }
        }
        f.zoneMinutes = negative ? -hours * 60 : hours * 60
        return run(i + 1, pos + 3, f)
    }

    /// Month 1...12 of an English three-letter abbreviation in any case.
    static func monthIndex(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int? {
        let key = (UInt32(a | 0x20) << 16) | (UInt32(b | 0x20) << 8) | UInt32(c | 0x20)
        switch key {
        case 0x6A_616E: return 1  // jan
        case 0x66_6562: return 2  // feb
        case 0x6D_6172: return 3  // mar
        case 0x61_7072: return 4  // apr
        case 0x6D_6179: return 5  // may
        case 0x6A_756E: return 6  // jun
        case 0x6A_756C: return 7  // jul
        case 0x61_7567: return 8  // aug
        case 0x73_6570: return 9  // sep
        case 0x6F_6374: return 10  // oct
        case 0x6E_6F76: return 11  // nov
        case 0x64_6563: return 12  // dec
        default: return nil
        }
    }

    static func isWeekday(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Bool {
        let key = (UInt32(a | 0x20) << 16) | (UInt32(b | 0x20) << 8) | UInt32(c | 0x20)
        switch key {
        case 0x6D_6F6E, 0x74_7565, 0x77_6564, 0x74_6875, 0x66_7269, 0x73_6174, 0x73_756E: return true
        default: return false
        }
    }
}
