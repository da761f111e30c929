/// One line handed to a filter's full match.
///
/// `content` is the line as fail2ban's regexes see it: the line with the text of its time
/// stamp cut out (what was before the stamp, then what came after it; for `[2024-01-15 10:23:45]
/// NOTICE…` that is `[] NOTICE…`). Without a time stamp it is the whole line. Neither buffer
/// contains the line terminator (`\n`, or `\r\n`).
public struct CandidateLine {
    public var content: UnsafeRawBufferPointer
    /// The whole line as it stands in the file.
    public var raw: UnsafeRawBufferPointer
    /// The line's time in UTC seconds; nil when the line has no time stamp jailbird can read.
    public var time: Int64?
    /// 1-based line number within the decompressed file.
    public var number: Int
    /// Whether the scan reads the match's `user`. A scan that keeps no events (the summary)
    /// reads none, so a filter whose matches don't depend on it may leave it out.
    public var wantsUser: Bool

    public init(
        content: UnsafeRawBufferPointer, raw: UnsafeRawBufferPointer, time: Int64?, number: Int, wantsUser: Bool = true
    ) {
        self.content = content
        self.raw = raw
        self.time = time
        self.number = number
        self.wantsUser = wantsUser
    }
}

/// A fail2ban filter implemented as a byte-level matcher.
///
/// The scanner calls `isCandidate` for every line, so it must be cheap and allocation-free; it
/// must return true for every line `process` could act on (a necessary condition, e.g. a
/// keyword the line must contain). Lines that pass are time-stamped and given to `process`,
/// in file order. A filter may keep state between lines (sshd's multi-line sessions), so a
/// fresh filter is used for each file.
public protocol LineFilter {
    /// The service whose events this filter yields.
    var service: Service { get }
    /// A cheap necessary test on the raw line (no terminator).
    func isCandidate(_ line: UnsafeRawBufferPointer) -> Bool
    /// The full match of a candidate line, fail2ban's rules applied to `line.content`.
    mutating func process(_ line: CandidateLine) -> LineMatch?
}
