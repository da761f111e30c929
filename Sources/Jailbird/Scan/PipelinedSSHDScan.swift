import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// sshd's hits on the lines of one piece of a file, for the session logic to take in line order.
/// Each hit keeps its line's content (the line without its time stamp) in `bytes`, as the hit's
/// ranges point into it and the piece's mapping is gone by the time the hit is merged.
struct DeferredSSHDHits: Sendable {
    struct Hit: Sendable {
        var hit: SSHDRuleHit
        var mlfidEnd: Int32
        var contentCount: Int32
        var contentStart: Int
        var stampTime: Int64?
        /// The line's number within the piece.
        var number: Int
    }

    var hits: [Hit] = []
    var bytes: [UInt8] = []

    /// Empties the arrays, keeping their capacity.
    mutating func removeAll() {
        hits.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
    }

    mutating func append(
        _ hit: SSHDRuleHit, mlfidEnd: Int, content: UnsafeRawBufferPointer, stampTime: Int64?, number: Int
    ) {
        // Line lengths are at most LineSplitter's limit, below Int32.max.
        hits.append(
            Hit(hit: hit, mlfidEnd: Int32(mlfidEnd), contentCount: Int32(content.count), contentStart: bytes.count,
                stampTime: stampTime, number: number))
        bytes.append(contentsOf: content)
    }
}

/// A `--filter sshd` scan of a large plain file on two cores, with the result of one pass.
///
/// sshd's session cache needs the lines in order, but most of the work on a line does not touch
/// it: the line split, the time stamp, the syslog prefix and the rules (`SSHDFilter.findHit`).
/// So the file is cut at line starts into pieces of `ScanOptions.pipelineChunkBytes`; two
/// workers take every other piece and find its hits, and each then waits for its turn to merge
/// them into the one session cache and record the events (`FileScanner.mergeDeferred`), piece
/// after piece. At most one piece a worker is held, so memory stays bounded.
///
/// A time stamp can depend on the lines before it: an ambiguous local time (the hour repeated
/// when clocks go back) takes the offset of the last conversion, as glibc's mktime does. A
/// piece whose reader met one before any other conversion is read again in its turn, from the
/// offset the piece before ended with.
enum PipelinedSSHDScan {
    /// What the first stage makes of one piece.
    struct Piece: Sendable {
        var scan: FileScan
        var hits: DeferredSSHDHits
        var settledWithoutContext: Bool
        /// The time-stamp reader's offset context at the end (nil: it converted nothing).
        var endOffset: Int64?
    }

    static func scan(
        _ source: LogSource, fileIndex: Int, options: ScanOptions, size: Int64, sessions: inout SSHDFilter?
    ) -> FileScan {
        let chunk = max(1, options.pipelineChunkBytes)
        let pieceCount = Int((size + chunk - 1) / chunk)
        // Piece k starts at the first line start at or after k × chunk (the same answer for any
        // worker that asks, so each computes the bounds of its own pieces).
        @Sendable func start(of piece: Int) -> Int64 {
            if piece == 0 { return 0 }
            if piece >= pieceCount { return Int64.max }
            return ByteReader.lineStart(after: Int64(piece) * chunk - 1, in: source) ?? Int64.max
        }
        /// The first stage on one piece; `storage` lends its arrays' capacity (fresh pages cost
        /// more than the copies into them).
        @Sendable func read(_ piece: Int, offsetContext: Int64?, storage: inout DeferredSSHDHits) -> Piece {
            storage.removeAll()
            var hits = storage
            storage = DeferredSSHDHits()
            var settled = false
            var endOffset: Int64?
            let scan = Scanner.scan(
                source, fileIndex: fileIndex, options: options, range: start(of: piece)..<start(of: piece + 1),
                setUp: { scanner in
                    scanner.deferredHits = hits
                    hits = DeferredSSHDHits()
                    scanner.lineBeginStamps.offsetContext = offsetContext
                },
                tearDown: { scanner in
                    hits = scanner.deferredHits!
                    settled = scanner.lineBeginStamps.settledWithoutContext
                    endOffset = scanner.lineBeginStamps.offsetContext
                })
            return Piece(scan: scan, hits: hits, settledWithoutContext: settled, endOffset: endOffset)
        }

        // The second stage's state: one scanner for the file, which never reads.
        var merged = FileScanner(source: source, fileIndex: fileIndex, options: options)
        merged.inheritedSessions = sessions
        merged.start(with: UnsafeRawBufferPointer(start: nil, count: 0))
        var lines = 0
        var offsetContext: Int64?
        var problems: [InputProblem] = []
        /// Takes the next piece in line order; true when the file cannot be read past it.
        func take(_ first: inout Piece, index: Int) -> Bool {
            var piece = first
            defer { first = piece }
            if piece.settledWithoutContext && offsetContext != nil {
                var storage = DeferredSSHDHits()
                piece = read(index, offsetContext: offsetContext, storage: &storage)
            }
            merged.mergeDeferred(piece.hits, lineOffset: lines)
            var result = merged.result
            if index == 0 { result.looksBinary = piece.scan.looksBinary }
            result.bytes += piece.scan.bytes
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
            offsetContext = piece.endOffset ?? offsetContext
            return stops
        }

        let gate = TurnGate()
        withoutActuallyEscaping(take) { take in
            // Only the worker whose turn it is calls `take`: the turns order every use of its state.
            nonisolated(unsafe) let take = take
            DispatchQueue.concurrentPerform(iterations: 2) { worker in
                var storage = DeferredSSHDHits()
                for index in stride(from: worker, to: pieceCount, by: 2) {
                    var piece = gate.stopped ? nil : read(index, offsetContext: nil, storage: &storage)
                    gate.wait(for: index)
                    if piece != nil, !gate.stopped, take(&piece!, index) { gate.stopped = true }
                    gate.pass()
                    if let piece { storage = piece.hits }  // its arrays serve the next piece
                }
            }
        }
        sessions = merged.sessionsForNextFile
        var result = merged.result
        result.lines = lines
        result.problems += problems
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
