import CJailbirdSupport
import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Facts about the machine the engine needs (the core has no other access to it).
enum System {
    /// The processors this process may run on: its affinity mask, so `taskset -c 0` gives 1
    /// (Foundation's `activeProcessorCount` counts every online processor).
    static var usableProcessorCount: Int { Int(jb_usable_processor_count()) }

    /// Runs `body(0, 2)` on this thread and `body(1, 2)` on a thread of its own, at the same
    /// time, and returns when both have; `body(0, 1)` alone when no thread could be started.
    /// For two workers that wait for each other: `DispatchQueue.concurrentPerform` called inside
    /// another runs its iterations one after the other, and the first would wait forever for
    /// the second.
    static func runOnTwoThreads(_ body: (_ worker: Int, _ workers: Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            final class Work {
                let run: () -> Void
                init(_ run: @escaping () -> Void) { self.run = run }
            }
            let work = Unmanaged.passRetained(Work { body(1, 2) })
            #if canImport(Glibc)
                var thread = pthread_t()
            #else
                var thread: pthread_t?
            #endif
            let started = pthread_create(
                &thread, nil,
                { context in
                    Unmanaged<Work>.fromOpaque(context!).takeRetainedValue().run()
                    return nil
                }, work.toOpaque())
            guard started == 0 else {
                work.release()
                body(0, 1)
                return
            }
            body(0, 2)
            #if canImport(Glibc)
                pthread_join(thread, nil)
            #else
                pthread_join(thread!, nil)
            #endif
        }
    }
}

/// Values handed from one thread to another, first in first out, at most `depth` waiting:
/// `free` counts the places the giver may fill, `ready` the values the taker may take.
final class HandOff<Value: Sendable>: Sendable {
    /// nil after the last value: `close`.
    private let waiting = Mutex<[Value?]>([])
    private let free: DispatchSemaphore
    private let ready = DispatchSemaphore(value: 0)

    init(depth: Int) {
        free = DispatchSemaphore(value: max(depth, 1))
    }

    /// Adds `value`, waiting while `depth` values wait.
    func put(_ value: Value) { add(value) }

    /// Says that no value follows: `take` answers nil once the others are taken.
    func close() { add(nil) }

    private func add(_ value: Value?) {
        free.wait()
        waiting.withLock { $0.append(value) }
        ready.signal()
    }

    /// The next value, waiting for one; nil when the giver has closed and every value is taken.
    func take() -> Value? {
        ready.wait()
        let value = waiting.withLock { $0.removeFirst() }
        free.signal()
        return value
    }
}
