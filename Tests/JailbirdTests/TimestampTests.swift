import Foundation
import Testing

@testable import Jailbird

/// The package root, found from this file's path (fixtures live there).
private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

private func fixture(_ path: String) throws -> String {
    try String(contentsOf: packageRoot.appendingPathComponent("fixtures/" + path), encoding: .utf8)
}

private let berlin = try! TimeZoneRules(identifier: "Europe/Berlin")
/// fail2ban's test suite zone (tests/utils.py sets TZ to this).
private let fail2banTestZone = try! TimeZoneRules(identifier: "CET-01CEST-02,M3.5.0,M10.5.0")
/// 2024-01-15T10:00:00Z
private let january2024: Int64 = 1_705_312_800

private func read(
    _ text: String,
    zone: TimeZoneRules = berlin,
    reference: Int64 = january2024,
    anchor: TimestampReader.Anchor = .lineBegin
) -> TimestampMatch? {
    var reader = TimestampReader(zone: zone, reference: reference, anchor: anchor)
    var bytes = Array(text.utf8)
    return bytes.withUnsafeMutableBytes { reader.read(UnsafeRawBufferPointer($0)) }
}

private func utc(_ text: String) -> Int64 { parseInstant(text, zone: .utc)! }

@Suite struct TimestampTests {
    // MARK: formats

    @Test(arguments: [
        // line, expected UTC, expected date text
        ("[2024-01-15 10:23:45] NOTICE[1] chan_sip.c: x", "2024-01-15T09:23:45Z", "2024-01-15 10:23:45"),
        ("[2024-01-15 10:23:45.123] NOTICE[1] x", "2024-01-15T09:23:45Z", "2024-01-15 10:23:45.123"),
        ("[Jan 15 10:23:45] NOTICE[456]: chan_sip.c:1 x", "2024-01-15T09:23:45Z", "Jan 15 10:23:45"),
        ("Jan 15 10:23:45 host sshd[1]: x", "2024-01-15T09:23:45Z", "Jan 15 10:23:45"),
        ("Jan  5 10:23:45 host sshd[1]: x", "2024-01-05T09:23:45Z", "Jan  5 10:23:45"),
        ("Jan 5 10:23:45 host sshd[1]: x", "2024-01-05T09:23:45Z", "Jan 5 10:23:45"),
        (
            "2024-01-15T10:23:45.123456+01:00 host sshd[1]: x", "2024-01-15T09:23:45Z",
            "2024-01-15T10:23:45.123456+01:00"
        ),
        ("2024-01-15T10:23:45Z host", "2024-01-15T10:23:45Z", "2024-01-15T10:23:45Z"),
        ("2024-01-15T10:23:45-04:00 host", "2024-01-15T14:23:45Z", "2024-01-15T10:23:45-04:00"),
        ("2024-01-15 10:23:45,123 fail2ban.actions [1]: NOTICE", "2024-01-15T09:23:45Z", "2024-01-15 10:23:45,123"),
        ("Jan 15 10:23:45 pbx asterisk[123]: NOTICE[456]: chan_sip.c:1 x", "2024-01-15T09:23:45Z", "Jan 15 10:23:45"),
    ])
    func readsFormat(line: String, expectedUTC: String, dateText: String) throws {
        let match = try #require(read(line))
        #expect(rfc3339UTC(match.time) == expectedUTC)
        #expect(String(decoding: Array(line.utf8)[match.range], as: UTF8.self) == dateText)
    }

    @Test func asteriskBracketsStayInTheLineContent() throws {
        let line = "[2024-01-15 10:23:45] NOTICE[1]: x"
        let match = try #require(read(line))
        let bytes = Array(line.utf8)
        let content = String(
            decoding: bytes[..<match.range.lowerBound] + bytes[match.range.upperBound...],
            as: UTF8.self
        )
        #expect(content == "[] NOTICE[1]: x")
    }

    @Test func fractionsAreDropped() throws {
        let whole = try #require(read("2024-01-15 10:23:45 x"))
        let fractional = try #require(read("2024-01-15 10:23:45.999999 x"))
        #expect(whole.time == fractional.time)
    }

    // MARK: year-less stamps

    @Test func yearLessStampsTakeTheReferenceYearOrTheOneBefore() throws {
        // Reference 2024-01-01T01:20 Berlin (00:20Z): a file that crosses New Year.
        let newYear: Int64 = 1_704_068_400
        #expect(read("Dec 31 23:59:59 h", reference: newYear)?.time == utc("2023-12-31T22:59:59Z"))
        #expect(read("Jan  1 00:10:00 h", reference: newYear)?.time == utc("2023-12-31T23:10:00Z"))
        // Up to one day ahead of the reference is still this year (fail2ban's clock-skew allowance)...
        #expect(read("Jan  2 01:20:00 h", reference: newYear)?.time == utc("2024-01-02T00:20:00Z"))
        // ...beyond that it is last year.
        #expect(read("Jan  2 01:20:01 h", reference: newYear)?.time == utc("2023-01-02T00:20:01Z"))
    }

