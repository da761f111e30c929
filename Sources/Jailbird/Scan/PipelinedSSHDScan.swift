#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The matches on the lines of one piece of a file, for the second stage to take in line order.
/// An sshd hit keeps its line's content (the line without its time stamp) in `bytes`: the hit's
/// ranges point into it, and the piece's mapping is gone by the time the hit is merged.
struct DeferredMatches: Sendable {
    /// A stateless filter's match (asterisk, fail2ban.log records) and the time its stamp gave.
    struct Match: Sendable {
        var match: LineMatch
        var service: Service
        var stampTime: Int64?
    }

    /// What the first stage found on one line: plain data (its match, which holds Strings, is
    /// in `matches`), so the lines are copied without reference counting.
    struct Line: Sendable {
        /// The line's number within the piece.
        var number: Int
        /// sshd's hit, for the session logic to decide on.
        var sshdHit: SSHDRuleHit?
        var sshdStampTime: Int64?
        var mlfidEnd: Int32 = 0
        var contentCount: Int32 = 0
        var contentStart = 0
        /// The index in `matches` of the line's event without an sshd hit; with one, of the event
        /// should the session logic make none (the filters after sshd in the standard set:
        /// fail2ban.log's records). -1: none.
        var otherwise: Int32 = -1
    }

    var lines: [Line] = []
    var bytes: [UInt8] = []
    var matches: [Match] = []

    mutating func appendSSHD(
        _ hit: SSHDRuleHit, mlfidEnd: Int, content: UnsafeRawBufferPointer, stampTime: Int64?, number: Int
    ) {
        // Line lengths are at most LineSplitter's limit, below Int32.max.
        lines.append(
            Line(
                number: number, sshdHit: hit, sshdStampTime: stampTime, mlfidEnd: Int32(mlfidEnd),
                contentCount: Int32(content.count), contentStart: bytes.count))
        bytes.append(contentsOf: content)
    }

    mutating func append(_ match: Match, number: Int) {
        lines.append(Line(number: number, otherwise: Int32(matches.count)))
        matches.append(match)
    }

    /// Gives the last line, an sshd hit, the event to record should the session logic make none.
    mutating func setOtherwiseOfLast(_ match: Match) {
        lines[lines.count - 1].otherwise = Int32(matches.count)
        matches.append(match)
    }

    /// Empties the arrays, keeping their capacity.
    mutating func removeAll() {
        lines.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        matches.removeAll(keepingCapacity: true)
    }
}

/// A scan with sshd (`--filter sshd`, or the standard set on a syslog file) of a large plain
/// file on two cores, with the result of one pass.
///
/// sshd's session cache needs the lines in order, but most of the work on a line does not touch
/// it: the line split, the time stamp, the syslog prefix and the rules (`SSHDFilter.findHit`),
/// and the stateless filters of the standard set. So the file is cut at line starts into pieces
/// of `ScanOptions.pipelineChunkBytes`; two workers (threads of their own, as they wait for
/// each other: `System.runOnTwoThreads`) take every other piece and find its matches,
/// and each then waits for its turn to merge them into the one session cache and record the
/// events (`FileScanner.mergeDeferred`), piece after piece. At most one piece a worker is held,
/// so memory stays bounded.
///
/// A time stamp can depend on the lines before it: an ambiguous local time (the hour repeated
/// when clocks go back) takes the offset of the last conversion, as glibc's mktime does. A
/// piece whose reader met one before any other conversion is read again in its turn, from the
/// offset the piece before ended with.
enum PipelinedSSHDScan {
    /// What the first stage makes of one piece, besides its matches.
    struct Piece: Sendable {
        var scan: FileScan
        var settledWithoutContext: Bool
        /// The time-stamp readers' offset contexts at the end (nil: one converted nothing).
        var endOffsets: OffsetContexts
    }

