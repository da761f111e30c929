import Foundation
import Testing

@testable import Jailbird

/// A large plain file read with `--filter sshd` on two cores is cut into pieces whose hits are
/// found at once and merged into the session cache in line order; the result must be exactly
/// that of one pass, whatever the pieces' size.
@Suite struct PipelinedSSHDScanTests {
    static let reference: Int64 = 1_735_689_599

    /// One pass and the pipeline (called directly, so that it runs even on one core).
    /// `mode` nil: the standard set (the file must be a syslog file).
    static func scanBoth(
        _ path: String, mode: SSHDFilter.Mode?, zone: TimeZoneRules = .utc, chunkBytes: Int64, lineLimit: Int? = nil
    ) throws -> (onePass: FileScan, pipelined: FileScan) {
        var options = ScanOptions(filter: mode.map { .sshd($0) }, zone: zone, now: reference)
        if let lineLimit { options.maxLineLength = lineLimit }
        options.pipelineThreshold = .max
        options.pipelineChunkBytes = chunkBytes
        let source = LogSource(path: path)
        let onePass = Scanner.scan(source, fileIndex: 2, options: options)
        var sessions: SSHDFilter?
        let size = try #require(ByteReader.plainFileSize(source))
        if mode == nil { #expect(LogKind.detect(source) == .other) }
        let pipelined = PipelinedSSHDScan.scan(
            source, fileIndex: 2, options: options, size: size, kind: mode == nil ? .other : nil, sessions: &sessions)
        return (onePass, pipelined)
    }

    @Test(arguments: [
        "differential/hostile-sshd.log", "differential/generated-auth.log", "differential/newer-openssh.log",
        "corpus/loghub-OpenSSH_2k.log",
        "fail2ban-samples/sshd",
    ])
    func piecesMergedInOrderEqualOnePass(_ relative: String) throws {
        for mode in SSHDFilter.Mode.allCases.map(Optional.some) + [nil] {
            for chunkBytes: Int64 in [997, 8191, 65536] {
                let (onePass, pipelined) = try Self.scanBoth(Fixtures.path(relative), mode: mode, chunkBytes: chunkBytes)
                #expect(onePass.events.count > 0)
                // fail2ban's sample ends with an undated line (see SplitScanTests.expectSame).
                SplitScanTests.expectSame(onePass, pipelined, lastLineTime: onePass.lastLineTime != nil)
            }
        }
    }

    /// The standard set on a syslog file tries asterisk, sshd and fail2ban.log's records on each
    /// line, the first match winning: the pipeline defers every match, in line order.
    @Test func theStandardSetOnAMixedSyslogFile() throws {
        let directory = try TemporaryDirectory()
        let sshd = try Fixtures.text("differential/hostile-sshd.log").split(separator: "\n")
        let asterisk = try Fixtures.text("differential/generated-asterisk.log").split(separator: "\n")
        let records = try Fixtures.text("differential/generated-fail2ban.log").split(separator: "\n")
        var text = ""
        for (index, line) in sshd.enumerated() {
            text += line + "\n"
            if index % 7 == 3 { text += asterisk[(index / 7) % asterisk.count] + "\n" }
            if index % 11 == 5 { text += records[(index / 11) % records.count] + "\n" }
        }
        let path = try directory.write("syslog", text)
        for chunkBytes: Int64 in [997, 8191] {
            let (onePass, pipelined) = try Self.scanBoth(path, mode: nil, chunkBytes: chunkBytes)
            #expect(Set(onePass.events.services) == [.asterisk, .sshd, .fail2ban])
            SplitScanTests.expectSame(onePass, pipelined, lastLineTime: onePass.lastLineTime != nil)
        }
    }

    /// NUL bytes, CRLF, invalid UTF-8, overlong lines and a last line without newline, at any
    /// place relative to the pieces' edges.
    @Test func hostileBytesGiveTheSameResult() throws {
        let directory = try TemporaryDirectory()
        let original = Array(try Fixtures.text("differential/hostile-sshd.log").utf8)
        var generator = SeededGenerator(seed: 7)
        for round in 0..<6 {
            var bytes = mutated(
                original, edits: 20...60, bytes: [0, 0x0D, 0x0A, 0xFF, 0xC3, 0x20], pieces: [Array(repeating: 0x41, count: 700)],
                &generator)
            if round % 2 == 1 { bytes.removeLast() }  // no final newline
            let path = try directory.write("auth.log.\(round)", bytes)
            let (onePass, pipelined) = try Self.scanBoth(path, mode: .aggressive, chunkBytes: 4099, lineLimit: 512)
            #expect(!onePass.problems.isEmpty)  // the overlong lines
            SplitScanTests.expectSame(onePass, pipelined, lastLineTime: onePass.lastLineTime != nil)
        }
    }

    /// In the hour that is repeated when clocks go back, a stamp takes the offset of the line
    /// before (as glibc's mktime does): after lines of 03:00-03:59 CET, a late 02:30 is CET too,
    /// where a reader without that context would take CEST. A piece that starts among such
    /// lines is read again from the offset the piece before ended with.
    @Test func aPieceStartingInTheRepeatedHourReadsItAsOnePassDoes() throws {
        let directory = try TemporaryDirectory()
        var text = ""
        // 2024-10-27, Europe/Berlin: 03:00-03:59 CET (UTC+1), then late lines stamped 02:00-02:59.
        for (index, stamp) in ((0..<60).map { "03:\(Self.twoDigits($0))" } + (0..<60).map { "02:\(Self.twoDigits($0))" }).enumerated() {
            text += "Oct 27 \(stamp):00 h sshd[\(index)]: Failed password for root from 192.0.2.\(index % 200) port 22 ssh2\n"
            text += "Oct 27 \(stamp):00 h CRON[\(index)]: pam_unix(cron:session): session closed for user root\n"
        }
        let path = try directory.write("auth.log", text)
        let zone = try TimeZoneRules(identifier: "Europe/Berlin")
        for chunkBytes: Int64 in [500, 1500, 4000] {
            let (onePass, pipelined) = try Self.scanBoth(path, mode: .normal, zone: zone, chunkBytes: chunkBytes)
            #expect(onePass.events.count == 120)
            // 02:30 CET is 01:30 UTC (in CEST it would be 00:30).
            #expect(onePass.events.times[90] == 1_729_992_600)
            SplitScanTests.expectSame(onePass, pipelined)
        }
    }

    static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// Through `Scanner.scan`, a rotated set read with the pipeline still shares one session
    /// cache: the failures of the whole log (RotatedSetTests' set, in pieces of 4 KiB).
    @Test func aRotatedSetThroughThePipelineSharesTheCache() throws {
        let directory = try TemporaryDirectory()
        try RotatedSetTests.writeSet(into: directory)
        var options = try RotatedSetTests.options(.sshd(.normal))
        options.pipelineThreshold = 1
        options.pipelineChunkBytes = 4096
        let scans = Scanner.scan(LogSet.discover([directory.path]).sources, options: options)
        DifferentialTests.compare(
            RotatedSetTests.failures(scans), try RotatedSetTests.expected(.normal), "rotated hostile-sshd, pipelined")
    }

    /// A file cut short after its size was taken (logrotate's copytruncate) is reported, and the
    /// lines before the cut are kept, even where the cut falls between pieces.
    @Test func aFileCutShortWhileReadIsReported() throws {
        let directory = try TemporaryDirectory()
        let bytes = Array(try Fixtures.text("differential/hostile-sshd.log").utf8)
        let path = try directory.write("auth.log", bytes)
        var options = ScanOptions(filter: .sshd(.normal), zone: .utc, now: Self.reference)
        options.pipelineChunkBytes = 8192
        let whole = Scanner.scan(LogSource(path: path), fileIndex: 0, options: options)
        var sessions: SSHDFilter?
        // As if the file had been 64 KiB longer when the scan began.
        let cut = PipelinedSSHDScan.scan(
            LogSource(path: path), fileIndex: 0, options: options, size: Int64(bytes.count) + 65536, sessions: &sessions)
        #expect(cut.problems.map(\.kind) == [.shrank])
        #expect(cut.problems.first?.offset == Int64(bytes.count))
        #expect(cut.events.count == whole.events.count)
    }

    /// The pieces all read the file that was open when the scan began, even when its name is
    /// given to a new file meanwhile (logrotate renaming auth.log and creating a new one).
    @Test func piecesReadTheFileOpenedAtTheStartWhenItsNameIsReused() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("auth.log", try Fixtures.text("differential/hostile-sshd.log"))
        var options = ScanOptions(filter: .sshd(.normal), zone: .utc, now: Self.reference)
        options.pipelineChunkBytes = 8192
        let source = LogSource(path: path)
        let before = Scanner.scan(source, fileIndex: 0, options: options)
        let size = try #require(ByteReader.plainFileSize(source))
        let opened = try #require(ByteReader.SharedFile(source))
        #expect(rename(path, path + ".1") == 0)
        try directory.write("auth.log", Array(try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("differential/generated-auth.log")))))
        var sessions: SSHDFilter?
        let pipelined = PipelinedSSHDScan.scan(source, fileIndex: 0, options: options, size: size, opened: opened, sessions: &sessions)
        SplitScanTests.expectSame(before, pipelined)
    }

    /// Two large sshd files given together (`jailbird scan auth.log secure`) are scanned at once,
    /// each through the pipeline from inside `Scanner.scan`'s own parallel loop. The pipeline's
    /// workers wait for each other, so they must run at the same time even there: on two cores
    /// this scan never finished while they were iterations of a nested `concurrentPerform`.
    @Test func twoPipelinedFilesAtOnceFinishWithTheirOnePassResults() throws {
        let paths = ["differential/hostile-sshd.log", "differential/generated-auth.log"].map(Fixtures.path)
        var options = ScanOptions(filter: .sshd(.normal), zone: .utc, now: Self.reference)
        options.pipelineThreshold = 64 << 10
        options.pipelineChunkBytes = 16 << 10
        #expect(paths.allSatisfy { Scanner.plan(LogSource(path: $0), options: options) != .onePass }
            || System.usableProcessorCount < 2)
        // Run on a thread of its own, so that a scan that hangs fails the test instead of the run.
        let finished = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var scans: [FileScan] = []
        let pipelining = options
        DispatchQueue.global().async {
            scans = Scanner.scan(paths.map { LogSource(path: $0) }, options: pipelining)
            finished.signal()
        }
        try #require(finished.wait(timeout: .now() + 120) == .success, "the scan of two pipelined files hangs")
        options.pipelineThreshold = .max
        for (index, (path, scan)) in zip(paths, scans).enumerated() {
            let onePass = Scanner.scan(LogSource(path: path), fileIndex: index, options: options)
            SplitScanTests.expectSame(onePass, scan)
        }
    }
}
