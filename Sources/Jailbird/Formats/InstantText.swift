/// Parses a user-supplied instant for --now/--since/--until: RFC 3339 / ISO 8601 with or without zone (zone-less = in `zone`), a date alone, or epoch seconds ("@1700000000" or digits).
///
/// Accepted: `@1700000000`, `1700000000` (a fraction after `.` is dropped); `2024-01-15` (local
/// midnight); `2024-01-15T10:23`, `2024-01-15 10:23:45`, `2024-01-15T10:23:45.123` (local time,
/// DST handled as in `TimeZoneRules.utcSeconds`); and any of these times followed by `Z`,
/// `+01:00`, `+0100` or `+01` (exact). `T` and `Z` may be lower case. Returns nil for anything
/// else, including dates that do not exist (`2023-02-29`, hour 24).
public func parseInstant(_ text: String, zone: TimeZoneRules) -> Int64? {
    var bytes = Array(text.utf8)
    while let last = bytes.last, last == 0x20 || last == 0x09 { bytes.removeLast() }
    while let first = bytes.first, first == 0x20 || first == 0x09 { bytes.removeFirst() }
    guard !bytes.isEmpty else { return nil }
    var i = 0
    func digits(_ count: Int) -> Int? {
        guard i + count <= bytes.count else { return nil }
        var value = 0
        for k in i..<(i + count) {
            guard isDigitByte(bytes[k]) else { return nil }
            value = value * 10 + Int(bytes[k] - 0x30)
        }
        i += count
        return value
    }
    func take(_ b: UInt8) -> Bool {
        guard i < bytes.count, bytes[i] == b else { return false }
        i += 1
        return true
    }

    // Epoch seconds: "@digits" or digits only (a date always has '-').
    let isEpoch = bytes[0] == UInt8(ascii: "@") || !bytes.contains(UInt8(ascii: "-"))
    if isEpoch {
        if bytes[0] == UInt8(ascii: "@") { i = 1 }
        let start = i
        var value: Int64 = 0
        while i < bytes.count, isDigitByte(bytes[i]) {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int64(bytes[i] - 0x30))
            guard !o1, !o2 else { return nil }
            value = sum
            i += 1
        }
        guard i > start else { return nil }
        if take(UInt8(ascii: ".")) {
            let fractionStart = i
            while i < bytes.count, isDigitByte(bytes[i]) { i += 1 }
            guard i > fractionStart else { return nil }
        }
        return i == bytes.count ? value : nil
    }

    guard let year = digits(4), take(UInt8(ascii: "-")), let month = digits(2), take(UInt8(ascii: "-")),
        let day = digits(2), (1...12).contains(month), day >= 1,
        day <= CivilTime.daysInMonth(year: year, month: month)
    else { return nil }
    if i == bytes.count {
        return zone.utcSeconds(year: year, month: month, day: day, hour: 0, minute: 0, second: 0)
    }
    guard take(UInt8(ascii: "T")) || take(UInt8(ascii: "t")) || take(0x20),
        let hour = digits(2), take(UInt8(ascii: ":")), let minute = digits(2), hour <= 23, minute <= 59
    else { return nil }
    var second = 0
    if take(UInt8(ascii: ":")) {
        guard let s = digits(2), s <= 60 else { return nil }  // 60: a leap second, read as the next one
        second = s
        if take(UInt8(ascii: ".")) || take(UInt8(ascii: ",")) {
            let fractionStart = i
            while i < bytes.count, isDigitByte(bytes[i]) { i += 1 }
            guard i > fractionStart else { return nil }
        }
    }
    let local = CivilTime.seconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    if i == bytes.count { return zone.utcSeconds(local: local) }
    if take(UInt8(ascii: "Z")) || take(UInt8(ascii: "z")) { return i == bytes.count ? local : nil }
    let negative: Bool
    if take(UInt8(ascii: "+")) {
        negative = false
    } else if take(UInt8(ascii: "-")) {
        negative = true
    } else {
        return nil
    }
    guard let offsetHours = digits(2), offsetHours <= 23 else { return nil }
    var offsetMinutes = 0
    if i < bytes.count {
        _ = take(UInt8(ascii: ":"))
        guard let m = digits(2), m <= 59 else { return nil }
        offsetMinutes = m
    }
    guard i == bytes.count else { return nil }
    let offset = Int64(offsetHours * 3600 + offsetMinutes * 60)
    return negative ? local + offset : local - offset
}

/// RFC 3339 UTC text of an instant: "2024-01-15T10:23:45Z".
public func rfc3339UTC(_ seconds: Int64) -> String {
    ByteLine.text { appendRFC3339UTC(seconds, to: &$0) }
}

/// `rfc3339UTC` written onto the end of `line` (an event writer's). A year of four digits, the
/// usual case, is written in place in one go; other years digit by digit.
public func appendRFC3339UTC(_ seconds: Int64, to line: inout ByteLine) {
    let days = CivilTime.floorDiv(seconds, CivilTime.secondsPerDay)
    let secondOfDay = Int(seconds - days * CivilTime.secondsPerDay)
    let date = CivilTime.date(days: days)
    let (hour, minute, second) = (secondOfDay / 3600, secondOfDay / 60 % 60, secondOfDay % 60)
    guard (0...9999).contains(date.year) else {
        if date.year < 0 { line.append(UInt8(ascii: "-")) }
        appendDecimal(abs(date.year), width: 4, to: &line)
        for (separator, value): (Unicode.Scalar, Int) in [("-", date.month), ("-", date.day), ("T", hour), (":", minute), (":", second)] {
            line.append(UInt8(ascii: separator))
            appendDecimal(value, width: 2, to: &line)
        }
        line.append(UInt8(ascii: "Z"))
        return
    }
    // "YYYY-MM-DDTHH:MM:SSZ"
    line.appendInPlace(atMost: 20) { text in
        func twoDigits(_ value: Int, at index: Int) {
            text[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value / 10)
            text[index + 1] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value % 10)
        }
        twoDigits(date.year / 100, at: 0)
        twoDigits(date.year % 100, at: 2)
        text[4] = UInt8(ascii: "-")
        twoDigits(date.month, at: 5)
        text[7] = UInt8(ascii: "-")
        twoDigits(date.day, at: 8)
        text[10] = UInt8(ascii: "T")
        twoDigits(hour, at: 11)
        text[13] = UInt8(ascii: ":")
        twoDigits(minute, at: 14)
        text[16] = UInt8(ascii: ":")
        twoDigits(second, at: 17)
        text[19] = UInt8(ascii: "Z")
        return 20
    }
}
