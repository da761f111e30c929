/// A stamp recognised by `CommonStampShapes`: what the generic template program would answer.
struct CommonStamp {
    /// End of the date text (exclusive).
    var end: Int
    /// The answer depends on the line's bytes `[0, decidedBy)` only (bytes past the line's end
    /// count as 0 here, as in `DateMatcher`): any line that has exactly these bytes there gets the
    /// same range and fields. `StampMemo` keys on it.
    var decidedBy: Int
    /// Where the two digits of the seconds stand. The answer depends on them only through their
    /// value (00–59 all give the same range and fields but for `second`).
    var secondAt: Int
    var fields: DateFields
}

/// Direct byte recognisers for the stamp shapes real logs use, equal to what `DateMatcher` picks
/// for them:
///
/// - the ISO template: `2024-01-15 10:23:45` (Asterisk, also in `[…]`), with `.123` or `,123`
///   (fail2ban.log), `T` as separator, `Z` or `±HH:MM` / `±HHMM` (RFC 3339);
/// - the asctime template without weekday, fraction or year: `Jan 15 10:23:45`, `Jan  5 10:23:45`
///   (syslog, Asterisk's `[Jan 15 10:23:45]`).
///
/// Each recogniser accepts only lines on which the template's backtracking has a single outcome
/// that is easy to state: two-digit fields in their valid ranges (so the one-digit alternatives
/// the regex tries first fail at the next separator), and a tail after the seconds that cannot
/// start a longer match (a fraction of 7+ digits, a zone glued to a word, a space before a
/// possible zone or year, …). Anything else returns nil and the caller runs the generic program.
/// These are the first templates in fail2ban's order, so a match here is the overall answer.
enum CommonStampShapes {
    /// Recognises a stamp that starts exactly at `start`; nil when the shape is not one of the
    /// common ones or the generic program might choose differently.
    @inline(__always)
    static func recognize(_ line: UnsafeRawBufferPointer, at start: Int) -> CommonStamp? {
        // The shortest shape, "Jan 15 10:23:45", has 15 bytes.
        guard start &+ 15 <= line.count else { return nil }
        let first = line[start]
        if first == UInt8(ascii: "2") { return iso(line, start) }
        if (first | 0x20) &- UInt8(ascii: "a") < 26 { return asctime(line, start) }
        return nil
    }

    @inline(__always) private static func byte(_ line: UnsafeRawBufferPointer, _ i: Int) -> UInt8 {
        i < line.count ? line[i] : 0
    }

    /// Two ASCII digits at i as a number, or -1. Callers ensure i + 1 < line.count.
    @inline(__always) private static func twoDigits(_ line: UnsafeRawBufferPointer, _ i: Int) -> Int {
        let a = line[i] &- UInt8(ascii: "0")
        let b = line[i &+ 1] &- UInt8(ascii: "0")
        return a < 10 && b < 10 ? Int(a) &* 10 &+ Int(b) : -1
    }

