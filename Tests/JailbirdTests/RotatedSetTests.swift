import Foundation
import JailbirdTestSupport
import Testing

@testable import Jailbird

/// fail2ban's jail has one filter for all its log files, so sshd's session cache runs on from
/// `auth.log.2.gz` into `auth.log.1` and `auth.log`: a connection whose host is named in one
/// file and whose failure is in the next is counted. hostile-sshd.log (lines of a few dozen
/// connections interleaved) is cut into such a set; read as a set it must give the oracle's
/// failures for the whole log (the oracle reads files in order with one filter, so the cut
/// changes nothing for it: checked live below). Read file by file with fresh caches, each cut
/// loses 6 to 13 failures.
@Suite struct RotatedSetTests {
    /// The set's files, oldest first, and the lines of hostile-sshd.log (0-based) each holds.
    static let pieces: [(name: String, lines: Range<Int>)] = [
        ("auth.log.2.gz", 0..<1000), ("auth.log.1", 1000..<2000), ("auth.log", 2000..<3000),
    ]

    /// Writes the set into `directory`; the oldest piece gzipped, as logrotate leaves it.
    @discardableResult
    static func writeSet(into directory: TemporaryDirectory, plainOnly: Bool = false) throws -> [String] {
        let lines = try Fixtures.text("differential/hostile-sshd.log").split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3001)  // 3,000 lines and the empty text after the last newline
        return try pieces.map { piece in
            let bytes = Array((lines[piece.lines].joined(separator: "\n") + "\n").utf8)
            guard piece.name.hasSuffix(".gz") else { return try directory.write(piece.name, bytes) }
            return plainOnly
                ? try directory.write(String(piece.name.dropLast(3)), bytes) : try directory.write(piece.name, gzipped(bytes))
        }
    }

    /// The line of the whole log that line `line` of piece `piece` was.
    static func wholeLogLine(piece: Int, line: Int) -> Int { pieces[piece].lines.lowerBound + line }

    static func expected(_ mode: SSHDFilter.Mode) throws -> [DifferentialTests.Failure] {
        try DifferentialTests.oracleFailures(
            try Fixtures.text("differential/hostile-sshd.sshd-\(mode.rawValue).expected.jsonl"))
    }

    static func options(_ filter: FilterSpec?) throws -> ScanOptions {
        ScanOptions(filter: filter, zone: try TimeZoneRules(identifier: "UTC"), now: DifferentialTests.generatedReference)
    }

    /// The sshd failures of scans of the pieces, numbered as lines of the whole log.
    static func failures(_ scans: [FileScan]) -> [DifferentialTests.Failure] {
        scans.enumerated().flatMap { piece, scan in
            scan.events.filter { $0.kind == .failure && $0.service == .sshd }.map {
                DifferentialTests.Failure(line: wholeLogLine(piece: piece, line: $0.line), host: $0.host.description, time: $0.time)
            }
        }
    }

    @Test(arguments: SSHDFilter.Mode.allCases)
    func aRotatedSetGivesTheFailuresOfTheWholeLog(mode: SSHDFilter.Mode) throws {
        let directory = try TemporaryDirectory()
        let paths = try Self.writeSet(into: directory)
        let discovered = LogSet.discover([directory.path])
        #expect(discovered.sources.map(\.path) == paths)  // one set, oldest first
        let scans = Scanner.scan(discovered.sources, options: try Self.options(.sshd(mode)))
        #expect(scans.allSatisfy { $0.problems.isEmpty })
        #expect(scans.map(\.sessionPredecessors.count) == [0, 1, 2])
        DifferentialTests.compare(Self.failures(scans), try Self.expected(mode), "rotated hostile-sshd, \(mode)")
    }

    /// The standard set (no --filter) reads syslog files with sshd in normal mode: the same.
    @Test func theStandardSetSharesTheCacheToo() throws {
        let directory = try TemporaryDirectory()
        try Self.writeSet(into: directory)
        let scans = Scanner.scan(LogSet.discover([directory.path]).sources, options: try Self.options(nil))
        DifferentialTests.compare(Self.failures(scans), try Self.expected(.normal), "rotated hostile-sshd, standard set")
    }

    /// Files of different sets, and the files of a set read with a stateless filter, are still
    /// read each on its own (several at once).
    @Test func onlyASetReadWithSSHDIsOneRun() throws {
        let sources = ["a/auth.log.1", "a/auth.log", "a/full.1", "a/full", "b/auth.log"].map { LogSource(path: $0) }
        #expect(Scanner.sessionRuns(sources) { $0.first!.setName.hasSuffix("auth.log") } == [0..<2, 2..<3, 3..<4, 4..<5])
        #expect(Scanner.sessionRuns(sources) { _ in false } == [0..<1, 1..<2, 2..<3, 3..<4, 4..<5])
        #expect(Scanner.sessionRuns(sources) { _ in true } == [0..<2, 2..<4, 4..<5])
    }

    /// A jail replay reads its set as one run as well, and takes the standard scans only where
    /// they continued the sessions of the same files: a jail that reads `auth.log` alone starts
    /// it with an empty cache, as fail2ban would.
    @Test func jailFeedsShareTheCacheAndReuseOnlyMatchingScans() throws {
        let directory = try TemporaryDirectory()
        try Self.writeSet(into: directory)
        let sources = LogSet.discover([directory.path]).sources
        let options = try Self.options(nil)
        let standard = Scanner.scan(sources, options: options)
        let jail = JailParameters(name: "sshd", filter: .sshd(.normal))
        let whole = SimulationInput.reading([JailFeed(parameters: jail, logs: sources)], scan: options, reusing: standard).scans
        DifferentialTests.compare(Self.failures(whole), try Self.expected(.normal), "jail over the set, standard scans reused")
        let fresh = SimulationInput.reading([JailFeed(parameters: jail, logs: sources)], scan: options).scans
        DifferentialTests.compare(Self.failures(fresh), try Self.expected(.normal), "jail over the set, read again")

        let last = [sources[2]]
        let alone = Scanner.scan(last, options: try Self.options(.sshd(.normal)))
        let reading = SimulationInput.reading([JailFeed(parameters: jail, logs: last)], scan: options, reusing: standard).scans
        let lastFailures = { (scans: [FileScan]) in scans[0].events.filter { $0.kind == .failure }.map { "\($0.line) \($0.host)" } }
        #expect(lastFailures(reading) == lastFailures(alone))
        // What a progress bar is told will be read: nothing for the set, auth.log for the other jail.
        #expect(SimulationInput.logsToRead([JailFeed(parameters: jail, logs: sources)], reusing: standard).isEmpty)
        #expect(SimulationInput.logsToRead([JailFeed(parameters: jail, logs: last)], reusing: standard) == last)
        #expect(lastFailures(reading) != lastFailures([standard[2]]))  // the carried cache made a difference
    }

    /// The claim the suite rests on: the oracle's failures for the three files, in order, are
    /// those of the whole log.
    @Test(.enabled(if: DifferentialTests.oracleAvailable, "fail2ban or ../shared/oracle is not installed"))
    func theOracleCountsTheSetAsTheWholeLog() throws {
        let directory = try TemporaryDirectory()
        let paths = try Self.writeSet(into: directory, plainOnly: true)
        let run = try runPython([
            DifferentialTests.oracleScript, "--jail", "sshd", "--filter", "sshd", "--maxretry", "1000000",
            "--order", "asis", "--tz", "UTC", "--year-ref", String(DifferentialTests.generatedReference),
            "--usedns", "raw", "--logencoding", "utf-8", "--no-ignore-events",
        ] + paths)
        #expect(run.status == 0)
        var theirs: [DifferentialTests.Failure] = []
        for line in String(decoding: run.output, as: UTF8.self).split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            guard object["type"] as? String == "fail" else { continue }
            let file = URL(fileURLWithPath: try #require(object["file"] as? String)).lastPathComponent
            let piece = try #require(paths.firstIndex { URL(fileURLWithPath: $0).lastPathComponent == file })
            let ip = try #require(object["ip"] as? String)
            theirs.append(
                DifferentialTests.Failure(
                    line: Self.wholeLogLine(piece: piece, line: try #require(object["line"] as? Int)),
                    host: IPAddress(ip)?.description ?? ip, time: Int64(try #require(object["time"] as? Double))))
        }
        DifferentialTests.compare(theirs, try Self.expected(.normal), "live oracle over the set")
    }
}
