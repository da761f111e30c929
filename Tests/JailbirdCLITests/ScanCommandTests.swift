import Foundation
import Testing

@Suite(.serialized) struct ScanCommandTests {
    /// A temporary directory for inputs the tests write.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("jailbird-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static let asteriskLines = """
        [2024-03-01 10:00:00] NOTICE[3141] chan_sip.c: Registration from '"100" <sip:100@192.0.2.254>' failed for '203.0.113.10:5060' - Wrong password
        [2024-03-01 10:00:05] VERBOSE[3141] chan_sip.c: Sending keepalive to peer trunk-1
        [2024-03-01 10:01:00] NOTICE[3141] chan_sip.c: Registration from '"=HYPERLINK(1)" <sip:=cmd@192.0.2.254>' failed for '203.0.113.11:5060' - Wrong password

        """

    @Test func summaryCountsEventsByRule() throws {
        let directory = try Self.temporaryDirectory()
        let full = directory.appendingPathComponent("full")
        try Self.asteriskLines.write(to: full, atomically: true, encoding: .utf8)
        let run = try CLIRun.run(["scan", "--tz", "UTC", full.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("asterisk.registration-failed"))
        #expect(run.stdout.contains("Failures: 2 from 2 addresses"))
        #expect(run.stdout.contains("3 lines"))
    }

    @Test func ndjsonEventsCarryTheDocumentedFields() throws {
        let directory = try Self.temporaryDirectory()
        let full = directory.appendingPathComponent("full")
        try Self.asteriskLines.write(to: full, atomically: true, encoding: .utf8)
        let run = try CLIRun.run(["scan", "--tz", "UTC", "--events", "ndjson", full.path])
        #expect(run.status == 0)
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        let first = try #require(
            try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["time"] as? String == "2024-03-01T10:00:00Z")
        #expect(first["ip"] as? String == "203.0.113.10")
        #expect(first["service"] as? String == "asterisk")
        #expect(first["kind"] as? String == "failure")
        #expect(first["rule"] as? String == "asterisk.registration-failed")
        #expect(first["user"] as? String == "100")
        #expect(first["line"] as? Int == 1)
        #expect(first["unresolved_host"] is NSNull)
        #expect(Set(first.keys) == ["time", "ip", "unresolved_host", "service", "kind", "rule", "user", "jail", "file", "line"])
    }

    @Test func csvNeutralisesFormulasInAttackerText() throws {
        let directory = try Self.temporaryDirectory()
        let full = directory.appendingPathComponent("full")
        try Self.asteriskLines.write(to: full, atomically: true, encoding: .utf8)
        let run = try CLIRun.run(["scan", "--tz", "UTC", "--events", "csv", full.path])
        #expect(run.status == 0)
        let rows = run.stdout.split(separator: "\n")
        #expect(rows.first == "time,ip,unresolved_host,service,kind,rule,user,jail,file,line")
        #expect(rows.count == 3)
        // The user of the second event is "=cmd": it must not start a cell with '='.
        #expect(rows[2].contains(",'=cmd,"))
        #expect(!rows[2].contains(",=cmd,"))
    }

    @Test func missingFileIsReportedAndTheOthersAreStillRead() throws {
        let directory = try Self.temporaryDirectory()
        let full = directory.appendingPathComponent("full")
        try Self.asteriskLines.write(to: full, atomically: true, encoding: .utf8)
        let missing = directory.appendingPathComponent("nope.log").path
        let run = try CLIRun.run(["scan", "--tz", "UTC", "--events", "ndjson", missing, full.path])
        #expect(run.status == 1)
        #expect(run.stderr.contains("nope.log"))
        #expect(run.stdout.split(separator: "\n").count == 2)
    }

    @Test func standardInputIsRead() throws {
        let run = try CLIRun.run(["scan", "--tz", "UTC", "--events", "ndjson", "-"], stdin: Data(Self.asteriskLines.utf8))
        #expect(run.status == 0)
        #expect(run.stdout.split(separator: "\n").count == 2)
    }

    @Test func usageErrorsExitWith64() throws {
        #expect(try CLIRun.run(["scan"]).status == 64)
        #expect(try CLIRun.run(["scan", "--filter", "nosuchfilter", "x"]).status == 64)
        #expect(try CLIRun.run(["scan", "--tz", "Mars/Olympus_Mons", "x"]).status == 64)
        #expect(try CLIRun.run(["scan", "--since", "yesterday-ish", "x"]).status == 64)
        #expect(try CLIRun.run(["scan", "-", "-"]).status == 64)
    }

    @Test func terminalSummaryNeverPrintsControlCharactersFromFileNames() throws {
        let directory = try Self.temporaryDirectory()
        let hostile = directory.appendingPathComponent("evil\u{1b}[31mred")
        try Self.asteriskLines.write(to: hostile, atomically: true, encoding: .utf8)
        let run = try CLIRun.run(["scan", "--tz", "UTC", hostile.path])
        #expect(run.status == 0)
        #expect(!run.stdout.contains("\u{1b}"))
        #expect(run.stdout.contains("\\x1b"))
    }
}
