import Dispatch

/// What a scan applies and how it reads time.
public struct ScanOptions: Sendable {
    /// One fail2ban filter applied to every line (what `fail2ban-regex FILE NAME` counts), or nil
    /// for the standard set: `asterisk`, `sshd` (normal mode) and fail2ban.log's own records.
    public var filter: FilterSpec?
    /// The `_daemon` of the standard set's sshd filter (without `filter`): the stock `sshd`, as
    /// fail2ban 1.0.2 reads, unless told otherwise (OpenSSH 9.8 and later also log as
    /// `sshd-session` and `sshd-auth`).
    public var standardSSHDDaemon = SSHDDaemonNames.stock
    /// The zone of time stamps that carry none.
    public var zone: TimeZoneRules
    /// The instant year-less time stamps are read relative to (`--now`); nil means each file's
    /// modification time, as the file was last written when its newest line was.
    public var now: Int64?
    /// The reference for inputs without a modification time (stdin) when `now` is nil.
    public var fallbackReference: Int64
    /// Only events at or after / at or before these instants are kept.
    public var since: Int64?
    public var until: Int64?

    /// Lines longer than this many bytes are skipped and reported.
    public var maxLineLength: Int
    /// Keep every event in `FileScan.events`; when false only `FileScan.tally` is filled (the
    /// summary of `jailbird scan` needs no more), so memory stays flat however many events.
    public var keepEvents = true
    /// When set, events go to this stream while the files are read (setting one sets
    /// `keepEvents`), and `FileScan.events` is left empty: memory stays flat however many events
    /// there are. Files are then not read in halves (`ReadingPlan.halves`), whose second half's
    /// events would wait for the first.
    public var eventStream: EventStream? {
        didSet { if eventStream != nil { keepEvents = true } }
    }
    /// A plain file at least this large, read with filters that keep no state between lines
    /// (asterisk, recidive, fail2ban.log records), is scanned in two halves on two cores.
    public var splitThreshold: Int64 = 64 << 20
    /// A plain file at least this large, read with sshd (`--filter sshd`, or the standard set
    /// on a syslog file), is scanned by `PipelinedSSHDScan` when two cores are usable: pieces
    /// of `pipelineChunkBytes` matched on both cores, merged into the session cache in order.
    public var pipelineThreshold: Int64 = 16 << 20
    public var pipelineChunkBytes: Int64 = 4 << 20
    /// Where bytes read are counted for a progress display; nil for none.
    public var progress: ScanProgress?

    public init(
        filter: FilterSpec? = nil, zone: TimeZoneRules = .utc, now: Int64? = nil, fallbackReference: Int64 = 0,
        since: Int64? = nil, until: Int64? = nil, maxLineLength: Int = LineSplitter.defaultLineLimit
    ) {
        self.filter = filter
        self.zone = zone
        self.now = now
        self.fallbackReference = fallbackReference
        self.since = since
        self.until = until
        self.maxLineLength = maxLineLength
    }

    /// Whether an event at `time` lies inside `since`/`until`.
    func admits(_ time: Int64) -> Bool {
        (since.map { time >= $0 } ?? true) && (until.map { time <= $0 } ?? true)
    }
}

/// The outcome of scanning one input.
public struct FileScan: Sendable {
    public var source: LogSource
    /// Bytes read (after decompression).
    public var bytes: Int = 0
    public var lines: Int = 0
    /// The events of this file in line order (empty when `ScanOptions.keepEvents` is false, or
    /// when they went to `ScanOptions.eventStream`).
    public var events = EventStore()
    /// Counts of the events, kept either way.
    public var tally = ScanTally()
    /// Lines some filter matched that had no time stamp jailbird could read. They take the time
    /// of the last dated match before them (fail2ban uses the previous line's time); those with
    /// nothing before them are dropped and counted in `droppedUndated`.
    public var undatedMatches: Int = 0
    public var droppedUndated: Int = 0
    /// Matched lines outside `--since`/`--until`.
    public var outsideWindow: Int = 0
    /// Lines of `sshd-session` or `sshd-auth`, the names OpenSSH 9.8 and later log under, that
    /// the sshd filter's `_daemon` does not read (fail2ban 1.0.2's stock `sshd` does not).
    public var unreadNewerSSHDLines: Int = 0
    /// The `_daemon` of the sshd filter of the standard set that read this file
    /// (`ScanOptions.standardSSHDDaemon`); nil when one filter was applied (`ScanOptions.filter`).
    public var standardSSHDDaemon: SSHDDaemonNames?
    /// Lines each service's filter matched, whatever became of them (kept, outside the window,
    /// undated), by `Service.rawValue`: whether a filter of the standard set acted on this file.
    public var matchedLines = [Int](repeating: 0, count: Service.allCases.count)
    /// Whatever kept part of the input from being read.
    public var problems: [InputProblem] = []
    /// True when the first bytes look like binary data (a NUL byte early on).
    public var looksBinary = false
    /// What the first lines showed; decides the standard set's filters (see `LogKind`).
    public var kind = LogKind.other
    /// The time of the last dated match (what an undated match after it takes).
    var lastMatchTime: Int64?
    /// For the second half of a split file: undated matches before any dated one, whose time
    /// comes from the first half (they hold a placeholder time until then).
    var pendingUndated = EventStore()
    /// The time of the first line with a readable time stamp, and of the last line of the last
    /// chunk read that had one (the file's time span, whatever matched).
    public var firstLineTime: Int64?
    public var lastLineTime: Int64?
    /// For a file of a rotated set read with sshd: the files before it in the set, oldest first,
    /// whose connections its session cache continued (see `Scanner.scanRun`); empty
    /// when its scan started with an empty cache.
    public var sessionPredecessors: [LogSource] = []

