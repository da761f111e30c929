import Dispatch

/// Splits `0..<count` into contiguous ranges, one per core (one range for small counts), runs
/// `tally` on each at once and returns the partial results in range order, for the caller to
/// merge. Analyses tally the event columns this way.
func parallelTally<Partial>(count: Int, minimumPerRange: Int = 65_536, _ tally: @Sendable (Range<Int>) -> Partial) -> [Partial] {
    let cores = max(1, System.usableProcessorCount)
    let rangeCount = max(1, min(cores, count / max(1, minimumPerRange)))
    if rangeCount == 1 { return [tally(0..<count)] }
    var results = [Partial?](repeating: nil, count: rangeCount)
    results.withUnsafeMutableBufferPointer { slots in
        nonisolated(unsafe) let base = slots.baseAddress!
        DispatchQueue.concurrentPerform(iterations: rangeCount) { index in
            let lower = count * index / rangeCount
            let upper = count * (index + 1) / rangeCount
            // Each iteration writes only its own slot.
            (base + index).initialize(to: tally(lower..<upper))
        }
    }
    return results.map { $0! }
}
