import ArgumentParser
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Jailbird

struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Extract authentication events from Asterisk, sshd and fail2ban logs.",
        discussion: """
            Reads plain and gzipped logs (rotated sets such as full, full.1, full.2.gz are read \
            oldest first), directories and '-' (stdin), and finds the lines fail2ban's stock \
            filters count. Without --filter it applies asterisk, sshd (normal mode) and reads \
            fail2ban.log's Found/Ban/Unban/Restore Ban records. OpenSSH 9.8 and later log as \
            sshd-session and sshd-auth, which the stock sshd filter does not read: the scan \
            counts such lines, and --sshd-daemon (or sshd[_daemon=...]) reads them.

            Exit status: 0 all input read; 1 some input could not be read completely (each \
            problem is named on stderr, everything else is still reported); 64 usage error.

            Examples:
              jailbird scan fixtures/asterisk/full fixtures/sshd/auth.log
              jailbird scan --filter 'sshd[mode=aggressive]' /var/log/auth.log*
              jailbird scan --sshd-daemon 'sshd(?:-session|-auth)?' /var/log/auth.log
              jailbird scan --events ndjson --tz Europe/Berlin /var/log/asterisk/ > events.ndjson
            """)

    @Option(
        help: ArgumentHelp(
            "Apply exactly one fail2ban filter: asterisk, sshd[mode=normal|ddos|extra|aggressive, _daemon=NAMES], recidive.",
            valueName: "name"))
    var filter: String?

    @Option(help: ArgumentHelp("Print every event instead of the summary: ndjson or csv.", valueName: "format"))
    var events: EventFormat?

    @OptionGroup var time: TimeOptions
    @OptionGroup var standard: StandardFilterOptions

    @Argument(help: ArgumentHelp("Log files, directories, or '-' for standard input.", valueName: "path"))
    var paths: [String]

    func validate() throws {
        if paths.isEmpty { throw ValidationError("Name at least one log file, directory or '-'.") }
        if paths.filter({ $0 == "-" }).count > 1 { throw ValidationError("'-' (standard input) given twice.") }
        if filter != nil && standard.sshdDaemon != nil {
            throw ValidationError("--sshd-daemon sets the standard filters' sshd; with --filter write sshd[_daemon=...].")
        }
    }

    func run() throws {
        let timeSettings = try time.resolve()
        var filterSpec: FilterSpec?
        if let filter {
            do { filterSpec = try FilterSpec(parsing: filter) } catch { throw ValidationError("--filter: \(error)") }
        }
        var options = ScanOptions(
            filter: filterSpec, zone: timeSettings.zone, now: timeSettings.now,
            fallbackReference: TimeOptions.runStart, since: timeSettings.since,
            until: timeSettings.until)
        options.standardSSHDDaemon = try standard.resolve()
        let started = DispatchTime.now()
        let output = OutputWriter(descriptor: STDOUT_FILENO)
        let discovered = LogSet.discover(paths)
        // The summary needs only counts; events are written out while the files are read.
        options.keepEvents = false
        if let events {
            if events == .csv { output.write(EventFormat.csvHeader) }
            options.eventStream = EventStream.writing(events, of: discovered.sources, to: output)
        }
        // A bar on the terminal the events are written to would be drawn across them.
        let showsBar = events == nil || isatty(STDOUT_FILENO) == 0
        let files = withProgress(discovered.sources, options, showingBar: showsBar) {
            Scanner.scan(discovered.sources, options: $0)
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9

        var problemCount = discovered.problems.count
        for problem in discovered.problems { printError(problem.description) }
        for file in files {
            printReadingNotes(of: file)
            problemCount += file.problems.count
        }
        if events == nil { output.write(ScanSummary(files: files, elapsedSeconds: elapsed).render()) }
        output.flush()
        if problemCount > 0 { throw ExitCode.failure }
    }
}

extension EventFormat: ExpressibleByArgument {}

extension EventStream {
    /// A stream that writes each event as one line of `format` to `output`, naming its file
    /// from `sources`.
    static func writing(_ format: EventFormat, of sources: [LogSource], to output: OutputWriter) -> EventStream {
        let fileNames = sources.map(\.displayName)
        // The stream calls this one delivery at a time, so the writer is never used at once.
        nonisolated(unsafe) let output = output
        return EventStream { events in
            var line = ByteLine()
            for event in events {
                line.removeAll()
                format.append(event, fileName: fileNames[event.file], to: &line)
                line.withBytes { output.write($0) }
            }
        }
    }
}