    /// `%ExY(?P<_sep>[-/.])%m(?P=_sep)%d(?:T| )%H:%M:%S` then the tail (see `isoTail`).
    private static func iso(_ line: UnsafeRawBufferPointer, _ s: Int) -> CommonStamp? {
        // "2024-01-15 10:23:45" is 19 bytes; the tail reads through `byte`.
        guard s &+ 19 <= line.count, line[s &+ 1] == UInt8(ascii: "0") else { return nil }
        let yy = twoDigits(line, s &+ 2)
        let separator = line[s &+ 4]
        guard yy >= 0,
            separator == UInt8(ascii: "-") || separator == UInt8(ascii: "/") || separator == UInt8(ascii: "."),
            line[s &+ 7] == separator
        else { return nil }
        let month = twoDigits(line, s &+ 5)
        let day = twoDigits(line, s &+ 8)
        let dateTime = line[s &+ 10]
        guard month >= 1, month <= 12, day >= 1, day <= 31,
            dateTime == UInt8(ascii: "T") || dateTime == 0x20,
            line[s &+ 13] == UInt8(ascii: ":"), line[s &+ 16] == UInt8(ascii: ":")
        else { return nil }
        // After a single space the hour's digit follows (checked next), so `(?:T|  ?)` takes one byte.
        let hour = twoDigits(line, s &+ 11)
        let minute = twoDigits(line, s &+ 14)
        let second = twoDigits(line, s &+ 17)
        guard hour >= 0, hour <= 23, minute >= 0, minute <= 59, second >= 0, second <= 59 else { return nil }
        var fields = DateFields()
        fields.year = 2000 &+ yy
        fields.month = month
        fields.day = day
        fields.hour = hour
        fields.minute = minute
        fields.second = second
        fields.separator = separator
        guard let (end, decidedBy) = isoTail(line, s &+ 19, &fields) else { return nil }
        return CommonStamp(end: end, decidedBy: decidedBy, secondAt: s &+ 17, fields: fields)
    }

    /// `(?:[.,]%f)?(?:\s*%z)?(?=\b|\W|$)` after the seconds at p, in the cases where the greedy
    /// first try succeeds: nothing that the regex would backtrack over.
    @inline(__always)
    private static func isoTail(
        _ line: UnsafeRawBufferPointer, _ p: Int, _ fields: inout DateFields
    ) -> (end: Int, decidedBy: Int)? {
        var q = p
        let mark = byte(line, p)
        if mark == UInt8(ascii: ".") || mark == UInt8(ascii: ",") {
            var digits = 0
            while digits < 6, isDigitByte(byte(line, p &+ 1 &+ digits)) { digits &+= 1 }
            // No digit: the fraction is skipped and `.` ends the date; leave that to the program.
            guard digits > 0 else { return nil }
            q = p &+ 1 &+ digits  // a 7th digit here is a word byte: refused below
        }
        let c = byte(line, q)
        if c == UInt8(ascii: "Z") {
            // `ZZ`, `Zone`: the regex would back off the zone and the fraction.
            guard !isWordByte(byte(line, q &+ 1)) else { return nil }
            fields.zoneMinutes = 0
            return (q &+ 1, q &+ 2)
        }
        if c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
            let h0 = byte(line, q &+ 1) &- UInt8(ascii: "0")
            let h1 = byte(line, q &+ 2) &- UInt8(ascii: "0")
            guard h0 <= 1, h1 < 10 else { return nil }
            let hasColon = byte(line, q &+ 3) == UInt8(ascii: ":")
            let minutesAt = hasColon ? q &+ 4 : q &+ 3
            let m0 = byte(line, minutesAt) &- UInt8(ascii: "0")
            let m1 = byte(line, minutesAt &+ 1) &- UInt8(ascii: "0")
            let end = minutesAt &+ 2
            // `+01`, `+01:`, `+01:00x`: other alternatives of %z would decide.
            guard m0 < 10, m1 < 10, !isWordByte(byte(line, end)) else { return nil }
            let minutes = (Int(h0) &* 10 &+ Int(h1)) &* 60 &+ Int(m0) &* 10 &+ Int(m1)
            fields.zoneMinutes = c == UInt8(ascii: "-") ? -minutes : minutes
            return (end, end &+ 1)
        }
        if isSpaceByte(c) {
            // `\s*%z`: a zone after the spaces would belong to the date; without one the spaces do not.
            var r = q &+ 1
            while isSpaceByte(byte(line, r)) { r &+= 1 }
            let z = byte(line, r)
            if z == UInt8(ascii: "Z") || z == UInt8(ascii: "U") || z == UInt8(ascii: "G") || z == UInt8(ascii: "+")
                || z == UInt8(ascii: "-")
            {
                return nil
            }
            return (q, r &+ 1)
        }
        // A word byte right after the date (`45x`, `45UTC`): backtracking territory.
        guard !isWordByte(c) else { return nil }
        return (q, q &+ 1)
    }

    /// `%b %d %k:%M:%S` (asctime without weekday), then `(?:\.%f)?(?: %ExY)?(?=\b|\W|$)` absent.
    private static func asctime(_ line: UnsafeRawBufferPointer, _ s: Int) -> CommonStamp? {
        // A month name is never a weekday name, so `(?:%a )?` is skipped.
        guard let month = DateMatcher.monthIndex(line[s], line[s &+ 1], line[s &+ 2]),
            line[s &+ 3] == 0x20, line[s &+ 6] == 0x20,
            line[s &+ 9] == UInt8(ascii: ":"), line[s &+ 12] == UInt8(ascii: ":")
        else { return nil }
        // %d as " 5", "05", "15", "31" (the two-byte forms; "Jan 5 …" goes to the program).
        let day: Int
        if line[s &+ 4] == 0x20 {
            let d = line[s &+ 5] &- UInt8(ascii: "0")
            guard d >= 1, d < 10 else { return nil }
            day = Int(d)
        } else {
            day = twoDigits(line, s &+ 4)
            guard day >= 1, day <= 31 else { return nil }
        }
        let hour = twoDigits(line, s &+ 7)  // %k without its leading space
        let minute = twoDigits(line, s &+ 10)
        let second = twoDigits(line, s &+ 13)
        guard hour >= 0, hour <= 23, minute >= 0, minute <= 59, second >= 0, second <= 59 else { return nil }
        let p = s &+ 15
        let c = byte(line, p)
        let decidedBy: Int
        if c == 0x20 {
            // ` 2…` could be the optional year.
            guard byte(line, p &+ 1) != UInt8(ascii: "2") else { return nil }
            decidedBy = p &+ 2
        } else {
            // `.` could start a fraction; a word byte would make the regex backtrack.
            guard c != UInt8(ascii: "."), !isWordByte(c) else { return nil }
            decidedBy = p &+ 1
        }
        var fields = DateFields()
        fields.month = month
        fields.day = day
        fields.hour = hour
        fields.minute = minute
        fields.second = second
        return CommonStamp(end: p, decidedBy: decidedBy, secondAt: s &+ 13, fields: fields)
    }
}

