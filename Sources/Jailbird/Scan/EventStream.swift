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
///
/// The consumer runs on a thread of its own while `Scanner.scan` reads (`consumingOnAnotherThread`)
/// when two cores are usable: formatting and writing events then take the second core, which a
/// streamed scan leaves free (it reads no file in halves).
public final class EventStream: Sendable {
    private struct State {
        /// The input whose events go to the consumer as they come.
        var current = 0
        var held: [Int: [EventStore]] = [:]
        var finished: Set<Int> = []
        /// Where the events go while the consumer runs on its own thread; nil: to the consumer.
        var handOff: HandOff<EventStore>?
    }

    private let state = Mutex(State())
    /// Called with the events in order, one call at a time (under the stream's lock, or on the
    /// consumer's thread).
    private let consume: @Sendable (EventStore) -> Void

    public init(_ consume: @escaping @Sendable (EventStore) -> Void) {
        self.consume = consume
    }

    /// Runs `scan` while the consumer takes the events on a thread of its own, at most `depth`
    /// deliveries behind (a delivery waits while that many do, so memory stays bounded). With
    /// one usable core, or when no thread can be started, the consumer runs in the deliveries.
    func consumingOnAnotherThread<Result>(depth: Int = 8, _ scan: () -> Result) -> Result {
        guard System.usableProcessorCount >= 2 else { return scan() }
        var result: Result?
        let handOff = HandOff<EventStore>(depth: depth)
        System.runOnTwoThreads { worker, workers in
            if workers == 1 {
                result = scan()
            } else if worker == 0 {
                state.withLock { $0.handOff = handOff }
                result = scan()
                state.withLock { $0.handOff = nil }
                handOff.close()
            } else {
                while let events = handOff.take() { consume(events) }
            }
        }
        return result!
    }

    /// The events to the consumer: on its thread when it has one.
    private func pass(_ events: EventStore, _ state: inout State) {
        if let handOff = state.handOff { handOff.put(events) } else { consume(events) }
    }

    /// Takes the events found so far in input `file` (after those delivered before), leaving
    /// `events` empty.
    func deliver(_ events: inout EventStore, file: Int) {
        guard !events.isEmpty else { return }
        let taken = events
        events = EventStore()
        state.withLock { state in
            if file == state.current {
                pass(taken, &state)
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
                for events in state.held.removeValue(forKey: state.current) ?? [] { pass(events, &state) }
            }
        }
    }
}