    public init(source: LogSource) {
        self.source = source
    }
}

extension FileScan {
    /// What a reader should know about how this file was read, though it was read in full (its
    /// problems are in `problems`), one sentence each, naming the file.
    public var warnings: [String] {
        var warnings: [String] = []
        let name = SafeText.terminal(source.displayName)
        if looksBinary { warnings.append("\(name): looks like binary data; scanned anyway") }
        if unreadNewerSSHDLines > 0 {
            let names = "sshd(?:-session|-auth)?"
            let filter = "sshd[_daemon=\"\(names)\"]"
            let lines = unreadNewerSSHDLines == 1 ? "1 line" : "\(Format.count(unreadNewerSSHDLines)) lines"
            let option = standardSSHDDaemon == nil ? "--filter '\(filter)'" : "--sshd-daemon '\(names)'"
            warnings.append(
                "\(name): \(lines) of sshd-session or sshd-auth (OpenSSH 9.8 and later) not read: the sshd filter's "
                    + "_daemon does not name them, as fail2ban 1.0.2's stock _daemon = sshd does not; to read them: "
                    + "\(option) (in a jail: filter = \(filter))")
        }
        return warnings
    }

    /// Adds a `.shrank` problem when fewer than `size` bytes were read and no problem says why.
    /// A file read in parts: a part that starts past the end of a file cut short while it was
    /// read (logrotate's copytruncate) finds nothing to read and says nothing.
    mutating func reportCutShort(expectedSize size: Int64) {
        let explained = problems.contains {
            if case .overlongLine = $0.kind { return false }
            return true
        }
        guard !explained, Int64(bytes) < size else { return }
        problems.append(InputProblem(path: source.path, kind: .shrank, offset: Int64(bytes), bytesDelivered: Int64(bytes)))
    }

    /// This standard-set scan as a scan of the same file with `filter` alone would be, with its
    /// events numbered as input `fileIndex`; nil when that cannot be told without reading the file
    /// again. It can be told when the standard set applied that very filter to this file and
    /// every other filter of the set matched no line: the set tries its filters in order and
    /// stops at the first match, and a match of any filter gives later undated lines its time,
    /// so only then did the filter see and do exactly what it would alone.
    public func narrowed(to filter: FilterSpec, fileIndex: Int) -> FileScan? {
        guard canNarrow(to: filter) else { return nil }
        var narrowed = self
        narrowed.kind = .other  // what a scan with a filter leaves it at
        narrowed.standardSSHDDaemon = nil
        narrowed.events = EventStore()
        narrowed.events.append(contentsOf: events, file: fileIndex)
        return narrowed
    }

    /// Whether `narrowed(to:fileIndex:)` gives a scan.
    public func canNarrow(to filter: FilterSpec) -> Bool {
        let service: Service
        switch filter {
        case .asterisk: service = .asterisk
        case .sshd(.normal, let daemon) where kind == .other && daemon == standardSSHDDaemon:
            service = .sshd  // the set's sshd is normal mode, with the daemon it was given
        default: return false  // other modes, recidive: not in the standard set
        }
        let setServices = Scanner.standardServices(for: kind)
        return setServices.contains(service)
            && setServices.allSatisfy { $0 == service || matchedLines[Int($0.rawValue)] == 0 }
    }
}

/// Scans inputs for authentication events: reads bytes, splits lines, applies filters.
public enum Scanner {
    /// Scans every source, several at once on the available cores; results keep input order.
    /// The files of a rotated set that sshd reads are read one after the other, in the set's
    /// order, sharing one session cache (`scanRun`).
    public static func scan(_ sources: [LogSource], options: ScanOptions) -> [FileScan] {
        guard let stream = options.eventStream else { return scanRuns(sources, options: options) }
        return stream.consumingOnAnotherThread { scanRuns(sources, options: options) }
    }

