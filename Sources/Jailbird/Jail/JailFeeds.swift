/// A jail with the log files it reads.
public struct JailFeed: Sendable {
    public var parameters: JailParameters
    public var logs: [LogSource]

    public init(parameters: JailParameters, logs: [LogSource]) {
        self.parameters = parameters
        self.logs = logs
    }
}

extension SimulationInput {
    /// Reads every jail's logs with the jail's filter and gathers the events into one input:
    /// each (jail, file) pair is a stream, in jail order then file order.
    ///
    /// - Parameters:
    ///   - scan: zone, reference instant and window; its `filter` is replaced by each jail's.
    ///   - end: the end of the replay; nil means the time of the last line read.
    ///   - standard: scans of some of these files with the standard filter set and the same
    ///     options otherwise; a stream takes its events from them instead of reading the file
    ///     again where they are the same (`FileScan.narrowed`).
    /// - Returns: the input and the scan of every stream (for problems and provenance).
    public static func reading(
        _ feeds: [JailFeed], scan: ScanOptions, end: Int64? = nil, reusing standard: [FileScan] = []
    ) -> (input: SimulationInput, scans: [FileScan]) {
        let sources: [(jail: Int, source: LogSource)] = feeds.enumerated().flatMap { jail, feed in
            feed.logs.map { (jail, $0) }
        }
        // A jail's rotated set read with sshd is one run: its files share the session cache.
        let runs: [Range<Int>] = feeds.indices.flatMap { jail in
            let offset = feeds[..<jail].reduce(0) { $0 + $1.logs.count }
            let keepsSessions = feeds[jail].parameters.filter.keepsSessions
            return Scanner.sessionRuns(feeds[jail].logs) { _ in keepsSessions }.map {
                ($0.lowerBound + offset)..<($0.upperBound + offset)
            }
        }
        var scans = [FileScan?](repeating: nil, count: sources.count)
        scans.withUnsafeMutableBufferPointer { slots in
            nonisolated(unsafe) let base = slots.baseAddress!
            DispatchQueue.concurrentPerform(iterations: runs.count) { run in
                // Each iteration writes only the slots of its run.
                let run = runs[run]
                let filter = feeds[sources[run.lowerBound].jail].parameters.filter
                if let reused = reuse(standard, for: run.map { sources[$0].source }, filter: filter, firstIndex: run.lowerBound) {
                    for (offset, scan) in reused.enumerated() { (base + run.lowerBound + offset).initialize(to: scan) }
                    return
                }
                var options = scan
                options.filter = filter
                let read = Scanner.scanRun(run.map { (sources[$0].source, $0) }, options: options)
                for (offset, scan) in read.enumerated() { (base + run.lowerBound + offset).initialize(to: scan) }
            }
        }
        var events = EventStore()
        var start = Int64.max
        var last = Int64.min
        for scan in scans {
            events.append(contentsOf: scan!.events)
            if let first = scan!.firstLineTime { start = min(start, first) }
            if let final = scan!.lastLineTime { last = max(last, final) }
            if let time = scan!.events.times.last { last = max(last, time) }
        }
        if start == .max { start = events.times.min() ?? 0 }
        let input = SimulationInput(
            jails: feeds.map(\.parameters), events: events, streamJails: sources.map(\.jail), start: start,
            end: end ?? (last == .min ? start : last))
        return (input, scans.map { $0! })
    }

    /// The standard scans of a run of files narrowed to `filter`, numbered from `firstIndex`;
    /// nil unless `canReuse`.
    static func reuse(_ standard: [FileScan], for run: [LogSource], filter: FilterSpec, firstIndex: Int) -> [FileScan]? {
        guard canReuse(standard, for: run, filter: filter) else { return nil }
        return run.enumerated().map { offset, source in
            standard.first { $0.source == source }!.narrowed(to: filter, fileIndex: firstIndex + offset)!
        }
    }

    /// Whether every file of a run has a standard scan that tells what `filter` alone would find
    /// (`FileScan.canNarrow`). With sshd, each scan must also have continued the sessions of
    /// exactly the files before it in the run, as the jail's one filter does.
    static func canReuse(_ standard: [FileScan], for run: [LogSource], filter: FilterSpec) -> Bool {
        run.enumerated().allSatisfy { offset, source in
            guard let read = standard.first(where: { $0.source == source }), read.canNarrow(to: filter) else { return false }
            return !filter.keepsSessions || read.sessionPredecessors == Array(run[..<offset])
        }
    }

    /// The logs `reading` reads again rather than taking from `standard` (for a progress bar's
    /// total).
    public static func logsToRead(_ feeds: [JailFeed], reusing standard: [FileScan]) -> [LogSource] {
        feeds.flatMap { feed in
            let keepsSessions = feed.parameters.filter.keepsSessions
            return Scanner.sessionRuns(feed.logs) { _ in keepsSessions }.flatMap { run in
                let logs = Array(feed.logs[run])
                return canReuse(standard, for: logs, filter: feed.parameters.filter) ? [] : logs
            }
        }
    }
}

import Dispatch
