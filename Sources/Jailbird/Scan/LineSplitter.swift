import CJailbirdSupport
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Cuts a stream of byte chunks into lines.
///
/// Feed it the chunks of one input in order, then call `finish`. Each complete line is handed to
/// the closure without its terminator (`\n`, or `\r\n`: a `\r` just before the `\n` is dropped)
/// together with its 1-based line number. A last line without `\n` is delivered by `finish`.
/// Any byte other than `\n` is just data: NUL bytes and invalid UTF-8 pass through untouched.
///
/// A line that lies wholly inside a chunk is handed out as a pointer into that chunk (no copy).
/// Only the piece of a line that spans chunks is copied into one internal buffer, and only the
/// new chunk is searched for its end, so a long line is never rescanned.
///
/// A line longer than `lineLimit` bytes (not counting its terminator) is not delivered: it is
/// counted in `overlongLineCount`, the first `overlongLinesKept` are listed in `overlongLines`,
/// and splitting resumes after its `\n`. Such a line is never buffered beyond `lineLimit + 1`
/// bytes, so memory stays bounded whatever its length. Its line number is used up.
///
/// Newlines are found with `memchr` (vectorised in the C library).
/// Receives the lines a `LineSplitter` cuts: each line's bytes (valid only during the call,
/// without terminator) and its 1-based number.
public protocol LineSink {
    mutating func line(_ bytes: UnsafeRawBufferPointer, number: Int)
    /// A line that a `LineSelector` picked (see `LineSplitter.feed(_:into:selecting:)`), so
    /// whatever test the selector made need not be made again. By default, `line`.
    mutating func selectedLine(_ bytes: UnsafeRawBufferPointer, number: Int)
    /// While true, `LineSplitter.feed(_:into:selecting:)` hands over every line, selected or
    /// not. By default, false.
    var needsEveryLine: Bool { get }
}

extension LineSink {
    public mutating func selectedLine(_ bytes: UnsafeRawBufferPointer, number: Int) { line(bytes, number: number) }
    public var needsEveryLine: Bool { false }
}

/// Picks the lines a sink needs, for `LineSplitter.feed(_:into:selecting:)`: every such line
/// holds the byte `pairFirst` followed by one of `pairSeconds`, and `verdict` decides on each
/// place such a pair stands. It must select every line the sink would act on.
public protocol LineSelector {
    /// The first byte of the pair.
    var pairFirst: UInt8 { get }
    /// The bytes that may follow it, packed lowest first (one to four).
    var pairSeconds: UInt32 { get }
    /// How many bytes `pairSeconds` holds.
    var pairSecondCount: Int32 { get }
    /// What the pair at `offset` in `line` (without terminator) means for the line.
    func verdict(on line: UnsafeRawBufferPointer, pairAt offset: Int) -> LineVerdict
}

/// A `LineSelector`'s answer for one byte pair.
public enum LineVerdict: Sendable {
    /// The line is handed to the sink.
    case select
    /// The line is not needed, whatever follows in it.
    case skipLine
    /// This pair says nothing; look for the next one in the line.
    case keepLooking
}

/// Adapts a closure to `LineSink`.
private struct ClosureLineSink: LineSink {
    let body: (UnsafeRawBufferPointer, Int) -> Void
    mutating func line(_ bytes: UnsafeRawBufferPointer, number: Int) { body(bytes, number) }
}

public struct LineSplitter {
    /// A line that was too long to deliver.
    public struct OverlongLine: Equatable, Sendable {
        /// Its 1-based line number.
        public var line: Int
        /// Its length in bytes without the terminator.
        public var length: Int
    }

    /// Lines longer than this (in bytes, terminator excluded) are skipped.
    public let lineLimit: Int
    /// How many overlong lines are remembered in `overlongLines` (all are counted).
    public static let overlongLinesKept = 100
    /// The number of lines seen so far (delivered or skipped).
    public private(set) var lineCount = 0
    /// The first `overlongLinesKept` overlong lines, in order.
    public private(set) var overlongLines: [OverlongLine] = []
    /// How many overlong lines were skipped in all.
    public private(set) var overlongLineCount = 0