    private static func scanRuns(_ sources: [LogSource], options: ScanOptions) -> [FileScan] {
        let runs = sessionRuns(sources) { sharesSessions($0, options: options) }
        var results = [FileScan?](repeating: nil, count: sources.count)
        results.withUnsafeMutableBufferPointer { slots in
            nonisolated(unsafe) let base = slots.baseAddress!
            DispatchQueue.concurrentPerform(iterations: runs.count) { run in
                // Each iteration writes only the slots of its run.
                let run = runs[run]
                let scans = scanRun(run.map { (sources[$0], $0) }, options: options)
                for (offset, scan) in scans.enumerated() { (base + run.lowerBound + offset).initialize(to: scan) }
            }
        }
        return results.map { $0! }
    }

    /// `sources` cut into runs of consecutive files of one rotated set (`LogSource.setName`)
    /// for which `sharesSessions` holds; every other file is a run of its own.
    public static func sessionRuns(_ sources: [LogSource], sharesSessions: (ArraySlice<LogSource>) -> Bool) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var start = 0
        while start < sources.count {
            var end = start + 1
            while end < sources.count && sources[end].setName == sources[start].setName { end += 1 }
            if end - start > 1 && sharesSessions(sources[start..<end]) {
                runs.append(start..<end)
            } else {
                runs += (start..<end).map { $0..<($0 + 1) }
            }
            start = end
        }
        return runs
    }

    /// Whether the files of one rotated set go through sshd's session cache: with `--filter
    /// sshd`, or with the standard set when at least two of them are syslog files (the kind
    /// that gets the sshd filter).
    static func sharesSessions(_ set: ArraySlice<LogSource>, options: ScanOptions) -> Bool {
        guard let filter = options.filter else {
            return set.lazy.filter { LogKind.detect($0) == .other }.prefix(2).count == 2
        }
        return filter.keepsSessions
    }

    /// Scans a run of `sessionRuns`: files one after the other, each starting with the sshd
    /// connections the one before left in the session cache. fail2ban's jail has one filter for
    /// all its files, so a connection whose first lines are in `auth.log.1` and whose failure is
    /// in `auth.log` is counted, and the cache is as full at the start of a file as the lines
    /// before left it. Each file is read as `plan` says.
    public static func scanRun(_ files: [(source: LogSource, fileIndex: Int)], options: ScanOptions) -> [FileScan] {
        var sessions: SSHDFilter?
        var predecessors: [LogSource] = []
        return files.map { file in
            var scan = scan(file.source, fileIndex: file.fileIndex, options: options, continuing: &sessions)
            scan.sessionPredecessors = predecessors
            predecessors.append(file.source)
            return scan
        }
    }

    /// Scans one source. Problems are recorded in the result; everything read before a problem
    /// is kept.
    public static func scan(_ source: LogSource, fileIndex: Int, options: ScanOptions) -> FileScan {
        var sessions: SSHDFilter?
        return scan(source, fileIndex: fileIndex, options: options, continuing: &sessions)
    }

    /// Scans one source whose sshd filter starts from `sessions` (the state the file before in
    /// its set left; nil: a fresh one) and leaves its own state there, as `plan` says.
    static func scan(_ source: LogSource, fileIndex: Int, options: ScanOptions, continuing sessions: inout SSHDFilter?) -> FileScan {
        var result: FileScan
        switch plan(source, options: options) {
        case .halves(let split):
            // Only stateless filters are read in halves: `sessions` goes on as it was.
            result = scanInHalves(source, fileIndex: fileIndex, options: options, split: split)
        case .pipelined(let kind, let size):
            result = PipelinedSSHDScan.scan(
                source, fileIndex: fileIndex, options: options, size: size, kind: kind, sessions: &sessions)
        case .onePass:
            result = scan(
                source, fileIndex: fileIndex, options: options, range: nil,
                setUp: { $0.inheritedSessions = sessions }, tearDown: { sessions = $0.sessionsForNextFile })
        }
        options.eventStream?.finish(&result.events, file: fileIndex)
        return result
    }

    /// Where a large plain file read with stateless filters is cut in two: the start of a line
    /// near its middle.
    struct Split: Equatable {
        var offset: Int64
        /// The kind of log its first lines show, for the standard set (nil with `--filter`).
        var kind: LogKind?
        var size: Int64
    }

    /// How one file is read.
    enum ReadingPlan: Equatable {
        case onePass
        /// Two halves on two threads: for filters that keep nothing from line to line (asterisk,
        /// recidive, and the standard set on an Asterisk log or fail2ban.log).
        case halves(Split)
        /// Pieces matched on two cores and merged into sshd's session cache in line order
        /// (`PipelinedSSHDScan`): sshd's cache depends on every line before, expired entries
        /// included (SessionCacheTests.expiredEntriesDecideWhichLiveOneIsDropped), so an sshd
        /// file cannot be cut in halves.
        case pipelined(kind: LogKind?, size: Int64)

        var split: Split? {
            if case .halves(let split) = self { return split }
            return nil
        }
    }

    /// How `source` is read, from its size and (standard set) the kind its first lines show,
    /// each found once.
    static func plan(_ source: LogSource, options: ScanOptions) -> ReadingPlan {
        let splitThreshold = max(options.splitThreshold, 2)
        let pipelineThreshold = max(options.pipelineThreshold, 1)
        guard let size = ByteReader.plainFileSize(source), size >= min(splitThreshold, pipelineThreshold) else {
            return .onePass
        }
        var kind: LogKind?
        let keepsSessions: Bool
        if let filter = options.filter {
            keepsSessions = filter.keepsSessions
        } else {
            // The standard set reads syslog files with sshd; Asterisk logs and fail2ban.log without.
            kind = LogKind.detect(source)
            keepsSessions = kind == .other
        }
        if keepsSessions {
            guard size >= pipelineThreshold, System.usableProcessorCount >= 2 else { return .onePass }
            return .pipelined(kind: kind, size: size)
        }
        guard size >= splitThreshold, options.eventStream == nil,
            let offset = ByteReader.lineStart(after: size / 2, in: source), offset < size
        else {
            return .onePass
        }
        return .halves(Split(offset: offset, kind: kind, size: size))
    }

    /// Scans the two halves on two threads and joins them as if read in one go: line numbers of
    /// the second half follow the first's, and an undated match at the start of the second half
    /// takes the time of the first half's last dated match.
    /// Both halves use the filters `kind` (the file's first lines) calls for.
    /// Both halves read the file open now (or `opened`), whatever its name is given to meanwhile.
    static func scanInHalves(
        _ source: LogSource, fileIndex: Int, options: ScanOptions, split cut: Split, opened: ByteReader.SharedFile? = nil
    ) -> FileScan {
        let (split, kind) = (cut.offset, cut.kind)
        let file = opened ?? ByteReader.SharedFile(source)
        var halves = [(scan: FileScan, settled: Bool, end: OffsetContexts)?](repeating: nil, count: 2)
        halves.withUnsafeMutableBufferPointer { slots in
            nonisolated(unsafe) let base = slots.baseAddress!
            DispatchQueue.concurrentPerform(iterations: 2) { half in
                let range: Range<Int64> = half == 0 ? 0..<split : split..<Int64.max
                var settled = false
                var end = OffsetContexts()
                let scan = scan(
                    source, fileIndex: fileIndex, options: options, range: range, kind: kind, file: file,
                    tearDown: { scanner in
                        settled = scanner.settledWithoutContext
                        end = scanner.offsetContexts
                    })
                (base + half).initialize(to: (scan, settled, end))
            }
        }
        var result = halves[0]!.scan
        var second = halves[1]!.scan
        // A stamp in the repeated hour when clocks go back takes the previous line's offset: if
        // the second half met one before it had any, read it again from where the first ended.
        if halves[1]!.settled, halves[0]!.end.isKnown {
            let offsets = halves[0]!.end
            second = scan(
                source, fileIndex: fileIndex, options: options, range: split..<Int64.max, kind: kind, file: file,
                setUp: { $0.offsetContexts = offsets })
        }
        // Undated matches at the start of the second half: the first half's last time, or dropped.
        if !second.pendingUndated.isEmpty {
            var head = EventStore()
            for var event in second.pendingUndated {
                guard let time = result.lastMatchTime else {
                    result.droppedUndated += 1
                    continue
                }
                guard options.admits(time) else {
                    result.outsideWindow += 1
                    continue
                }
                event.time = time
                result.tally.add(time: time, host: event.host, service: event.service, kind: event.kind, rule: event.rule)
                if options.keepEvents { head.append(event) }
            }
            head.append(contentsOf: second.events)
            second.events = head
        }
        let lineOffset = result.lines
        result.events.append(contentsOf: second.events, lineOffset: lineOffset)
        result.tally.merge(second.tally)
        result.bytes += second.bytes
        result.lines += second.lines
        result.undatedMatches += second.undatedMatches
        result.droppedUndated += second.droppedUndated
        result.outsideWindow += second.outsideWindow
        result.unreadNewerSSHDLines += second.unreadNewerSSHDLines
        for service in result.matchedLines.indices { result.matchedLines[service] += second.matchedLines[service] }
        result.firstLineTime = result.firstLineTime ?? second.firstLineTime
        result.lastLineTime = second.lastLineTime ?? result.lastLineTime
        result.lastMatchTime = second.lastMatchTime ?? result.lastMatchTime
        for problem in second.problems {
            var shifted = problem
            if case .overlongLine(let line, let length, let limit) = problem.kind {
                shifted.kind = .overlongLine(line: line + lineOffset, length: length, limit: limit)
            }
            result.problems.append(shifted)
        }
        result.reportCutShort(expectedSize: cut.size)
        return result
    }

    /// Scans `range` of a plain file (the whole source when nil); `kind`, when given, decides the
    /// standard set's filters instead of the first chunk.
    /// `setUp` adjusts the file's scanner before it reads, `tearDown` looks at it after. A part
    /// (`range`) is read from `file` when given: the one file all parts of the scan read.
    static func scan(
        _ source: LogSource, fileIndex: Int, options: ScanOptions, range: Range<Int64>?, kind: LogKind? = nil,
        file: ByteReader.SharedFile? = nil,
        setUp: (inout FileScanner) -> Void = { _ in }, tearDown: (inout FileScanner) -> Void = { _ in }
    ) -> FileScan {
        var scanner = FileScanner(source: source, fileIndex: fileIndex, options: options)
        scanner.presetKind = kind
        setUp(&scanner)
        scanner.startsMidFile = (range?.lowerBound ?? 0) > 0
        var splitter = LineSplitter(lineLimit: options.maxLineLength)
        var firstChunk = true
        let read = { (body: (UnsafeRawBufferPointer) -> Void) -> InputProblem? in
            if let range, let file { return ByteReader.read(file, range: range, body) }
            if let range { return ByteReader.read(source, range: range, body) }
            return ByteReader.read(source, body)
        }
        let problem = read { chunk in
            if firstChunk {
                firstChunk = false
                scanner.start(with: chunk)
            }
            scanner.result.bytes += chunk.count
            options.progress?.add(chunk.count)
            if let selector = scanner.candidateSelector {
                splitter.feed(chunk, into: &scanner, selecting: selector)
            } else {
                splitter.feed(chunk, into: &scanner)
            }
            scanner.noteLastLine(within: chunk)
            // A whole file streams its events chunk by chunk (a part's line numbers and undated
            // matches may still change when it is joined to the part before).
            if range == nil, let stream = options.eventStream { stream.deliver(&scanner.result.events, file: fileIndex) }
        }
        splitter.finish(into: &scanner)
        scanner.result.unreadNewerSSHDLines = scanner.filters.sshd.takeUnreadNewerDaemonLines()
        tearDown(&scanner)
        var result = scanner.result
        result.lines = splitter.lineCount
        result.problems += splitter.problems(path: source.displayName)
        if let problem { result.problems.append(problem) }
        return result
    }

    /// The services of the standard set's filters for a kind of log (see `LogKind`).
    static func standardServices(for kind: LogKind) -> [Service] {
        switch kind {
        case .asteriskFull: return [.asterisk]
        case .fail2banLog: return [.fail2ban]
        case .other: return [.asterisk, .sshd, .fail2ban]
        }
    }
}