    @Test func leapDayFollowsFail2ban() {
        // fail2ban builds datetime(reference year, 2, 29) and, if that is more than a day ahead,
        // replaces the year by the one before; a Feb 29 that does not exist gives no date.
        let march2024: Int64 = 1_710_000_000  // 2024-03-09T16:00Z
        let march2025: Int64 = 1_740_787_200  // 2025-03-01T00:00Z
        #expect(read("Feb 29 10:00:00 x", reference: march2024)?.time == utc("2024-02-29T09:00:00Z"))
        #expect(read("Feb 29 10:00:00 x", reference: march2025) == nil)
        #expect(read("Feb 29 10:00:00 x", reference: january2024) == nil)  // 2024-02-29 is ahead -> 2023
        var reader = TimestampReader(zone: berlin, reference: march2025)
        let located = Array("Feb 29 10:00:00 x".utf8).withUnsafeBytes { reader.locate($0) }
        #expect(located?.range == 0..<15)  // fail2ban still cuts the text out
        #expect(located?.time == nil)
    }

    // MARK: DST (expected values from Python, see TimeZoneRulesTests)

    @Test func zoneLessStampsAreLocalAcrossDST() {
        let newYork = try! TimeZoneRules(identifier: "America/New_York")
        #expect(read("2024-03-31 02:30:00 x")?.time == 1_711_848_600)
        #expect(read("2024-10-27 02:30:00 x")?.time == 1_729_989_000)
        #expect(read("2024-03-10 02:30:00 x", zone: newYork)?.time == 1_710_055_800)
        #expect(read("2024-11-03 01:30:00 x", zone: newYork)?.time == 1_730_611_800)
    }

    /// glibc's mktime settles an ambiguous local time with the offset of its previous call, so
    /// fail2ban reads the repeated hour of a fall-back with the previous line's offset. Python,
    /// TZ=Europe/Berlin: mktime(2024-07-01 12:00) then mktime(2024-10-27 02:30) -> 1729989000;
    /// mktime(2024-01-01 12:00) then mktime(2024-10-27 02:30) -> 1729992600.
    @Test func ambiguousLocalTimeFollowsThePreviousLine() {
        var reader = TimestampReader(zone: berlin, reference: january2024 + 366 * 86_400)
        func time(_ line: String) -> Int64? { Array(line.utf8).withUnsafeBytes { reader.read($0)?.time } }
        _ = time("2024-07-01 12:00:00 x")
        #expect(time("2024-10-27 02:30:00 x") == 1_729_989_000)
        _ = time("2024-01-01 12:00:00 x")
        #expect(time("2024-10-27 02:30:00 x") == 1_729_992_600)
        // The spring-forward gap does not depend on history: always the offset before the change.
        #expect(time("2024-03-31 02:30:00 x") == 1_711_848_600)
        _ = time("2024-07-01 12:00:00 x")
        #expect(time("2024-03-31 02:30:00 x") == 1_711_848_600)
    }

