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

    /// OpenSSH 9.8 and later log as sshd-session and sshd-auth, which fail2ban 1.0.2's stock sshd
    /// filter does not read: the scan says so (the exit status stays 0, all input was read), and
    /// `_daemon` reads them.
    @Test func unreadSSHDSessionLinesAreReportedAndTheOptionReadsThem() throws {
        let directory = try Self.temporaryDirectory()
        let log = directory.appendingPathComponent("auth.log")
        try """
            Dec  7 10:00:01 pbx sshd-session[1234]: Failed password for root from 203.0.113.5 port 4242 ssh2
            Dec  7 10:00:02 pbx sshd-auth[1236]: Invalid user bob from 203.0.113.7 port 4242
            Dec  7 10:00:03 pbx sshd[1235]: Failed password for root from 203.0.113.6 port 4242 ssh2

            """.write(to: log, atomically: true, encoding: .utf8)
        let time = ["--tz", "UTC", "--now", "2026-12-08T00:00:00Z"]
        let stock = try CLIRun.run(["scan"] + time + [log.path])
        #expect(stock.status == 0, "\(stock.stderr)")
        #expect(stock.stdout.contains("Failures: 1 from 1 addresses"))
        #expect(stock.stdout.contains("Lines of sshd-session or sshd-auth the sshd filter does not read: 2"))
        #expect(stock.stderr.contains("warning: \(log.path): 2 lines of sshd-session or sshd-auth"))
        let filtered = try CLIRun.run(["scan", "--filter", "sshd"] + time + [log.path])
        #expect(filtered.stderr.contains("--filter 'sshd[_daemon=\"sshd(?:-session|-auth)?\"]'"))

        let reading = try CLIRun.run(["scan", "--filter", "sshd[_daemon=\"sshd(?:-session|-auth)?\"]"] + time + [log.path])
        #expect(reading.status == 0, "\(reading.stderr)")
        #expect(reading.stdout.contains("Failures: 3 from 3 addresses"))
        #expect(!reading.stdout.contains("does not read"))
        #expect(reading.stderr.isEmpty)

        let simulated = try CLIRun.run(["simulate", "--jail", "sshd", "--maxretry", "1"] + time + [log.path])
        #expect(simulated.status == 0, "\(simulated.stderr)")
        #expect(simulated.stderr.contains("2 lines of sshd-session or sshd-auth"))

        // The standard filters (scan without --filter, offenders, report, stats) with --sshd-daemon.
        #expect(stock.stderr.contains("--sshd-daemon 'sshd(?:-session|-auth)?'"))
        let standard = try CLIRun.run(["scan", "--sshd-daemon", "sshd(?:-session|-auth)?"] + time + [log.path])
        #expect(standard.status == 0, "\(standard.stderr)")
        #expect(standard.stdout.contains("Failures: 3 from 3 addresses"))
        #expect(standard.stderr.isEmpty)
        let offenders = try CLIRun.run(["offenders", "--sshd-daemon", "sshd(?:-session|-auth)?"] + time + [log.path])
        #expect(offenders.status == 0, "\(offenders.stderr)")
        #expect(offenders.stdout.split(separator: "\n").count == 4)  // the header and three addresses
        // The report says it in the document itself, where its readers look.
        let report = try CLIRun.run(["report"] + time + [log.path])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("**Not everything in the inputs was read:**"))
        #expect(report.stdout.contains("2 lines of sshd\\-session or sshd\\-auth"))
        #expect(try CLIRun.run(["scan", "--filter", "sshd", "--sshd-daemon", "sshd-session", log.path]).status == 64)
        #expect(try CLIRun.run(["stats", "--sshd-daemon", "sshd.*", log.path]).status == 64)
    }

    @Test func usageErrorsExitWith64() throws {
        #expect(try CLIRun.run(["scan"]).status == 64)
        #expect(try CLIRun.run(["scan", "--filter", "nosuchfilter", "x"]).status == 64)
        #expect(try CLIRun.run(["scan", "--filter", "sshd[_daemon=sshd.*]", "x"]).status == 64)
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

extension ScanCommandTests {
    /// gzip's output for `text` (through /bin/gzip, which every Debian has).
    static func gzip(_ text: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-c", "-n"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }

    @Test func rotatedSetIsReadOldestFirst() throws {
        let directory = try Self.temporaryDirectory()
        let line = { (day: Int) in
            "[2024-03-0\(day) 10:00:00] NOTICE[1] chan_sip.c: Registration from '<sip:1@x>' failed for '192.0.2.\(day):5060' - Wrong password\n"
        }
        try line(3).write(to: directory.appendingPathComponent("full"), atomically: true, encoding: .utf8)
        try line(2).write(to: directory.appendingPathComponent("full.1"), atomically: true, encoding: .utf8)
        try Self.gzip(line(1)).write(to: directory.appendingPathComponent("full.2.gz"))
        let run = try CLIRun.run(["scan", "--tz", "UTC", "--events", "csv", directory.path])
        #expect(run.status == 0, "\(run.stderr)")
        let addresses = run.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[1] }
        #expect(addresses == ["192.0.2.1", "192.0.2.2", "192.0.2.3"])
    }

    @Test func corruptGzipKeepsTheEventsBeforeTheDamageAndNamesTheFile() throws {
        let directory = try Self.temporaryDirectory()
        var text = ""
        for index in 0..<2000 {
            text += "[2024-03-01 10:00:00] NOTICE[1] chan_sip.c: Registration from '<sip:\(index)@x>' failed for '198.51.100.\(index % 250):5060' - Wrong password\n"
        }
        var data = try Self.gzip(text)
        // Cut the stream short: a truncated download or a disk that filled up.
        data = data.prefix(data.count / 2)
        let file = directory.appendingPathComponent("full.1.gz")
        try data.write(to: file)
        let good = directory.appendingPathComponent("other.log")
        try Self.asteriskLines.write(to: good, atomically: true, encoding: .utf8)
        let run = try CLIRun.run(["scan", "--tz", "UTC", "--events", "ndjson", file.path, good.path])
        #expect(run.status == 1)
        #expect(run.stderr.contains("full.1.gz"))
        #expect(run.stderr.contains("byte"))
        let events = run.stdout.split(separator: "\n")
        let fromDamaged = events.filter { $0.contains("full.1.gz") }.count
        #expect(fromDamaged > 100 && fromDamaged < 2000)
        #expect(events.filter { $0.contains("other.log") }.count == 2)
    }

    @Test func hostileBytesNeverCrashTheScan() throws {
        let directory = try Self.temporaryDirectory()
        var bytes = Data()
        bytes += Data("[2024-03-01 10:00:00] NOTICE[1] chan_sip.c: Registration from '\u{1b}[2J\0\u{7}' failed for '192.0.2.9:5060' - Wrong password\r\n".utf8)
        bytes += Data([0xFF, 0xFE, 0x00, 0x0A, 0xC3, 0x28, 0x0A])
        bytes += Data(repeating: UInt8(ascii: "A"), count: 3 << 20)
        bytes += Data("\n[2024-03-01 10:00:01] NOTICE[1] chan_sip.c: Registration from '<sip:x@y>' failed for '192.0.2.10:5060' - Wrong password".utf8)
        let file = directory.appendingPathComponent("full")
        try bytes.write(to: file)
        let run = try CLIRun.run(["scan", "--tz", "UTC", "--events", "ndjson", file.path])
        // The 3 MiB line is over the line limit: reported, everything else read.
        #expect(run.status == 1)
        #expect(run.stderr.contains("full"))
        let events = run.stdout.split(separator: "\n")
        #expect(events.count == 2)
        #expect(!run.stdout.contains("\u{1b}"))
        #expect(run.stdout.contains("\\u001b"))
    }
}

extension ScanCommandTests {
    /// The progress bar is for terminals: with standard error on a pipe nothing is drawn.
    @Test func noProgressBarWhenStandardErrorIsNotATerminal() throws {
        let directory = try Self.temporaryDirectory()
        let full = directory.appendingPathComponent("full")
        try Self.asteriskLines.write(to: full, atomically: true, encoding: .utf8)
        let run = try CLIRun.run(["scan", "--tz", "UTC", full.path])
        #expect(run.status == 0)
        #expect(run.stderr.isEmpty)
    }

    @Test func shellCompletionScriptsNameEveryCommand() throws {
        for shell in ["bash", "zsh", "fish"] {
            let run = try CLIRun.run(["--generate-completion-script", shell])
            #expect(run.status == 0)
            for command in ["scan", "simulate", "explain", "sweep", "report", "offenders", "stats"] { #expect(run.stdout.contains(command), "\(shell): \(command)") }
        }
    }

    @Test func everyCommandHasHelpWithExamples() throws {
        for command in ["scan", "simulate", "explain", "sweep", "report", "offenders", "stats"] {
            let run = try CLIRun.run([command, "--help"])
            #expect(run.status == 0)
            #expect(run.stdout.contains("Examples:"), "\(command)")
        }
    }
}