    /// The start of a line that began in an earlier chunk (at most `lineLimit + 1` bytes).
    private(set) var carry: [UInt8] = []
    /// True while skipping the rest of an overlong line.
    private var skipping = false
    /// Bytes of the overlong line seen so far.
    private var skippedLength = 0

    /// The default `lineLimit`: 1 MiB.
    public static let defaultLineLimit = 1 << 20

    /// - Parameter lineLimit: the longest line delivered, in bytes without the terminator; at
    ///   most `Int32.max` (the filters keep offsets into a line in 32 bits).
    public init(lineLimit: Int = defaultLineLimit) {
        self.lineLimit = min(max(0, lineLimit), Int(Int32.max))
    }

    /// Splits `chunk`, delivering every line it completes.
    ///
    /// - Parameter body: called with each line (valid only during the call) and its number.
    /// - Complexity: O(chunk.count); no allocation unless a line spans chunks.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer, Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            var sink = ClosureLineSink(body: body)
            feed(chunk, into: &sink)
        }
    }

    /// Delivers the last line (see `finish(into:)`) to a closure.
    public mutating func finish(_ body: (UnsafeRawBufferPointer, Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            var sink = ClosureLineSink(body: body)
            finish(into: &sink)
        }
    }

    /// Splits `chunk`, handing every line it completes to `sink`. The generic form lets the
    /// compiler inline the sink's `line` into the loop: the scanner's per-line path.
    public mutating func feed<Sink: LineSink>(_ chunk: UnsafeRawBufferPointer, into sink: inout Sink) {
        guard let base = chunk.baseAddress, chunk.count > 0 else { return }
        let end = base + chunk.count
        var lineStart = base
        // First, complete the line carried over from earlier chunks, if any.
        guard finishCarriedLine(chunk, into: &sink, lineStart: &lineStart) else { return }
        var number = lineCount

        // The common case: lines wholly inside this chunk, handed out in place.
        lineStart = walkLines(from: lineStart, to: end, number: &number, into: &sink, handingOutAll: true)
        lineCount = number
        if lineStart < end {
            absorbPartial(UnsafeRawBufferPointer(start: lineStart, count: end - lineStart))
        }
    }

    /// Completes the line carried over from earlier chunks with the start of `chunk`, if one is
    /// carried, and moves `lineStart` past its end. False when the chunk holds no newline: all
    /// of it then belongs to the carried line.
    private mutating func finishCarriedLine<Sink: LineSink>(
        _ chunk: UnsafeRawBufferPointer, into sink: inout Sink, lineStart: inout UnsafeRawPointer
    ) -> Bool {
        guard skipping || !carry.isEmpty, let base = chunk.baseAddress else { return true }
        guard let newline = memchr(base, 0x0A, chunk.count) else {
            absorbPartial(chunk)
            return false
        }
        let newlinePointer = UnsafeRawPointer(newline)
        absorbPartial(UnsafeRawBufferPointer(start: base, count: newlinePointer - base))
        lineCount &+= 1
        let number = lineCount
        if skipping {
            recordOverlong(line: number, length: skippedLength - (carryEndsWithCR ? 1 : 0))
        } else {
            let length = carry.count - (carry.last == 0x0D ? 1 : 0)
            if length > lineLimit {
                recordOverlong(line: number, length: length)
            } else {
                carry.withUnsafeBytes { sink.line(UnsafeRawBufferPointer(rebasing: $0[..<length]), number: number) }
            }
        }
        carry.removeAll(keepingCapacity: carry.capacity <= 64 << 10)
        skipping = false
        skippedLength = 0
        lineStart = newlinePointer + 1
        return true
    }

    /// Splits `chunk` as `feed(_:into:)` does, but hands `sink` only the lines `selector` picks
    /// (and the chunk's last complete line, whose time a scan notes, and every line while the
    /// sink `needsEveryLine`), numbered as ever. Lines without the selector's byte pair are
    /// counted by a SIMD search, not visited one by one; a stretch of them longer than
    /// `lineLimit` is walked line by line so that overlong lines are still reported.
    public mutating func feed<Sink: LineSink, Selector: LineSelector>(
        _ chunk: UnsafeRawBufferPointer, into sink: inout Sink, selecting selector: Selector
    ) {
        guard let base = chunk.baseAddress, chunk.count > 0 else { return }
        let end = base + chunk.count
        var lineStart = base
        guard finishCarriedLine(chunk, into: &sink, lineStart: &lineStart) else { return }
        let scanStart = lineStart
        var number = lineCount
        var searchFrom = lineStart  // lineStart is the start of the line holding searchFrom
        var lastDeliveredEnd: UnsafeRawPointer?  // the newline ending the last line handed out
        while searchFrom < end {
            var newlines = 0
            var lastNewline: Int64 = -1
            let pairOffset = jb_find_byte_pair(
                searchFrom, end - searchFrom, selector.pairFirst, selector.pairSeconds, selector.pairSecondCount,
                &newlines, &lastNewline)
            if newlines > 0 {
                let skippedEnd = searchFrom + Int(lastNewline) + 1
                skipLines(from: lineStart, to: skippedEnd, newlines: newlines, number: &number, sink: &sink)
                lineStart = skippedEnd
            }
            let pair = searchFrom + pairOffset
            guard pair < end, let newline = memchr(pair, 0x0A, end - pair) else { break }
            let newlinePointer = UnsafeRawPointer(newline)
            let length = Self.length(from: lineStart, to: newlinePointer)
            let line = UnsafeRawBufferPointer(start: lineStart, count: length)
            let verdict = length <= lineLimit ? selector.verdict(on: line, pairAt: pair - lineStart) : .skipLine
            if verdict == .keepLooking {
                searchFrom = pair + 1
                continue
            }
            number &+= 1
            if length > lineLimit {
                recordOverlong(line: number, length: length)
            } else if verdict == .select {
                sink.selectedLine(line, number: number)
                lastDeliveredEnd = newlinePointer
            } else if sink.needsEveryLine {
                sink.line(line, number: number)
                lastDeliveredEnd = newlinePointer
            }
            lineStart = newlinePointer + 1
            searchFrom = lineStart
        }
        lineCount = number
        // The last line of the chunk `feed(_:into:)` would have handed out (the last complete one
        // that is not overlong), if it was skipped: a scan reads the time of that line.
        var lineEnd = lineStart - 1  // the newline ending it
        var lineNumber = number
        while lineEnd >= scanStart && lineEnd != lastDeliveredEnd {
            let previous = jb_memrchr(scanStart, 0x0A, lineEnd - scanStart).map { UnsafeRawPointer($0) }
            let start = previous.map { $0 + 1 } ?? scanStart
            let length = Self.length(from: start, to: lineEnd)
            if length <= lineLimit {
                sink.line(UnsafeRawBufferPointer(start: start, count: length), number: lineNumber)
                break
            }
            guard let previous else { break }
            lineEnd = previous
            lineNumber -= 1
        }
        if lineStart < end {
            absorbPartial(UnsafeRawBufferPointer(start: lineStart, count: end - lineStart))
        }
    }

    /// Numbers the `newlines` lines from `start` to `end` (just past a newline) that the selector
    /// did not pick. They are walked one by one only while `sink` needs every line, or when the
    /// stretch is long enough to hold an overlong line.
    private mutating func skipLines<Sink: LineSink>(
        from start: UnsafeRawPointer, to end: UnsafeRawPointer, newlines: Int, number: inout Int, sink: inout Sink
    ) {
        // A line of more than lineLimit bytes takes lineLimit + 2 with its newline.
        guard end - start > lineLimit + 1 || sink.needsEveryLine else {
            number &+= newlines
            return
        }
        _ = walkLines(from: start, to: end, number: &number, into: &sink, handingOutAll: false)
    }

    /// Numbers each line that ends (with `\n`) between `start` and `end`, records the overlong
    /// ones, and hands the others to `sink`: all of them, or (`handingOutAll` false) those met
    /// while the sink `needsEveryLine`. Returns where the unfinished rest begins.
    @inline(__always)
    private mutating func walkLines<Sink: LineSink>(
        from start: UnsafeRawPointer, to end: UnsafeRawPointer, number: inout Int, into sink: inout Sink,
        handingOutAll: Bool
    ) -> UnsafeRawPointer {
        var lineStart = start
        while lineStart < end, let newline = memchr(lineStart, 0x0A, end - lineStart) {
            let newlinePointer = UnsafeRawPointer(newline)
            let length = Self.length(from: lineStart, to: newlinePointer)
            number &+= 1
            if length > lineLimit {
                recordOverlong(line: number, length: length)
            } else if handingOutAll || sink.needsEveryLine {
                sink.line(UnsafeRawBufferPointer(start: lineStart, count: length), number: number)
            }
            lineStart = newlinePointer + 1
        }
        return lineStart
    }

    /// The length of the line from `start` to its `\n` at `newline`, without a `\r` before it.
    @inline(__always)
    private static func length(from start: UnsafeRawPointer, to newline: UnsafeRawPointer) -> Int {
        let length = newline - start
        return length > 0 && newline.load(fromByteOffset: -1, as: UInt8.self) == 0x0D ? length - 1 : length
    }

    /// Delivers the last line if the input did not end with `\n`, and makes the splitter ready
    /// for a new input (line numbers go on from where they were; the overlong list is kept).
    public mutating func finish<Sink: LineSink>(into sink: inout Sink) {
        defer {
            carry.removeAll()
            skipping = false
            skippedLength = 0
        }
        if skipping {
            lineCount &+= 1
            recordOverlong(line: lineCount, length: skippedLength - (carryEndsWithCR ? 1 : 0))
        } else if !carry.isEmpty {
            lineCount &+= 1
            let length = carry.count - (carry.last == 0x0D ? 1 : 0)
            if length > lineLimit {
                recordOverlong(line: lineCount, length: length)
            } else {
                let number = lineCount
                carry.withUnsafeBytes { sink.line(UnsafeRawBufferPointer(rebasing: $0[..<length]), number: number) }
            }
        }
    }

    /// One `.overlongLine` problem per remembered overlong line, naming `path`. Only the first
    /// `overlongLinesKept` are listed; `overlongLineCount` says how many there were in all.
    public func problems(path: String) -> [InputProblem] {
        overlongLines.map {
            InputProblem(path: path, kind: .overlongLine(line: $0.line, length: $0.length, limit: lineLimit))
        }
    }

    /// Whether the skipped part of an overlong line ended with `\r` (then it is not counted).
    private var carryEndsWithCR: Bool { carry.last == 0x0D }

    /// Adds a piece of an unfinished line to the carry, switching to skipping when the line
    /// outgrows the limit. While skipping, only the last byte is kept (to drop a final `\r`).
    private mutating func absorbPartial(_ piece: UnsafeRawBufferPointer) {
        guard piece.count > 0 else { return }
        if skipping {
            skippedLength &+= piece.count
            carry.removeAll(keepingCapacity: true)
            carry.append(piece[piece.count - 1])
            return
        }
        // +1: a line of exactly `lineLimit` bytes may still be followed by its `\r`.
        if carry.count + piece.count > lineLimit + 1 {
            skipping = true
            skippedLength = carry.count + piece.count
            carry.removeAll(keepingCapacity: false)
            carry.append(piece[piece.count - 1])
            return
        }
        carry.append(contentsOf: piece)
    }

    private mutating func recordOverlong(line: Int, length: Int) {
        overlongLineCount &+= 1
        if overlongLines.count < Self.overlongLinesKept {
            overlongLines.append(OverlongLine(line: line, length: length))
        }
    }
}
