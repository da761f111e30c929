import Foundation
import Testing

@testable import Jailbird

/// The fast path (`CommonStampShapes`) and the memo must give exactly what fail2ban's template
/// programs give (`locateGeneric`): same range, same time, for every line, whatever came before.
@Suite struct TimestampFastPathTests {
    /// 2024-03-21T05:46:40Z: year-less stamps from later in the year fall back to 2023.
    static let reference: Int64 = 1_711_000_000

    /// Every line of every fixture log, as raw bytes (some are not UTF-8).
    static let fixtureLines: [[UInt8]] = {
        var files: [String] = []
        let manager = FileManager.default
        for (folder, suffix) in [("differential", ".log"), ("corpus", ".log"), ("fail2ban-samples", "")] {
            let names = (try? manager.contentsOfDirectory(atPath: Fixtures.path(folder))) ?? []
            files += names.filter { $0.hasSuffix(suffix) }.sorted().map { Fixtures.path(folder + "/" + $0) }
        }
        var lines: [[UInt8]] = []
        for file in files {
            guard let data = manager.contents(atPath: file) else { continue }
            lines += data.split(separator: 10, omittingEmptySubsequences: false).map(Array.init)
        }
        // The oracle corpus: `ZONE MODE NOW|line`; the line is what counts.
        if let data = manager.contents(atPath: Fixtures.path("timestamp-oracle/corpus.txt")) {
            for row in data.split(separator: 10) where row.first != UInt8(ascii: "#") {
                if let bar = row.firstIndex(of: UInt8(ascii: "|")) { lines.append(Array(row[(bar + 1)...])) }
            }
        }
        return lines
    }()

    /// Stamps of the common shapes and their near misses, before tails that probe every
    /// lookahead the templates have (fraction, zone, year, word boundary), behind every kind of head.
    static let syntheticLines: [[UInt8]] = {
        let heads = ["", "[", " ", "  ", "[[", "x", "<38>1 ", "<13>1  "]
        let stamps = [
            "2024-01-15 10:23:45", "2024-01-15T10:23:45", "2024/01/15 10:23:45", "2024.01.15 10:23:45",
            "2024-10-27 02:30:00", "2024-03-31 02:30:00", "2024-02-30 10:00:00", "2024-12-31 23:59:59",
            "2024-01-15  10:23:45", "Jan 15 10:23:45", "Jan  5 10:23:45", "jan 05 10:23:45", "Oct 27 02:30:00",
            "Feb 29 10:00:00", "Dec 31 23:59:59", "Jan 5 10:23:45", "Jan 15  9:23:45",
        ]
        let tails = [
            "", " ", "]", "] NOTICE[1]: x", " host sshd[1]: x", " 2024", " 2024 x", " 20245", "  2024", ".", ".1",
            ".123]", ".123456 x", ".1234567", ",123 fail2ban.actions", ",", ",x", "Z", "Z]", "Zx", "ZZ", "z",
            "+01:00", "-04:00 h", "+0100", "-0130]", "+01:00x", "+0100x", "+01", "+01:", "+01:0", "+2:00", "+20:00",
            " +01:00", "  Z", " UTC", " GMT", " utc", "\t+0100", "\tx", "x", "_", "9", ".123Z", ".123+01:00",
            ".123 +0100", ",5Z", ".5Zx", " Jan", "\u{80}",
        ]
        var lines: [[UInt8]] = []
        for head in heads {
            for stamp in stamps {
                for tail in tails { lines.append(Array((head + stamp + tail).utf8)) }
            }
        }
        return lines
    }()

    /// Each line followed by seeded mutants of it: bytes changed, inserted or deleted near the
    /// stamp, drawn from the bytes that steer the templates. A mutant right after its original
    /// also checks that the memo's key covers every byte the answer depends on.
    static func withMutants(_ lines: [[UInt8]], perLine: Int, seed: UInt64) -> [[UInt8]] {
        let alphabet = Array("0123456789.,:]T Z+-\t[/UGzx2".utf8)
        var rng = SeededGenerator(seed: seed)
        var out: [[UInt8]] = []
        out.reserveCapacity(lines.count * (perLine + 1))
        for line in lines {
            out.append(line)
            for _ in 0..<perLine {
                var mutant = line
                for _ in 0..<(1 + Int(rng.next() % 2)) {
                    let position = Int(rng.next() % UInt64(min(mutant.count, 40) + 1))
                    let byte = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                    switch rng.next() % 3 {
                    case 0 where position < mutant.count: mutant[position] = byte
                    case 1 where position < mutant.count: mutant.remove(at: position)
                    default: mutant.insert(byte, at: position)
                    }
                }
                out.append(mutant)
            }
        }
        return out
    }

    struct Tally {
        var checked = 0
        var fastAnswers = 0
        var memoAnswers = 0
        var mismatches = 0
    }

