import Foundation
import Synchronization
import Testing

@testable import Jailbird

/// `jailbird scan --events` writes events while it reads (`ScanOptions.eventStream`): the events
/// must be exactly those a scan collects, in the same order, and come in pieces, not at the end.
@Suite struct EventStreamTests {
    /// What a stream received: each delivery, in order.
    final class Received: Sendable {
        let deliveries = Mutex<[[Event]]>([])
        var events: [Event] { deliveries.withLock { $0.flatMap { $0 } } }
        /// A new stream that records here what it is given.
        func makeStream() -> EventStream {
            EventStream { store in self.deliveries.withLock { $0.append(Array(store)) } }
        }
    }

    static func options(_ filter: FilterSpec? = nil) -> ScanOptions {
        var options = ScanOptions(filter: filter, zone: .utc, now: 1_735_689_599)
        // Small thresholds, so that the fixtures would be read in halves and pipelined pieces.
        options.splitThreshold = 64 << 10
        options.pipelineThreshold = 64 << 10
        options.pipelineChunkBytes = 16 << 10
        return options
    }

    /// Scans `sources` collecting the events, and again streaming them: same events, same order,
    /// same counts; the streamed scans keep no events.
    static func expectStreamedEqualsCollected(_ sources: [LogSource], filter: FilterSpec?) -> Received {
        let collected = Scanner.scan(sources, options: options(filter))
        let received = Received()
        var streaming = options(filter)
        streaming.keepEvents = false  // a stream needs the events: setting one keeps them
        streaming.eventStream = received.makeStream()
        #expect(streaming.keepEvents)
        let streamed = Scanner.scan(sources, options: streaming)
        let expected = collected.flatMap { Array($0.events) }
        #expect(expected.count > 0)
        #expect(received.events.count == expected.count)
        let firstDifference = zip(received.events, expected).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(firstDifference == nil, "first difference at event \(firstDifference?.offset ?? -1)")
        for (whole, streamedScan) in zip(collected, streamed) {
            #expect(streamedScan.events.isEmpty)
            #expect(streamedScan.lines == whole.lines)
            #expect(streamedScan.problems == whole.problems)
            SplitScanTests.expectSame(whole.tally, streamedScan.tally)
        }
        return received
    }

    /// A rotated sshd set (one session cache across its files, gzip included), Asterisk logs a
    /// collecting scan reads in halves, fail2ban.log and a missing file, in one run.
    @Test(arguments: [nil, FilterSpec.sshd(.aggressive), .asterisk])
    func streamedEventsAreTheCollectedOnesInOrder(filter: FilterSpec?) throws {
        let directory = try TemporaryDirectory()
        let rotated = try RotatedSetTests.writeSet(into: directory)
        let paths =
            ["demo/full.2.gz", "demo/full.1", "demo/full", "differential/generated-asterisk.log"].map(Fixtures.path)
            + rotated + [Fixtures.path("differential/generated-auth.log"), Fixtures.path("demo/fail2ban.log")]
        let sources = paths.map { LogSource(path: $0) } + [LogSource(path: directory.path + "/missing")]
        let received = Self.expectStreamedEqualsCollected(sources, filter: filter)
        // Events arrive in input order, whatever order the inputs finished in.
        let files = received.events.map(\.file)
        #expect(files == files.sorted())
    }

    /// A file of several chunks streams chunk by chunk (one pass, also where a collecting scan
    /// would read halves) or piece by piece (pipeline).
    @Test(arguments: [FilterSpec.sshd(.normal), nil, .asterisk])
    func aLargeFileStreamsInPieces(filter: FilterSpec?) throws {
        let directory = try TemporaryDirectory()
        // About 4 MiB each.
        let text =
            filter == .asterisk
            ? Array(String(repeating: try Fixtures.text("differential/generated-asterisk.log"), count: 8).utf8)
            : sampleLogText(lines: 40_000)
        let path = try directory.write(filter == .asterisk ? "full" : "auth.log", text)
        let received = Self.expectStreamedEqualsCollected([LogSource(path: path)], filter: filter)
        let sizes = received.deliveries.withLock { $0.map(\.count) }
        #expect(sizes.count >= 4, "deliveries: \(sizes)")
        #expect(sizes.max()! <= received.events.count / 3)
    }

    /// Events of a later input wait until every input before it has finished.
    @Test func laterInputsWaitForEarlierOnes() {
        let received = Received()
        let stream = received.makeStream()
        func store(_ file: Int, lines: ClosedRange<Int>) -> EventStore {
            var store = EventStore()
            for line in lines {
                store.append(
                    time: 0, host: .address(IPAddress("192.0.2.1")!), service: .sshd, kind: .failure,
                    rule: .sshdFailed, user: nil, jail: nil, file: file, line: line)
            }
            return store
        }
        var events = store(2, lines: 1...2)
        stream.deliver(&events, file: 2)
        #expect(events.isEmpty)
        events = store(1, lines: 1...1)
        stream.finish(&events, file: 1)
        #expect(received.events.isEmpty)  // input 0 is still being read
        events = store(0, lines: 1...3)
        stream.deliver(&events, file: 0)
        #expect(received.events.map(\.file) == [0, 0, 0])
        events = EventStore()
        stream.finish(&events, file: 0)  // 1 had finished: its events go, then 2's so far
        events = store(2, lines: 3...3)
        stream.finish(&events, file: 2)
        #expect(received.events.map { [$0.file, $0.line] } == [[0, 1], [0, 2], [0, 3], [1, 1], [2, 1], [2, 2], [2, 3]])
    }

    /// With two cores the consumer runs on a thread of its own (the streamed-equals-collected
    /// tests above then check the order it is given); with one, on the scanning thread.
    @Test func theConsumerRunsOnAnotherThreadWhenTwoCoresAreUsable() {
        let threads = Mutex<Set<UInt>>([])
        let stream = EventStream { _ in threads.withLock { _ = $0.insert(UInt(bitPattern: Int(bitPattern: pthread_self()))) } }
        var options = Self.options(.sshd(.normal))
        options.eventStream = stream
        let scans = Scanner.scan([LogSource(path: Fixtures.path("differential/generated-auth.log"))], options: options)
        #expect(scans[0].tally.events > 0)
        let caller = UInt(bitPattern: Int(bitPattern: pthread_self()))
        let seen = threads.withLock { $0 }
        #expect(seen.count == 1)
        if System.usableProcessorCount >= 2 {
            #expect(!seen.contains(caller))
        } else {
            #expect(seen == [caller])
        }
    }

    /// The hand-over keeps the order, gives nil after `close`, and makes the giver wait while
    /// `depth` values wait.
    @Test func theHandOffKeepsOrderAndBoundsWhatWaits() {
        let handOff = HandOff<Int>(depth: 3)
        let taken = Mutex<[Int]>([])
        let given = Mutex(0)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            for value in 0..<10_000 {
                handOff.put(value)
                given.withLock { $0 = value + 1 }
            }
            handOff.close()
            done.signal()
        }
        // Nobody takes yet: the giver gets three in, then waits.
        let deadline = Date().addingTimeInterval(30)
        while given.withLock({ $0 }) < 3 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        Thread.sleep(forTimeInterval: 0.2)
        #expect(given.withLock { $0 } == 3)
        while let value = handOff.take() { taken.withLock { $0.append(value) } }
        done.wait()
        #expect(taken.withLock { $0 } == Array(0..<10_000))
    }
}