/// The previous fast-path answer and the bytes it depended on.
///
/// Consecutive lines usually carry the same stamp (many lines per second). When a line starts
/// with exactly the bytes that decided the remembered answer, the answer is the same, because
/// `CommonStampShapes` looks at nothing else. What is remembered is the stamp's range and its
/// seconds before the zone conversion; the conversion itself is redone, since with a zone-less
/// stamp it depends on the reader's state (glibc's mktime follows the previous line's offset).
///
/// Lines of the same minute differ only in the seconds' two digits. When those are the only
/// bytes of the key that differ, and the remembered answer holds for the whole minute, the
/// answer is the remembered one shifted by the difference of the seconds.
struct StampMemo {
    /// Longest key kept (bytes); longer deciding prefixes are not remembered.
    static let capacity = 48
    /// 0 while nothing is remembered; otherwise 8...capacity.
    private(set) var keyLength = 0
    private var key: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
    /// Which bits of the key a line must repeat: all but the seconds' two digits when the answer
    /// may be shifted to another second, all of them otherwise. Kept beside the key (written once
    /// per answer) so that a lookup compares words without first patching the key's bytes.
    private var care: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
    /// The key's and the mask's last eight bytes (`keyLength - 8 ..< keyLength`).
    private var lastKey: UInt64 = 0
    private var lastCare: UInt64 = 0
    private(set) var rangeStart = 0
    private(set) var rangeEnd = 0
    /// Seconds of the stamp: UTC when `zoned`, local otherwise; meaningless unless `valid`.
    private(set) var seconds: Int64 = 0
    private(set) var zoned = false
    /// False when the text was a date but not a valid one (`Feb 30`).
    private(set) var valid = false
    /// Where the seconds' digits stand in the key, and their value; `secondAt` is -1 when the
    /// answer may not be shifted to another second of the minute.
    private var secondAt = -1
    private var second = 0