/// The per-line work of a scan of one input: candidate test, time stamp, full match, event.
struct FileScanner: LineSink {
    var result: FileScan
    let fileIndex: Int
    let options: ScanOptions
    var filters = FilterSet()
    // fail2ban's filters anchor the date differently: `{^LN-BEG}` (asterisk, sshd) lets it
    // start a little into the line, `^{DATE}` (recidive, fail2ban.log) only at its start.
    var lineBeginStamps: TimestampReader
    var lineStartStamps: TimestampReader
    /// Where the line without its time stamp is assembled when the stamp is not at its start.
    var scratch = [UInt8](repeating: 0, count: 256)
    /// The time of the last dated match: fail2ban gives an undated line the previous time.
    var lastTime: Int64?
    /// True when this scan starts after the beginning of the file (the second half of a split).
    var startsMidFile = false
    /// The kind of log, when known before the first chunk (a split file's halves share it).
    var presetKind: LogKind?
    /// The sshd filter as the file before in a rotated set left it, taken over by `start(with:)`
    /// once the filters are known.
    var inheritedSessions: SSHDFilter?
    /// Whether `start(with:)` has run: the file had bytes.
    private var started = false
    /// When set, matches are collected here for `mergeDeferred` instead of being recorded, and
    /// sshd's hits do not go through the session cache yet (the first stage of
    /// `PipelinedSSHDScan`).
    var deferredMatches: DeferredMatches?