    /// Feeds the lines in order to three readers: the template programs alone, the fast path
    /// (falling back to the programs), and `locate` with its memo; every answer must agree.
    static func compare(
        _ lines: [[UInt8]], zone: TimeZoneRules, anchor: TimestampReader.Anchor
    ) -> Tally {
        var generic = TimestampReader(zone: zone, reference: reference, anchor: anchor)
        var fast = generic
        var full = generic
        var tally = Tally()
        for line in lines {
            line.withUnsafeBytes { bytes in
                let expected = generic.locateGeneric(bytes)
                var fastAnswer = fast.locateCommonShape(bytes)
                if fastAnswer != nil {
                    tally.fastAnswers += 1
                } else {
                    fastAnswer = fast.locateGeneric(bytes)
                }
                if full.memoMatches(bytes) { tally.memoAnswers += 1 }
                let fullAnswer = full.locate(bytes)
                tally.checked += 1
                for (got, path) in [(fastAnswer, "fast path"), (fullAnswer, "locate with memo")]
                where !same(got, expected) {
                    tally.mismatches += 1
                    if tally.mismatches <= 10 {
                        let text = String(decoding: line.prefix(80), as: UTF8.self).debugDescription
                        let context = "\(anchor) \(zone.identifier) \(path)"
                        Issue.record(
                            "\(context): \(describe(got)), the templates: \(describe(expected)), line \(text)"
                        )
                    }
                }
            }
        }
        return tally
    }

    static func same(_ a: (range: Range<Int>, time: Int64?)?, _ b: (range: Range<Int>, time: Int64?)?) -> Bool {
        a?.range == b?.range && a?.time == b?.time
    }

    static func describe(_ a: (range: Range<Int>, time: Int64?)?) -> String {
        guard let a else { return "no stamp" }
        return "\(a.range) \(a.time.map(String.init) ?? "invalid date")"
    }

    @Test(arguments: ["UTC", "Europe/Berlin", "CET-01CEST-02,M3.5.0,M10.5.0"])
    func fastPathAndMemoEqualTheTemplatePrograms(zoneName: String) throws {
        let zone = try TimeZoneRules(identifier: zoneName)
        try #require(Self.fixtureLines.count > 10_000)
        var base = Self.fixtureLines + Self.syntheticLines
        // RFC 5424 headers in front of some lines, so that anchor meets its shape.
        base += Self.fixtureLines.enumerated().filter { $0.offset % 8 == 0 }.map { Array("<38>1 ".utf8) + $0.element }
        let lines = Self.withMutants(base, perLine: 3, seed: 0x5EED)
        var rng = SeededGenerator(seed: 7)
        let shuffled = lines.shuffled(using: &rng)
        for anchor in [TimestampReader.Anchor.lineBegin, .lineStart, .rfc5424] {
            let inOrder = Self.compare(lines, zone: zone, anchor: anchor)
            #expect(inOrder.mismatches == 0, "\(anchor)")
            #expect(inOrder.checked == lines.count)
            // The comparison must have exercised both shortcuts, not only the programs.
            #expect(inOrder.fastAnswers > 1_000, "\(anchor)")
            #expect(inOrder.memoAnswers > 500, "\(anchor)")
            let mixed = Self.compare(shuffled, zone: zone, anchor: anchor)
            #expect(mixed.mismatches == 0, "\(anchor) shuffled")
            #expect(mixed.fastAnswers == inOrder.fastAnswers, "\(anchor) shuffled")
        }
    }

    /// The memo must not skip the zone conversion: an ambiguous local time follows the offset of
    /// the line before (glibc's mktime), even when that line went to the template programs and
    /// the stamp itself comes from the memo.
    @Test func memoKeepsTheConversionHistory() throws {
        let berlin = try TimeZoneRules(identifier: "Europe/Berlin")
        var reader = TimestampReader(zone: berlin, reference: Self.reference + 366 * 86_400)
        func time(_ line: String) -> Int64? { Array(line.utf8).withUnsafeBytes { reader.locate($0)?.time } }
        func fromMemo(_ line: String) -> Bool { Array(line.utf8).withUnsafeBytes { reader.memoMatches($0) } }
        let ambiguous = "2024-10-27 02:30:00 x"
        _ = time("2024-07-01 12:00:00 x")
        #expect(time(ambiguous) == 1_729_989_000)  // summer offset, as the line before
        #expect(fromMemo(ambiguous))
        #expect(time(ambiguous) == 1_729_989_000)
        // A weekday is not a common shape: the programs read it, in winter.
        #expect(time("Mon Jan  1 12:00:00 2024 x") == 1_704_106_800)
        #expect(fromMemo(ambiguous))
        #expect(time(ambiguous) == 1_729_992_600)  // now the winter offset
    }

    /// Lines of one minute reuse the memo shifted to their second, except where the seconds
    /// decide the year: a year-less stamp more than a day ahead of the reference falls back a
    /// year, and that line runs through the minute `Mar 22 05:46` (UTC; an hour later in Berlin).
    /// Every minute of the day around it, second by second, in order and with ISO stamps beside.
    @Test(arguments: ["UTC", "Europe/Berlin", "America/New_York"])
    func secondShiftKeepsTheYearDecision(zoneName: String) throws {
        let zone = try TimeZoneRules(identifier: zoneName)
        var lines: [[UInt8]] = []
        for hour in 0..<24 {
            for minute in 45...47 {
                for second in 0..<60 {
                    let clock = String(format: "%02d:%02d:%02d", hour, minute, second)
                    lines.append(Array("Mar 22 \(clock) host sshd[1]: x".utf8))
                    if second % 7 == 0 { lines.append(Array("2024-03-22 \(clock) NOTICE[1]: x".utf8)) }
                }
            }
        }
        let tally = Self.compare(lines, zone: zone, anchor: .lineBegin)
        #expect(tally.mismatches == 0)
        #expect(tally.memoAnswers > lines.count / 2)  // without the shift: none
    }
}