    /// The cached fixed-offset window must give what the uncached conversion gives, whatever the
    /// order of lines: walk local times across both 2024 changes in several zones, forwards and back.
    @Test(arguments: ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "CET-01CEST-02,M3.5.0,M10.5.0"])
    func cachedConversionEqualsUncached(zoneName: String) throws {
        let zone = try TimeZoneRules(identifier: zoneName)
        var reader = TimestampReader(zone: zone, reference: 1_735_689_600)
        var checked = 0
        var previousOffset: Int64?
        for (month, day) in [(3, 10), (3, 31), (4, 7), (10, 6), (10, 27), (11, 3)] {
            let hours = Array(0..<6) + Array((0..<6).reversed())
            for hour in hours {
                for minute in stride(from: 0, to: 60, by: 15) {
                    let line = "2024-\(two(month))-\(two(day)) \(two(hour)):\(two(minute)):30 x"
                    let got = Array(line.utf8).withUnsafeBytes { reader.read($0) }
                    let local = CivilTime.seconds(
                        year: 2024,
                        month: month,
                        day: day,
                        hour: hour,
                        minute: minute,
                        second: 30
                    )
                    let expected = zone.utcSeconds(local: local, preferringOffset: previousOffset)
                    previousOffset = local - expected
                    #expect(got?.time == expected, "\(line)")
                    checked += 1
                }
            }
        }
        #expect(checked == 6 * 12 * 4)
    }

    // MARK: hostile input

    @Test(arguments: [
        "", "x", "[", "[]", "2024-01-15", "Jan 15", "Jan 15 10:23", "   Jan 15 10:23:45", "Foo 15 10:23:45",
        "Jan 15 10:23:456", "Jan 32 10:23:45", "2024-01/15 10:23:45", "NOTICE[1]: chan_sip.c:2 x",
    ])
    func garbageHasNoStamp(line: String) {
        #expect(read(line) == nil)
    }

    @Test func everyTruncationOfAStampIsSafe() {
        for stamp in [
            "[2024-01-15 10:23:45.123456+01:00]", "Mon Jan 15 10:23:45.011 2024", "15/Jan/2024:10:23:45 +0000",
            "Jan 15, 2024 9:23:45 PM", "<38>1 2019-07-08T17:40:16Z",
        ] {
            let bytes = Array(stamp.utf8)
            for length in 0...bytes.count {
                // An exact-size heap buffer, so any read past the end would be caught by sanitizers.
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: length, alignment: 1)
                defer { buffer.deallocate() }
                buffer.copyBytes(from: bytes[..<length])
                for anchor in [TimestampReader.Anchor.lineBegin, .lineStart, .rfc5424] {
                    var reader = TimestampReader(zone: berlin, reference: january2024, anchor: anchor)
                    if let match = reader.read(UnsafeRawBufferPointer(buffer)) {
                        #expect(match.range.upperBound <= length)
                    }
                }
            }
        }
        #expect(read("Jan 15 10:23:4") != nil)  // "10:23:4" is a valid %S of one digit, as in fail2ban
        #expect(read("Jan 15 10:23:") == nil)
    }

    @Test func randomBytesNeverCrash() {
        var rng = SeededGenerator(seed: 42)
        var reader = TimestampReader(zone: berlin, reference: january2024)
        let alphabet = Array("0123456789 :-/.,TZ+[]<>JanFebMarPMam\t\u{80}".utf8)
        var found = 0
        for _ in 0..<20_000 {
            let length = Int(rng.next() % 40)
            var line = [UInt8]()
            for _ in 0..<length { line.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
            if let match = line.withUnsafeBytes({ reader.read($0) }) {
                #expect(match.range.upperBound <= line.count && match.range.lowerBound <= 2)
                found += 1
            }
        }
        #expect(found < 20_000)
    }

    // MARK: differential against fail2ban

    /// Every line of fixtures/timestamp-oracle/corpus.txt, answered by fail2ban's real DateDetector
    /// (generate.py wrote cases.tsv): the cut-out range and the time must agree exactly.
    @Test func agreesWithFail2banOnTheOracleCorpus() throws {
        var zones: [String: TimeZoneRules] = [:]
        var checked = 0
        for row in try fixture("timestamp-oracle/cases.tsv").split(separator: "\n", omittingEmptySubsequences: true) {
            let columns = row.split(separator: "\t", maxSplits: 6, omittingEmptySubsequences: false)
            try #require(columns.count >= 6)
            let zoneName = String(columns[0])
            let zone = try zones[zoneName] ?? TimeZoneRules(identifier: zoneName)
            zones[zoneName] = zone
            let anchor: TimestampReader.Anchor =
                columns[1] == "lineStart" ? .lineStart : columns[1] == "rfc5424" ? .rfc5424 : .lineBegin
            var reader = TimestampReader(zone: zone, reference: Int64(columns[2])!, anchor: anchor)
            let line = columns.count > 6 ? String(columns[6]) : ""
            let got = Array(line.utf8).withUnsafeBytes { reader.locate($0) }
            let expectedRange = columns[3] == "-" ? nil : Int(columns[3])!..<Int(columns[4])!
            let expectedTime = Int64(columns[5])
            #expect(got?.range == expectedRange, "range of \(line)")
            #expect(got?.time == expectedTime, "time of \(line)")
            checked += 1
        }
        #expect(checked == 162)
    }

    /// fail2ban's annotated sample logs (copied to fixtures/fail2ban-samples): each `# failJSON:`
    /// with a "time" names the local time (fail2ban's test zone) the next log line must yield, read
    /// with the reference "now" of fail2ban's tests (1124013600) and the filter's datepattern.
    @Test func agreesWithFail2banSampleLogAnnotations() throws {
        var checked = 0
        var agreeing = 0
        for (file, baseAnchor) in [
            ("asterisk", TimestampReader.Anchor.lineBegin), ("sshd", .lineBegin), ("recidive", .lineStart),
        ] {
            var anchor = baseAnchor
            var pendingTime: String?
            for line in try fixture("fail2ban-samples/" + file).split(separator: "\n", omittingEmptySubsequences: false)
            {
                if line.hasPrefix("# filterOptions:"), line.contains("rfc5424") { anchor = .rfc5424 }
                if line.hasPrefix("# failJSON:") {
                    pendingTime = annotationTime(String(line))
                    continue
                }
                if line.hasPrefix("#") || line.isEmpty { continue }
                guard let time = pendingTime else { continue }
                pendingTime = nil
                let parts = time.split(whereSeparator: { "-T:".contains($0) }).map { Int($0)! }
                let expected = fail2banTestZone.utcSeconds(
                    year: parts[0],
                    month: parts[1],
                    day: parts[2],
                    hour: parts[3],
                    minute: parts[4],
                    second: parts[5]
                )
                var reader = TimestampReader(zone: fail2banTestZone, reference: 1_124_013_600, anchor: anchor)
                let got = Array(line.utf8).withUnsafeBytes { reader.read($0) }
                checked += 1
                if got?.time == expected {
                    agreeing += 1
                } else {
                    Issue.record("\(file): \(line) -> \(String(describing: got)), want \(time)")
                }
            }
        }
        #expect(checked == 154)
        #expect(agreeing == checked)
    }

    // MARK: parseInstant / rfc3339UTC

    @Test(arguments: [
        ("@1700000000", Int64(1_700_000_000)), ("1700000000", 1_700_000_000), ("1700000000.75", 1_700_000_000),
        ("2024-01-15T10:23:45Z", 1_705_314_225), ("2024-01-15t10:23:45z", 1_705_314_225),
        ("2024-01-15T10:23:45+01:00", 1_705_310_625), ("2024-01-15T10:23:45.5+0100", 1_705_310_625),
        ("2024-01-15T10:23:45-05", 1_705_332_225), ("2024-01-15 10:23:45", 1_705_310_625),
        ("2024-01-15T10:23", 1_705_310_580), ("2024-01-15", 1_705_273_200), ("2024-07-01", 1_719_784_800),
        ("2024-03-31T02:30:00", 1_711_848_600),
    ])
    func parsesInstants(text: String, expected: Int64) {
        #expect(parseInstant(text, zone: berlin) == expected)
    }

    @Test(arguments: [
        "", "@", "@12a", "yesterday", "2024-13-01", "2023-02-29", "2024-01-15T24:00:00Z", "2024-01-15T10:23:45+01:00x",
        "2024-01-15T10:23:45 Z", "2024-1-15", "99999999999999999999999",
    ])
    func rejectsMalformedInstants(text: String) {
        #expect(parseInstant(text, zone: berlin) == nil)
    }

    @Test func formatsRFC3339UTC() {
        #expect(rfc3339UTC(1_705_314_225) == "2024-01-15T10:23:45Z")
        #expect(rfc3339UTC(0) == "1970-01-01T00:00:00Z")
        #expect(rfc3339UTC(-1) == "1969-12-31T23:59:59Z")
        #expect(rfc3339UTC(951_782_400) == "2000-02-29T00:00:00Z")
        // Years of four digits are written in place; others digit by digit.
        #expect(rfc3339UTC(253_402_300_799) == "9999-12-31T23:59:59Z")
        #expect(rfc3339UTC(253_402_300_800) == "10000-01-01T00:00:00Z")
        #expect(rfc3339UTC(-62_167_219_200) == "0000-01-01T00:00:00Z")
        #expect(rfc3339UTC(-62_167_219_201) == "-0001-12-31T23:59:59Z")
        var line = ByteLine(capacity: 1)  // grows on the way
        line.append("time=")
        appendRFC3339UTC(1_705_314_225, to: &line)
        #expect(line.text == "time=2024-01-15T10:23:45Z")
        for t in stride(from: Int64(-86_400 * 800), to: 4_102_444_800, by: 86_400 * 37 + 3_607) {
            #expect(parseInstant(rfc3339UTC(t), zone: berlin) == t)
        }
    }
}

private func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

/// The "time" value of a `# failJSON: {...}` annotation, if any.
private func annotationTime(_ line: String) -> String? {
    guard let key = line.range(of: "\"time\"") else { return nil }
    let rest = line[key.upperBound...]
    guard let open = rest.firstIndex(of: "\""), let close = rest[rest.index(after: open)...].firstIndex(of: "\"") else {
        return nil
    }
    return String(rest[rest.index(after: open)..<close])
}