    init(source: LogSource, fileIndex: Int, options: ScanOptions) {
        result = FileScan(source: source)
        if options.filter == nil { result.standardSSHDDaemon = options.standardSSHDDaemon }
        self.fileIndex = fileIndex
        self.options = options
        let reference = options.now ?? source.modificationTime ?? options.fallbackReference
        lineBeginStamps = TimestampReader(zone: options.zone, reference: reference, anchor: .lineBegin)
        lineStartStamps = TimestampReader(zone: options.zone, reference: reference, anchor: .lineStart)
        if let spec = options.filter { filters = FilterSet(spec) }
    }

    /// Looks at the first chunk: binary data, and (standard set) which kind of log this is.
    mutating func start(with chunk: UnsafeRawBufferPointer) {
        started = true
        result.looksBinary = ByteReader.looksBinary(chunk)
        if options.filter == nil {
            result.kind = presetKind ?? LogKind.detect(chunk)
            filters = FilterSet(standard: Scanner.standardServices(for: result.kind), sshdDaemon: options.standardSSHDDaemon)
        }
        if let inherited = inheritedSessions, filters.holds(.sshd), inherited.mode == filters.sshd.mode,
            inherited.daemon == filters.sshd.daemon
        {
            filters.sshd = inherited
            inheritedSessions = nil  // one owner, so the cache is not copied at its first change
        }
    }

