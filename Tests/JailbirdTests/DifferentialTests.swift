import Foundation
import Testing
import JailbirdTestSupport
@testable import Jailbird

/// jailbird against the real fail2ban 1.0.2: for every log in fixtures/differential (generated,
/// corpus and fail2ban's own annotated samples) and every filter, the failures `jailbird scan
/// --filter F` finds — line, host and time — equal the oracle's, which are committed as
/// `<log>.<filter>.expected.jsonl` (see fixtures/differential/README.md).
@Suite struct DifferentialTests {
    /// One expected file and how to reproduce the run that made it.
    struct Case: CustomTestStringConvertible, Sendable {
        var expectedFile: String
        var logPath: String
        var filter: FilterSpec
        var zone: String
        var reference: Int64
        var testDescription: String { URL(fileURLWithPath: expectedFile).lastPathComponent }
    }

    /// The zone and year reference of fail2ban's own test suite, used for its sample logs.
    static let sampleZone = "CET-01CEST-02,M3.5.0,M10.5.0"
    static let sampleReference: Int64 = 1_124_013_600
    static let generatedReference: Int64 = 1_735_689_599

    static var cases: [Case] {
        let directory = Fixtures.path("differential")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".expected.jsonl") }.sorted().compactMap { name in
            let stem = String(name.dropLast(".expected.jsonl".count))
            guard let dot = stem.lastIndex(of: ".") else { return nil }
            let log = String(stem[..<dot])
            let filterName = String(stem[stem.index(after: dot)...])
            let filter: FilterSpec
            switch filterName {
            case "asterisk": filter = .asterisk
            case "recidive": filter = .recidive(jailName: "recidive")
            default:
                // sshd-MODE, or sshd-MODE-TAG for another _daemon (`daemonTags`)
                let parts = filterName.split(separator: "-", maxSplits: 2).map(String.init)
                guard parts.count >= 2, parts[0] == "sshd", let mode = SSHDFilter.Mode(rawValue: parts[1]) else { return nil }
                var daemon = SSHDDaemonNames.stock
                if parts.count == 3 {
                    guard let pattern = daemonTags[parts[2]], let names = SSHDDaemonNames(parsing: pattern) else { return nil }
                    daemon = names
                }
                filter = .sshd(mode, daemon: daemon)
            }
            let logPath: String
            if log.hasPrefix("sample-") {
                logPath = Fixtures.path("fail2ban-samples/" + log.dropFirst("sample-".count))
            } else if log.hasPrefix("loghub-") {
                logPath = Fixtures.path("corpus/\(log).log")
            } else {
                logPath = Fixtures.path("differential/\(log).log")
            }
            let isSample = log.hasPrefix("sample-")
            return Case(
                expectedFile: directory + "/" + name, logPath: logPath, filter: filter,
                zone: isSample ? sampleZone : "UTC", reference: isSample ? sampleReference : generatedReference)
        }
    }

    /// The `_daemon` values of the expected files named `<log>.sshd-<mode>-<tag>` (regenerate.sh).
    static let daemonTags = [
        "session": "sshd-session", "newer": "sshd(?:-session|-auth)?",
        "alternatives": "(?:sshd-auth|sshd|sshd-session)",
    ]

    /// A failure as both sides report it.
    struct Failure: Hashable, Comparable, CustomStringConvertible {
        var line: Int
        var host: String
        var time: Int64
        static func < (lhs: Failure, rhs: Failure) -> Bool { (lhs.line, lhs.host, lhs.time) < (rhs.line, rhs.host, rhs.time) }
        var description: String { "line \(line) \(host) @\(time)" }
    }

    static func jailbirdFailures(_ testCase: Case) throws -> [Failure] {
        let options = ScanOptions(
            filter: testCase.filter, zone: try TimeZoneRules(identifier: testCase.zone), now: testCase.reference)
        let scan = Scanner.scan(LogSource(path: testCase.logPath), fileIndex: 0, options: options)
        #expect(scan.problems.isEmpty, "\(scan.problems)")
        return scan.events.filter { $0.kind == .failure }.map {
            Failure(line: $0.line, host: $0.host.description, time: $0.time)
        }
    }

    /// Parses the oracle's failures: `{"line":N,"ip":"…","time":EPOCH}` per line (the committed
    /// files), or its raw JSON-lines output (`"type":"fail"` objects).
    static func oracleFailures(_ text: String) throws -> [Failure] {
        var result: [Failure] = []
        for line in text.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if let type = object["type"] as? String, type != "fail" { continue }
            let ip = try #require(object["ip"] as? String)
            // Canonical text for addresses, as jailbird prints them; host names stay as they are.
            let host = IPAddress(ip)?.description ?? ip
            result.append(
                Failure(line: try #require(object["line"] as? Int), host: host, time: Int64(try #require(object["time"] as? Double))))
        }
        return result
    }

    static func compare(_ ours: [Failure], _ theirs: [Failure], _ label: String) {
        let extra = Set(ours).subtracting(theirs).sorted()
        let missed = Set(theirs).subtracting(ours).sorted()
        #expect(extra.isEmpty, "\(label): \(extra.count) failures fail2ban does not count, e.g. \(extra.prefix(5))")
        #expect(missed.isEmpty, "\(label): \(missed.count) failures jailbird misses, e.g. \(missed.prefix(5))")
        #expect(ours.count == theirs.count, "\(label): \(ours.count) vs \(theirs.count)")
    }

    @Test func everyExpectedFileIsCovered() {
        // 7 logs × their filters; a missing file would silently shrink the suite.
        #expect(Self.cases.count >= 24)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: Fixtures.path("differential"))) ?? []
        #expect(Self.cases.count == files.filter { $0.hasSuffix(".expected.jsonl") }.count, "a file no case reads")
    }

    @Test(arguments: cases)
    func failuresEqualTheCommittedOracleOutput(_ testCase: Case) throws {
        let expected = try Self.oracleFailures(try String(contentsOfFile: testCase.expectedFile, encoding: .utf8))
        Self.compare(try Self.jailbirdFailures(testCase), expected, testCase.testDescription)
    }

    /// Where fail2ban is installed (CI installs it), the oracle runs live on the same inputs.
    static let oracleScript = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("shared/oracle/fail2ban_replay.py").path
    static var oracleAvailable: Bool {
        FileManager.default.fileExists(atPath: "/usr/lib/python3/dist-packages/fail2ban/__init__.py")
            && FileManager.default.fileExists(atPath: oracleScript) && FileManager.default.fileExists(atPath: "/usr/bin/python3")
    }

    @Test(.enabled(if: oracleAvailable, "fail2ban or ../shared/oracle is not installed"), arguments: cases)
    func failuresEqualTheLiveOracle(_ testCase: Case) throws {
        let jail: String
        switch testCase.filter {
        case .asterisk: jail = "asterisk"
        case .sshd: jail = "sshd"
        case .recidive: jail = "recidive"
        }
        let run = try runPython([
            Self.oracleScript, "--jail", jail, "--filter", testCase.filter.description, "--maxretry", "1000000",
            "--order", "asis", "--tz", testCase.zone, "--year-ref", String(testCase.reference), "--usedns", "raw",
            "--logencoding", "utf-8", "--no-ignore-events", testCase.logPath,
        ])
        #expect(run.status == 0)
        let data = run.output
        let text = String(decoding: data, as: UTF8.self)
        let theirs = try Self.oracleFailures(text.split(separator: "\n").filter { !$0.contains("\"type\":\"summary\"") }.joined(separator: "\n"))
        Self.compare(try Self.jailbirdFailures(testCase), theirs, "live " + testCase.testDescription)
    }
}