    static func scan(
        _ source: LogSource, fileIndex: Int, options: ScanOptions, size: Int64, kind: LogKind? = nil,
        opened: ByteReader.SharedFile? = nil, sessions: inout SSHDFilter?
    ) -> FileScan {
        let chunk = max(1, options.pipelineChunkBytes)
        // Every piece reads the file open now (or `opened`), whatever its name is given to meanwhile.
        let file = opened ?? ByteReader.SharedFile(source)
        // Piece k runs from the first line start at or after k × chunk to the next piece's start;
        // the last one to the end, whatever the file has grown to.
        let pieceCount = Int((size + chunk - 1) / chunk)
        let starts: [Int64] = (0...pieceCount).map { piece in
            if piece == 0 { return 0 }
            if piece == pieceCount { return Int64.max }
            let offset = Int64(piece) * chunk - 1
            let start = file.map { ByteReader.lineStart(after: offset, in: $0) } ?? ByteReader.lineStart(after: offset, in: source)
            return start ?? Int64.max
        }
        /// The first stage on one piece, its matches collected in `matches` (emptied first: a
        /// worker's arrays serve all its pieces, fresh pages costing more than the copies).
        @Sendable func read(_ piece: Int, offsets: OffsetContexts, into matches: inout DeferredMatches) -> Piece {
            matches.removeAll()
            var settled = false
            var endOffsets = OffsetContexts()
            let scan = Scanner.scan(
                source, fileIndex: fileIndex, options: options, range: starts[piece]..<starts[piece + 1], kind: kind,
                file: file,
                setUp: { scanner in
                    scanner.deferredMatches = matches
                    matches = DeferredMatches()  // the scanner is the arrays' only owner while they grow
                    scanner.offsetContexts = offsets
                },
                tearDown: { scanner in
                    matches = scanner.deferredMatches!
                    settled = scanner.settledWithoutContext
                    endOffsets = scanner.offsetContexts
                })
            return Piece(scan: scan, settledWithoutContext: settled, endOffsets: endOffsets)
        }

        // The second stage's state: one scanner for the file, which never reads.
        var merged = FileScanner(source: source, fileIndex: fileIndex, options: options)
        merged.inheritedSessions = sessions
        merged.presetKind = kind
        merged.start(with: UnsafeRawBufferPointer(start: nil, count: 0))
        var lines = 0
        var offsets = OffsetContexts()
        var problems: [InputProblem] = []
        /// Takes the next piece in line order; true when the file cannot be read past it.
        func take(_ first: Piece, matches firstMatches: DeferredMatches, index: Int) -> Bool {
            var piece = first
            var matches = firstMatches
            if piece.settledWithoutContext && offsets.isKnown {
                piece = read(index, offsets: offsets, into: &matches)
            }
            merged.mergeDeferred(matches, lineOffset: lines)
            options.eventStream?.deliver(&merged.result.events, file: fileIndex)
            var result = merged.result
            if index == 0 { result.looksBinary = piece.scan.looksBinary }
            result.bytes += piece.scan.bytes
            result.unreadNewerSSHDLines += piece.scan.unreadNewerSSHDLines
            result.firstLineTime = result.firstLineTime ?? piece.scan.firstLineTime
            result.lastLineTime = piece.scan.lastLineTime ?? result.lastLineTime
            merged.result = result
            var stops = false
            for problem in piece.scan.problems {
                var shifted = problem
                if case .overlongLine(let line, let length, let limit) = problem.kind {
                    shifted.kind = .overlongLine(line: line + lines, length: length, limit: limit)
                } else {
                    stops = true
                }
                problems.append(shifted)
            }
            lines += piece.scan.lines
            offsets.continue(with: piece.endOffsets)
            return stops
        }

        let gate = TurnGate()
        withoutActuallyEscaping(take) { take in
            // Only the worker whose turn it is calls `take`: the turns order every use of its state.
            nonisolated(unsafe) let take = take
            System.runOnTwoThreads { worker, workers in
                var matches = DeferredMatches()
                for index in stride(from: worker, to: pieceCount, by: workers) {
                    let piece = gate.stopped ? nil : read(index, offsets: OffsetContexts(), into: &matches)
                    gate.wait(for: index)
                    if let piece, !gate.stopped, take(piece, matches, index) { gate.stopped = true }
                    gate.pass()
                }
            }
        }
        sessions = merged.sessionsForNextFile
        var result = merged.result
        result.lines = lines
        result.problems += problems
        result.reportCutShort(expectedSize: size)
        return result
    }
}

/// Lets workers take turns in a fixed order: turn k is for whoever holds piece k.
final class TurnGate: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var turn = 0
    /// Set during a turn when the pieces after it are not to be taken. Read outside a turn it
    /// may be late, which costs only a piece read for nothing.
    var stopped: Bool {
        get { withLock { stoppedValue } }
        set { withLock { stoppedValue = newValue } }
    }
    private var stoppedValue = false

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    private func withLock<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    /// Blocks until turn `index` has come.
    func wait(for index: Int) {
        pthread_mutex_lock(mutex)
        while turn != index { pthread_cond_wait(condition, mutex) }
        pthread_mutex_unlock(mutex)
    }

    /// Ends the current turn.
    func pass() {
        withLock { turn += 1 }
        pthread_cond_broadcast(condition)
    }
}