    /// The offset contexts of the two time-stamp readers, to go on from where another scanner
    /// of the same file stopped.
    var offsetContexts: OffsetContexts {
        get { OffsetContexts(lineBegin: lineBeginStamps.offsetContext, lineStart: lineStartStamps.offsetContext) }
        set {
            lineBeginStamps.offsetContext = newValue.lineBegin
            lineStartStamps.offsetContext = newValue.lineStart
        }
    }

    /// Whether a time-stamp reader settled an ambiguous local time before it had any context: a
    /// scanner that started mid-file may then have read it otherwise than one pass would.
    var settledWithoutContext: Bool { lineBeginStamps.settledWithoutContext || lineStartStamps.settledWithoutContext }

    /// The sshd filter for the next file of the set: this file's, when it read lines with one,
    /// else the one it was given.
    var sessionsForNextFile: SSHDFilter? {
        started && filters.holds(.sshd) ? filters.sshd : inheritedSessions
    }

    /// The last line delivered (valid while its chunk is): its time is read once per chunk.
    private var lastLine: UnsafeRawBufferPointer?

    /// Reads the time of the last line of `chunk`, if it lies in it.
    mutating func noteLastLine(within chunk: UnsafeRawBufferPointer) {
        guard let line = lastLine, let base = chunk.baseAddress, let start = line.baseAddress,
            start >= base, start + line.count <= base + chunk.count
        else { return }
        if let time = lineBeginStamps.locate(line)?.time { result.lastLineTime = time }
        lastLine = nil
    }

    /// Lets the line splitter skip the lines no filter would look at, when it can tell them: with
    /// the Asterisk filter alone.
    var candidateSelector: AsteriskFilter.CandidateSelector? {
        guard filters.holdsAsteriskAlone else { return nil }
        return AsteriskFilter.CandidateSelector()
    }

    /// Every line is looked at until one gives the file's first time.
    var needsEveryLine: Bool { result.firstLineTime == nil }

    /// Each line. Most lines of a syslog file read with sshd alone are other daemons' that the
    /// filter dismisses at a glance (`SSHDFilter.dismisses`) once the stamp's memo has cut the
    /// stamp: those are settled here, in the splitter's loop; every other line goes on to `anyLine`.
    @inline(__always)
    mutating func line(_ line: UnsafeRawBufferPointer, number: Int) {
        if deferredMatches == nil {
            self.line(line, number: number, RecordingMatches.self)
        } else {
            self.line(line, number: number, DeferringMatches.self)
        }
    }

    @inline(__always)
    private mutating func line<Handling: MatchHandling>(_ line: UnsafeRawBufferPointer, number: Int, _: Handling.Type) {
        if filters.single == .sshd, result.firstLineTime != nil, let stamp = lineBeginStamps.rememberedStamp(line) {
            lastLine = line
            if filters.sshd.dismisses(UnsafeRawBufferPointer(rebasing: line[stamp.end...])) { return }
            sshdLine(line, number: number, stamp: (0..<stamp.end, stamp.time), Handling.self)
            return
        }
        anyLine(line, number: number, Handling.self)
    }

    /// A line for sshd alone whose stamp `line` has read.
    @inline(never)
    private mutating func sshdLine<Handling: MatchHandling>(
        _ line: UnsafeRawBufferPointer, number: Int, stamp: (range: Range<Int>, time: Int64?), _: Handling.Type
    ) {
        _ = apply(.sshd, to: line, number: number, stamp: stamp, Handling.self)
    }

