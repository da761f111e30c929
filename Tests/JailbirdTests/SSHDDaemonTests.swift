import Foundation
import Testing

@testable import Jailbird

/// sshd.conf's `_daemon` (`sshd[_daemon=...]`): which process names the filter reads, and the
/// count of `sshd-session` / `sshd-auth` lines (OpenSSH 9.8 and later) it leaves unread. Which
/// lines each value makes failures is checked against fail2ban in DifferentialTests
/// (newer-openssh.*.expected.jsonl).
@Suite struct SSHDDaemonTests {
    static let reference: Int64 = 1_735_689_599

    @Test(arguments: [
        ("sshd", ["sshd"]),
        ("sshd-session", ["sshd-session"]),
        ("sshd(?:-session|-auth)?", ["sshd-session", "sshd-auth", "sshd"]),
        ("sshd(?:-session)", ["sshd-session"]),
        ("(?:sshd-auth|sshd|sshd-session)", ["sshd-auth", "sshd", "sshd-session"]),
    ])
    func namesComeInTheRegexEnginesOrder(_ pattern: String, _ names: [String]) throws {
        let parsed = try #require(SSHDDaemonNames(parsing: pattern))
        #expect(parsed.names == names)
        #expect(parsed.pattern == pattern)
    }

    @Test(arguments: [
        "", "sshd.*", "\\S+", "sshd(?:-session", "sshd(?:-session)?x", "(?:sshd|)", "(?:sshd)?", "sshd(?:a(?:b))",
        "sshd[0-9]", "ssh d", "sshdé",
    ])
    func patternsAreRefused(_ pattern: String) {
        #expect(SSHDDaemonNames(parsing: pattern) == nil)
        #expect(throws: FilterSpecError.self) { try FilterSpec(parsing: "sshd[_daemon=\"\(pattern)\"]") }
    }

    @Test func theFilterSpecReadsAndWritesTheOption() throws {
        let spec = try FilterSpec(parsing: "sshd[mode=aggressive, _daemon=\"sshd(?:-session|-auth)?\"]")
        let names = try #require(SSHDDaemonNames(parsing: "sshd(?:-session|-auth)?"))
        #expect(spec == .sshd(.aggressive, daemon: names))
        #expect(try FilterSpec(parsing: spec.description) == spec)
        #expect(try FilterSpec(parsing: "sshd[_daemon=sshd]") == .sshd(.normal))
        #expect(try FilterSpec(parsing: "sshd[_daemon=sshd]").description == "sshd")
        let error = #expect(throws: FilterSpecError.self) { try FilterSpec(parsing: "sshd[_daemon=sshd.*]") }
        #expect(error?.description.contains("sshd(?:-session|-auth)?") == true)
        #expect(error?.text == "sshd[_daemon=sshd.*]")
    }

    /// The lines of newer-openssh.log whose process is sshd-session or sshd-auth, in any shape
    /// of `__daemon_re`, told by a regular expression rather than by the filter's byte reader.
    static func newerNameLines(_ path: String, unreadBy names: [String]) throws -> Int {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let pattern = /^\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ [\[(]?(sshd-session|sshd-auth)[\[(\]):]/
        return data.split(separator: UInt8(ascii: "\n")).filter { line in
            guard let match = String(decoding: line, as: UTF8.self).firstMatch(of: pattern) else { return false }
            return !names.contains(String(match.1))
        }.count
    }

    @Test(arguments: [
        ("sshd", ["sshd"]), ("sshd-session", ["sshd-session"]), ("sshd(?:-session|-auth)?", ["sshd-session", "sshd-auth"]),
    ])
    func unreadNewerLinesAreCountedInOnePassAndInPieces(_ pattern: String, _ reads: [String]) throws {
        let path = Fixtures.path("differential/newer-openssh.log")
        let expected = try Self.newerNameLines(path, unreadBy: reads)
        if pattern == "sshd" { #expect(expected > 1_000) }
        let daemon = try #require(SSHDDaemonNames(parsing: pattern))
        for mode in [SSHDFilter.Mode.normal, .aggressive] {
            var options = ScanOptions(filter: .sshd(mode, daemon: daemon), zone: .utc, now: Self.reference)
            options.pipelineThreshold = .max
            options.pipelineChunkBytes = 8191
            let source = LogSource(path: path)
            let onePass = Scanner.scan(source, fileIndex: 0, options: options)
            #expect(onePass.unreadNewerSSHDLines == expected, "\(pattern) \(mode)")
            var sessions: SSHDFilter?
            let pipelined = PipelinedSSHDScan.scan(
                source, fileIndex: 0, options: options, size: try #require(ByteReader.plainFileSize(source)),
                sessions: &sessions)
            #expect(pipelined.unreadNewerSSHDLines == expected, "\(pattern) \(mode), pipelined")
        }
        // The standard set reads sshd as the stock filter does.
        let standard = Scanner.scan(LogSource(path: path), fileIndex: 0, options: ScanOptions(zone: .utc, now: Self.reference))
        #expect(standard.unreadNewerSSHDLines == (try Self.newerNameLines(path, unreadBy: ["sshd"])))
    }

    /// Each file of a rotated set, read with one session cache, counts its own lines.
    @Test func eachFileOfARotatedSetCountsItsOwn() throws {
        let directory = try TemporaryDirectory()
        let text = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("differential/newer-openssh.log")))
        let lines = text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let half = lines.count / 2
        let older = Array(lines[..<half].joined(separator: [UInt8(ascii: "\n")])) + [UInt8(ascii: "\n")]
        let newer = Array(lines[half...].joined(separator: [UInt8(ascii: "\n")]))
        let olderPath = try directory.write("auth.log.1", older)
        let newerPath = try directory.write("auth.log", newer)
        let discovered = LogSet.discover([directory.path])
        #expect(discovered.sources.map(\.path) == [olderPath, newerPath])
        let scans = Scanner.scan(discovered.sources, options: ScanOptions(filter: .sshd(.normal), zone: .utc, now: Self.reference))
        #expect(scans.map(\.unreadNewerSSHDLines) == [
            try Self.newerNameLines(olderPath, unreadBy: ["sshd"]), try Self.newerNameLines(newerPath, unreadBy: ["sshd"]),
        ])
        #expect(scans.allSatisfy { $0.warnings.count == 1 })
    }
}
