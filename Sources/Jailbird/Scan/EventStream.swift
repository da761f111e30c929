import Synchronization

/// Hands a scan's events to a consumer while the scan reads, in the order the scan reports them:
/// input after input, and within an input in line order. `jailbird scan --events` writes them
/// out this way, so its memory stays flat however many events a file holds.
///
/// Inputs are scanned several at once. The events of the earliest input not yet finished go to
/// the consumer at once; those of later inputs are held until every input before them has
/// finished. So one large file streams in chunks, and what is held at most is the events of
/// inputs that finished while an earlier one was still being read.
///
/// The scan calls `deliver` for each input's events as it finds them and `finish` once per input
/// when it is done; the inputs are numbered 0, 1, 2, … (`Scanner.scan` numbers its sources so).
public final class EventStream: Sendable {
    private struct State {
        /// The input whose events go to the consumer as they come.
        var current = 0
        var held: [Int: [EventStore]] = [:]
        var finished: Set<Int> = []
    }

    private let state = Mutex(State())
    /// Called with the events in order, one call at a time (under the stream's lock).
    private let consume: @Sendable (EventStore) -> Void

    public init(_ consume: @escaping @Sendable (EventStore) -> Void) {
        self.consume = consume
    }

    /// Takes the events found so far in input `file` (after those delivered before), leaving
    /// `events` empty.
    func deliver(_ events: inout EventStore, file: Int) {
        guard !events.isEmpty else { return }
        let taken = events
        events = EventStore()
        state.withLock { state in
            if file == state.current {
                consume(taken)
            } else {
                state.held[file, default: []].append(taken)
            }
        }
    }

    /// Takes the last events of input `file` and marks it done: the events held for the inputs
    /// after it go on as soon as all before them are done.
    func finish(_ events: inout EventStore, file: Int) {
        deliver(&events, file: file)
        state.withLock { state in
            state.finished.insert(file)
            while state.finished.remove(state.current) != nil {
                state.current += 1
                for events in state.held.removeValue(forKey: state.current) ?? [] { consume(events) }
            }
        }
    }
}