    @inline(never)
    private mutating func anyLine<Handling: MatchHandling>(_ line: UnsafeRawBufferPointer, number: Int, _: Handling.Type) {
        noteTime(of: line)
        if let service = filters.single {
            // One filter (a --filter scan, an Asterisk log, a fail2ban.log): no loop, one stamp.
            guard filters.isCandidate(line, for: service) else { return }
            let stamp =
                FilterSet.anchorsDateAtLineStart(service) ? lineStartStamps.locate(line) : lineBeginStamps.locate(line)
            _ = apply(service, to: line, number: number, stamp: stamp, Handling.self)
            return
        }
        // Each anchor's stamp is located at most once a line, and only for candidate lines.
        var lineBeginStamp: (range: Range<Int>, time: Int64?)??
        var lineStartStamp: (range: Range<Int>, time: Int64?)??
        for raw in Service.asterisk.rawValue...Service.fail2ban.rawValue {  // FilterSet's order
            let service = Service(rawValue: raw)!
            guard filters.isCandidate(line, for: service) else { continue }
            let stamp: (range: Range<Int>, time: Int64?)?
            if FilterSet.anchorsDateAtLineStart(service) {
                if lineStartStamp == nil { lineStartStamp = .some(lineStartStamps.locate(line)) }
                stamp = lineStartStamp!
            } else {
                if lineBeginStamp == nil { lineBeginStamp = .some(lineBeginStamps.locate(line)) }
                stamp = lineBeginStamp!
            }
            if apply(service, to: line, number: number, stamp: stamp, Handling.self) { return }
        }
    }

    /// A line `candidateSelector` picked: the candidate test of the one filter, asterisk, has passed.
    mutating func selectedLine(_ line: UnsafeRawBufferPointer, number: Int) {
        noteTime(of: line)
        _ = apply(.asterisk, to: line, number: number, stamp: lineBeginStamps.locate(line), RecordingMatches.self)
    }

    /// Remembers the line as the last one seen, and its time while the file's first is unknown.
    @inline(__always)
    private mutating func noteTime(of line: UnsafeRawBufferPointer) {
        lastLine = line
        if result.firstLineTime == nil, let time = lineBeginStamps.locate(line)?.time { result.firstLineTime = time }
    }

    /// Applies the filter of `service` to a candidate line whose time stamp `stamp` found, and
    /// records the match (or defers it); true when there was one.
    @inline(__always)
    private mutating func apply<Handling: MatchHandling>(
        _ service: Service, to line: UnsafeRawBufferPointer, number: Int, stamp: (range: Range<Int>, time: Int64?)?,
        _: Handling.Type
    ) -> Bool {
        if Handling.defers { return deferMatch(service, on: line, number: number, stamp: stamp) }
        guard let match = match(service, on: line, number: number, stamp: stamp, time: stamp?.time ?? lastTime) else {
            return false
        }
        record(match, stampTime: stamp?.time, service: service, number: number)
        return true
    }

    /// The match of `service`'s filter on a candidate line, its stamp cut (`withContent`), at
    /// `time` (only sshd's session logic uses it).
    @inline(__always)
    private mutating func match(
        _ service: Service, on line: UnsafeRawBufferPointer, number: Int, stamp: (range: Range<Int>, time: Int64?)?,
        time: Int64?
    ) -> LineMatch? {
        let wantsUser = options.keepEvents
        return withContent(of: line, cutting: stamp?.range) { content, filters in
            filters.process(
                CandidateLine(content: content, raw: line, time: time, number: number, wantsUser: wantsUser), for: service)
        }
    }

    /// `apply` for the first stage of `PipelinedSSHDScan`: collects the match of `service`'s
    /// filter on `line`, or sshd's hit with the content bytes `mergeDeferred` needs; true when
    /// there was one (the set's later filters are then not tried, except as below).
    @inline(never)
    private mutating func deferMatch(
        _ service: Service, on line: UnsafeRawBufferPointer, number: Int, stamp: (range: Range<Int>, time: Int64?)?
    ) -> Bool {
        var deferred = deferredMatches!
        deferredMatches = nil  // `deferred` is the arrays' only owner while they grow
        defer { deferredMatches = deferred }
        guard service == .sshd else {
            guard let match = match(service, on: line, number: number, stamp: stamp, time: stamp?.time) else { return false }
            deferred.append(DeferredMatches.Match(match: match, service: service, stampTime: stamp?.time), number: number)
            return true
        }
        let hit = withContent(of: line, cutting: stamp?.range) { content, filters -> Bool in
            guard let found = filters.sshd.findHit(content) else { return false }
            deferred.appendSSHD(found.hit, mlfidEnd: found.mlfidEnd, content: content, stampTime: stamp?.time, number: number)
            return true
        }
        guard hit else { return false }
        // In the standard set fail2ban.log's records come after sshd: the line's event should
        // the session logic make none.
        if filters.isCandidate(line, for: .fail2ban) {
            let recordStamp = lineStartStamps.locate(line)
            if let match = match(.fail2ban, on: line, number: number, stamp: recordStamp, time: recordStamp?.time) {
                deferred.setOtherwiseOfLast(DeferredMatches.Match(match: match, service: .fail2ban, stampTime: recordStamp?.time))
            }
        }
        return true
    }

