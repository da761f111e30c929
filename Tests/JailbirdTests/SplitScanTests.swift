import Foundation
import Testing
@testable import Jailbird

/// A large plain file read with stateless filters is scanned in two halves on two cores; the
/// result must be exactly that of one pass.
@Suite struct SplitScanTests {
    static func scanBoth(_ path: String, filter: FilterSpec?, since: Int64? = nil) throws -> (whole: FileScan, halves: FileScan) {
        var options = ScanOptions(filter: filter, zone: .utc, now: 1_735_689_599, since: since)
        options.splitThreshold = .max
        let whole = Scanner.scan(LogSource(path: path), fileIndex: 3, options: options)
        options.splitThreshold = 1
        #expect(Scanner.plan(LogSource(path: path), options: options).split != nil)
        let halves = Scanner.scan(LogSource(path: path), fileIndex: 3, options: options)
        return (whole, halves)
    }

    /// - Parameter lastLineTime: whether `lastLineTime` must be equal too (it names the last line
    ///   of a chunk that had a time, so where the file's last line has none, it depends on where
    ///   the chunks ended).
    static func expectSame(_ a: FileScan, _ b: FileScan, lastLineTime: Bool = true) {
        #expect(a.events.count == b.events.count)
        let firstDifference = zip(a.events, b.events).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(firstDifference == nil, "first difference at event \(firstDifference?.offset ?? -1): \(String(describing: firstDifference?.element))")
        #expect(a.lines == b.lines)
        #expect(a.bytes == b.bytes)
        #expect(a.undatedMatches == b.undatedMatches)
        #expect(a.droppedUndated == b.droppedUndated)
        #expect(a.outsideWindow == b.outsideWindow)
        #expect(a.unreadNewerSSHDLines == b.unreadNewerSSHDLines)
        #expect(a.firstLineTime == b.firstLineTime)
        if lastLineTime { #expect(a.lastLineTime == b.lastLineTime) }
        #expect(a.problems == b.problems)
        expectSame(a.tally, b.tally)
    }

    static func expectSame(_ a: ScanTally, _ b: ScanTally) {
        #expect(a.ruleCounts == b.ruleCounts)
        #expect(a.events == b.events)
        #expect(a.failures == b.failures)
        #expect(a.unresolved == b.unresolved)
        #expect(a.failingAddressCount == b.failingAddressCount)
        #expect(a.firstTime == b.firstTime)
        #expect(a.lastTime == b.lastTime)
    }

    /// The tally matches the events it stands for, whether or not the events are kept.
    @Test func tallyWithoutEventsEqualsTallyWithThem() throws {
        for relative in ["demo/full", "differential/generated-auth.log", "demo/fail2ban.log"] {
            var options = ScanOptions(zone: .utc, now: 1_735_689_599)
            let kept = Scanner.scan(LogSource(path: Fixtures.path(relative)), fileIndex: 0, options: options)
            options.keepEvents = false
            let counted = Scanner.scan(LogSource(path: Fixtures.path(relative)), fileIndex: 0, options: options)
            #expect(counted.events.isEmpty)
            Self.expectSame(kept.tally, counted.tally)
            #expect(kept.tally.events == kept.events.count)
            #expect(kept.tally.ruleCounts == RuleCount.tally([kept.events]))
            #expect(kept.tally.failures == kept.events.kinds.filter { $0 == .failure }.count)
        }
    }

    @Test(arguments: ["differential/generated-asterisk.log", "demo/full", "differential/generated-fail2ban.log"])
    func halvesEqualOnePass(_ relative: String) throws {
        for filter in [nil, FilterSpec.asterisk, .recidive(jailName: "recidive")] {
            let (whole, halves) = try Self.scanBoth(Fixtures.path(relative), filter: filter)
            Self.expectSame(whole, halves)
        }
    }

    @Test func sshdFilesAreNotSplit() {
        var options = ScanOptions(filter: .sshd(.normal))
        options.splitThreshold = 1
        #expect(Scanner.plan(LogSource(path: Fixtures.path("differential/generated-auth.log")), options: options).split == nil)
        options.filter = nil
        #expect(Scanner.plan(LogSource(path: Fixtures.path("differential/generated-auth.log")), options: options).split == nil)
    }

    /// An undated failure right after the cut takes the time of the last dated one before it,
    /// as in one pass; an overlong line after the cut keeps its line number.
    @Test func undatedLineAtTheCutAndOverlongLineNumbers() throws {
        let dated = "[2024-03-01 10:00:00] NOTICE[1] chan_sip.c: Registration from '<sip:1@x>' failed for '192.0.2.1:5060' - Wrong password\n"
        let undated = "NOTICE[1]: chan_sip.c: Registration from '<sip:2@x>' failed for '192.0.2.2:5060' - Wrong password\n"
        // prefix, the undated lines, then an overlong line and a few dated ones, sized so that the
        // middle of the file falls in the last line of the prefix: the cut is right before them.
        let prefix = String(repeating: dated, count: 10_000)
        let undatedLines = undated + undated
        let tail = String(repeating: dated, count: 5)
        let longLength = prefix.utf8.count - 20 - undatedLines.utf8.count - tail.utf8.count - 1
        let text = prefix + undatedLines + String(repeating: "A", count: longLength) + "\n" + tail
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("jailbird-split-\(UUID().uuidString)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        var options = ScanOptions(filter: .asterisk, zone: .utc, now: 1_735_689_599)
        options.splitThreshold = 1
        #expect(Scanner.plan(LogSource(path: url.path), options: options).split?.offset == Int64(prefix.utf8.count))
        let (whole, halves) = try Self.scanBoth(url.path, filter: .asterisk)
        Self.expectSame(whole, halves)
        #expect(whole.undatedMatches >= 2)
        #expect(!whole.problems.isEmpty)
        for since in [Int64(1_709_287_200), 1_709_287_201] {
            let (whole, halves) = try Self.scanBoth(url.path, filter: .asterisk, since: since)
            Self.expectSame(whole, halves)
        }
    }

    /// In the hour repeated when clocks go back, a stamp takes the offset of the line before: the
    /// late `02:xx` lines after `03:xx` CET are CET. A second half that starts among them is read
    /// again from the offset the first half ended with, so the halves agree with one pass.
    @Test func secondHalfStartingInTheRepeatedHour() throws {
        let directory = try TemporaryDirectory()
        func line(_ stamp: String, _ index: Int) -> String {
            "[2024-10-27 \(stamp):00] NOTICE[1] chan_sip.c: Registration from '<sip:\(index)@x>' failed for '192.0.2.\(index % 200):5060' - Wrong password\n"
        }
        func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        var text = ""
        for minute in 0..<60 { text += line("03:\(twoDigits(minute))", minute) }
        for index in 0..<240 { text += line("02:\(twoDigits(index % 60))", 60 + index) }
        let path = try directory.write("full", text)
        var options = ScanOptions(filter: .asterisk, zone: try TimeZoneRules(identifier: "Europe/Berlin"), now: 1_735_689_599)
        options.splitThreshold = .max
        let whole = Scanner.scan(LogSource(path: path), fileIndex: 0, options: options)
        options.splitThreshold = 1
        let split = try #require(Scanner.plan(LogSource(path: path), options: options).split)
        #expect(split.offset > Int64(text.utf8.count / 4))  // inside the late 02:xx lines
        let halves = Scanner.scan(LogSource(path: path), fileIndex: 0, options: options)
        #expect(whole.events.count == 300)
        // The last line, 02:59 read in CET, is 01:59 UTC (in CEST it would be 00:59).
        #expect(whole.events.times.last == 1_729_994_340)
        Self.expectSame(whole, halves)
    }

    /// A file cut short after its size was taken (logrotate's copytruncate), even before the
    /// second half's start, is reported, and what was read is kept.
    @Test func aFileCutShortBeforeTheSecondHalfIsReported() throws {
        let path = Fixtures.path("differential/generated-asterisk.log")
        var options = ScanOptions(filter: .asterisk, zone: .utc, now: 1_735_689_599)
        options.splitThreshold = 1
        let split = try #require(Scanner.plan(LogSource(path: path), options: options).split)
        let whole = Scanner.scan(LogSource(path: path), fileIndex: 0, options: options)
        // As if the file had been twice as long, and cut back before the second half began.
        let cut = Scanner.scanInHalves(
            LogSource(path: path), fileIndex: 0, options: options,
            split: Scanner.Split(offset: split.size + 10, kind: nil, size: 2 * split.size))
        #expect(cut.problems.map(\.kind) == [.shrank])
        #expect(cut.problems.first?.offset == split.size)
        #expect(cut.events.count == whole.events.count)
    }

    /// Both halves read the file that was open when the scan began, even when its name is given
    /// to a new file meanwhile.
    @Test func halvesReadTheFileOpenedAtTheStartWhenItsNameIsReused() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("full", try Fixtures.text("differential/generated-asterisk.log"))
        var options = ScanOptions(filter: .asterisk, zone: .utc, now: 1_735_689_599)
        options.splitThreshold = 1
        let source = LogSource(path: path)
        let split = try #require(Scanner.plan(source, options: options).split)
        let before = Scanner.scan(source, fileIndex: 0, options: options)
        let opened = try #require(ByteReader.SharedFile(source))
        #expect(rename(path, path + ".1") == 0)
        try directory.write("full", try Fixtures.text("demo/full"))
        let halves = Scanner.scanInHalves(
            source, fileIndex: 0, options: options, split: split, opened: opened)
        Self.expectSame(before, halves)
    }
}
