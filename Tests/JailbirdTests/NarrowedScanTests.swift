import Foundation
import Testing

@testable import Jailbird

/// The analysis commands read the logs once with the standard filter set; a jail's stream takes
/// its events from that reading (`FileScan.narrowed`) only where a scan with the jail's filter
/// alone would give exactly the same.
@Suite struct NarrowedScanTests {
    static let logs = [
        "demo/full", "demo/full.1", "demo/full.2.gz", "demo/auth.log", "demo/auth.log.1.gz",
        "differential/generated-asterisk.log", "differential/generated-auth.log", "corpus/loghub-OpenSSH_2k.log",
        "differential/generated-fail2ban.log",
    ]
    static let filters: [FilterSpec] = [
        .asterisk, .sshd(.normal), .sshd(.aggressive), .recidive(jailName: "recidive"),
    ]

    /// With and without a window (events outside it still give later undated lines their time).
    @Test(arguments: [nil, Int64(1_700_000_000)] as [Int64?])
    func narrowedEqualsAScanWithTheFilterAlone(since: Int64?) throws {
        var narrowedSome = 0
        for log in Self.logs {
            let source = LogSource(path: Fixtures.path(log))
            let options = ScanOptions(zone: .utc, now: 1_735_689_599, since: since)
            let standard = Scanner.scan(source, fileIndex: 0, options: options)
            for filter in Self.filters {
                var alone = options
                alone.filter = filter
                let expected = Scanner.scan(source, fileIndex: 5, options: alone)
                guard let narrowed = standard.narrowed(to: filter, fileIndex: 5) else {
                    #expect(!standard.canNarrow(to: filter))
                    continue
                }
                narrowedSome += 1
                SplitScanTests.expectSame(narrowed, expected)
                #expect(narrowed.kind == expected.kind)
            }
        }
        // Every Asterisk log for asterisk, every auth.log for sshd in normal mode.
        #expect(narrowedSome >= 8)
    }

    /// The standard set given another `_daemon` (`--sshd-daemon`) reads what the sshd filter with
    /// that `_daemon` reads, and narrows to that filter only, not to the stock one.
    @Test func aStandardSetWithAnotherDaemonNarrowsToThatFilter() throws {
        let newer = try #require(SSHDDaemonNames(parsing: "sshd(?:-session|-auth)?"))
        let source = LogSource(path: Fixtures.path("differential/newer-openssh.log"))
        var options = ScanOptions(zone: .utc, now: 1_735_689_599)
        options.standardSSHDDaemon = newer
        let standard = Scanner.scan(source, fileIndex: 0, options: options)
        #expect(standard.standardSSHDDaemon == newer)
        #expect(standard.unreadNewerSSHDLines == 0)
        var alone = options
        alone.filter = .sshd(.normal, daemon: newer)
        let expected = Scanner.scan(source, fileIndex: 5, options: alone)
        #expect(expected.standardSSHDDaemon == nil)
        let narrowed = try #require(standard.narrowed(to: .sshd(.normal, daemon: newer), fileIndex: 5))
        SplitScanTests.expectSame(narrowed, expected)
        #expect(expected.tally.failures > 700)  // newer-openssh.sshd-normal-newer.expected.jsonl: 743
        #expect(!standard.canNarrow(to: .sshd(.normal)))
        // And the stock standard set does not narrow to the other filter.
        let stock = Scanner.scan(source, fileIndex: 0, options: ScanOptions(zone: .utc, now: 1_735_689_599))
        #expect(!stock.canNarrow(to: .sshd(.normal, daemon: newer)))
        #expect(stock.canNarrow(to: .sshd(.normal)))
    }

    /// A log where one filter of the set took a line another would have matched is read again.
    @Test func refusedWhereAnotherFilterOfTheSetMatched() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jb-narrow-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("mixed.log").path
        try """
        Jan 15 10:00:00 pbx sshd[12]: Failed password for root from 192.0.2.7 port 22 ssh2
        Jan 15 10:00:01 pbx asterisk[3]: NOTICE[4] chan_sip.c: hacking attempt detected '198.51.100.9'
        Jan 15 10:00:02 pbx sshd[13]: Failed password for root from 192.0.2.8 port 22 ssh2

        """.write(toFile: path, atomically: true, encoding: .utf8)
        let options = ScanOptions(zone: .utc, now: 1_735_689_599)
        let standard = Scanner.scan(LogSource(path: path), fileIndex: 0, options: options)
        #expect(standard.matchedLines[Int(Service.asterisk.rawValue)] == 1)
        #expect(standard.matchedLines[Int(Service.sshd.rawValue)] == 2)
        #expect(standard.narrowed(to: .sshd(.normal), fileIndex: 1) == nil)
        #expect(standard.narrowed(to: .asterisk, fileIndex: 1) == nil)
    }
}