    /// The second stage of `PipelinedSSHDScan`: the session logic and the events of one piece's
    /// matches, in line order; `lineOffset` lines came before the piece.
    mutating func mergeDeferred(_ deferred: DeferredMatches, lineOffset: Int) {
        let wantsUser = options.keepEvents
        deferred.bytes.withUnsafeBytes { bytes in
            for line in deferred.lines {  // plain data: no reference counting per line
                if let hit = line.sshdHit {
                    let content = UnsafeRawBufferPointer(
                        rebasing: bytes[line.contentStart..<(line.contentStart + Int(line.contentCount))])
                    let match = filters.sshd.merge(
                        hit, content: content, mlfidEnd: Int(line.mlfidEnd), time: line.sshdStampTime ?? lastTime,
                        wantsUser: wantsUser)
                    if let match {
                        record(match, stampTime: line.sshdStampTime, service: .sshd, number: line.number + lineOffset)
                        continue
                    }
                }
                if line.otherwise >= 0 {
                    let other = deferred.matches[Int(line.otherwise)]
                    record(other.match, stampTime: other.stampTime, service: other.service, number: line.number + lineOffset)
                }
            }
        }
    }

    private mutating func record(_ match: LineMatch, stampTime: Int64?, service: Service, number: Int) {
        result.matchedLines[Int(service.rawValue)] += 1
        var time = stampTime
        if time == nil {
            result.undatedMatches += 1
            time = lastTime
        } else {
            lastTime = time
        }
        guard let time else {
            if startsMidFile {
                // The time comes from the part before; the window is checked then.
                result.pendingUndated.append(
                    time: 0, host: match.host, service: service, kind: match.kind, rule: match.rule, user: match.user,
                    jail: match.jail, file: fileIndex, line: number)
            } else {
                result.droppedUndated += 1
            }
            return
        }
        result.lastMatchTime = time
        guard options.admits(time) else {
            result.outsideWindow += 1
            return
        }
        result.tally.add(time: time, host: match.host, service: service, kind: match.kind, rule: match.rule)
        if options.keepEvents {
            result.events.append(
                time: time, host: match.host, service: service, kind: match.kind, rule: match.rule, user: match.user,
                jail: match.jail, file: fileIndex, line: number)
        }
    }

    /// Calls `body` with the line minus the time stamp text (fail2ban's view of the line) and the
    /// filters. When the stamp starts the line the rest is handed over in place;
    /// otherwise the two parts are joined in `scratch`.
    @inline(__always)
    private mutating func withContent<Result>(
        of line: UnsafeRawBufferPointer, cutting range: Range<Int>?,
        _ body: (UnsafeRawBufferPointer, inout FilterSet) -> Result
    ) -> Result {
        guard let range else { return body(line, &filters) }
        if range.lowerBound == 0 {
            return body(UnsafeRawBufferPointer(rebasing: line[range.upperBound...]), &filters)
        }
        let length = line.count - range.count
        if scratch.count < length { scratch = [UInt8](repeating: 0, count: length * 2) }
        let prefix = UnsafeRawBufferPointer(rebasing: line[..<range.lowerBound])
        let suffix = UnsafeRawBufferPointer(rebasing: line[range.upperBound...])
        return scratch.withUnsafeMutableBytes { buffer in
            buffer.baseAddress!.copyMemory(from: prefix.baseAddress!, byteCount: prefix.count)
            if !suffix.isEmpty {
                (buffer.baseAddress! + prefix.count).copyMemory(from: suffix.baseAddress!, byteCount: suffix.count)
            }
            return body(UnsafeRawBufferPointer(rebasing: buffer[..<length]), &filters)
        }
    }
}

/// What a `FileScanner` does with a match: records it at once, or defers it (`deferredMatches`,
/// the first stage of `PipelinedSSHDScan`). A type rather than a flag, so that each gets its own
/// copy of the per-line code and the usual one pays no test for the other.
protocol MatchHandling {
    static var defers: Bool { get }
}

enum RecordingMatches: MatchHandling {
    static var defers: Bool { false }
}

enum DeferringMatches: MatchHandling {
    static var defers: Bool { true }
}

/// The offsets of a scanner's two time-stamp readers' last conversions (one per anchor; nil: none
/// yet), which settle an ambiguous local time (`TimestampReader.offsetContext`).
struct OffsetContexts: Sendable {
    var lineBegin: Int64?
    var lineStart: Int64?

    var isKnown: Bool { lineBegin != nil || lineStart != nil }

    /// The contexts after a later part of the file, which ended with `later`.
    mutating func `continue`(with later: OffsetContexts) {
        lineBegin = later.lineBegin ?? lineBegin
        lineStart = later.lineStart ?? lineStart
    }
}