    /// Whether the line starts with the remembered key, or with the key but for the seconds'
    /// digits, which hold another valid second; in that case the remembered answer becomes that
    /// line's, shifted by the difference of the seconds.
    @inline(__always)
    mutating func lookUp(_ line: UnsafeRawBufferPointer) -> Bool {
        let n = keyLength
        guard n != 0, line.count >= n, let base = line.baseAddress else { return false }
        // The key's whole words, then its last eight bytes (a word that may overlap the one
        // before; n >= 8), each compared under its mask, field by field: no copy of the tuples.
        @inline(__always) func differing(at i: Int, _ key: UInt64, _ care: UInt64) -> UInt64 {
            (base.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ key) & care
        }
        var difference = differing(at: n &- 8, lastKey, lastCare)
        if n > 8 { difference |= differing(at: 0, key.0, care.0) }
        if n > 16 { difference |= differing(at: 8, key.1, care.1) }
        if n > 24 { difference |= differing(at: 16, key.2, care.2) }
        if n > 32 { difference |= differing(at: 24, key.3, care.3) }
        if n > 40 { difference |= differing(at: 32, key.4, care.4) }
        guard difference == 0 else { return false }
        let at = secondAt
        guard at >= 0 else { return true }
        let tens = base.load(fromByteOffset: at, as: UInt8.self) &- UInt8(ascii: "0")
        let ones = base.load(fromByteOffset: at &+ 1, as: UInt8.self) &- UInt8(ascii: "0")
        guard tens < 6, ones < 10 else { return false }
        let newSecond = Int(tens) &* 10 &+ Int(ones)
        seconds &+= Int64(newSecond &- second)
        second = newSecond
        return true
    }

    /// Whether `lookUp` would take the line, without taking it.
    func wouldLookUp(_ line: UnsafeRawBufferPointer) -> Bool {
        var probe = self
        return probe.lookUp(line)
    }

    /// Remembers an answer decided by `line[0..<decidedBy]`; keeps the previous one when that is
    /// not a whole prefix of the line (the answer depended on its end) or is too long to keep.
    /// With `secondAt` the answer holds, shifted, for every other second of the same minute
    /// (pass nil when it does not, or when the date is not valid).
    @inline(__always)
    mutating func remember(
        _ line: UnsafeRawBufferPointer, decidedBy: Int, range: Range<Int>, seconds: Int64?, zoned: Bool,
        secondAt: Int? = nil, second: Int = 0
    ) {
        guard decidedBy >= 8, decidedBy <= StampMemo.capacity, decidedBy <= line.count,
            let base = line.baseAddress
        else { return }
        withUnsafeMutableBytes(of: &key) { stored in
            stored.baseAddress!.copyMemory(from: base, byteCount: decidedBy)
        }
        keyLength = decidedBy
        rangeStart = range.lowerBound
        rangeEnd = range.upperBound
        self.seconds = seconds ?? 0
        valid = seconds != nil
        self.zoned = zoned
        self.secondAt = secondAt.map { $0 &+ 1 < decidedBy && seconds != nil ? $0 : -1 } ?? -1
        self.second = second
        care = (~0, ~0, ~0, ~0, ~0, ~0)
        if self.secondAt >= 0 {
            let at = self.secondAt
            withUnsafeMutableBytes(of: &care) { care in
                care[at] = 0
                care[at &+ 1] = 0
            }
        }
        withUnsafeBytes(of: key) { lastKey = $0.loadUnaligned(fromByteOffset: decidedBy &- 8, as: UInt64.self) }
        withUnsafeBytes(of: care) { lastCare = $0.loadUnaligned(fromByteOffset: decidedBy &- 8, as: UInt64.self) }
    }
}
