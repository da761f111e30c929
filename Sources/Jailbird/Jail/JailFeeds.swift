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
        var scans = [FileScan?](repeating: nil, count: sources.count)
        scans.withUnsafeMutableBufferPointer { slots in
            nonisolated(unsafe) let base = slots.baseAddress!
            DispatchQueue.concurrentPerform(iterations: sources.count) { index in
                let filter = feeds[sources[index].jail].parameters.filter
                if let read = standard.first(where: { $0.source == sources[index].source }),
                    let narrowed = read.narrowed(to: filter, fileIndex: index)
                {
                    (base + index).initialize(to: narrowed)
                    return
                }
                var options = scan
                options.filter = filter
                (base + index).initialize(to: Scanner.scan(sources[index].source, fileIndex: index, options: options))
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
}

import Dispatch
