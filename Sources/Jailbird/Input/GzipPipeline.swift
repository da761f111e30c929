import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Inflates a gzip stream on a second thread while the caller consumes the previous buffer.
///
/// Two output buffers alternate: the background thread fills one while the caller's closure
/// reads the other, so inflating (about 1 GB/s of output with zlib) overlaps scanning. The
/// closure is still called on the caller's thread, in order, and never after `runInBackground`
/// returns.
///
/// Hand-over: `free` counts buffers the inflater may fill (starts at 2), `ready` counts filled
/// buffers the caller may read. Each buffer's count and end are written by the inflater before
/// it signals `ready` and read by the caller after it waits on it, so the semaphores order every
/// access.
final class GzipPipeline: @unchecked Sendable {
    private var gzip: GzipStream
    private let buffers: [UnsafeMutableRawBufferPointer]
    private var counts = [0, 0]
    private var ends: [GzipEnd?] = [nil, nil]
    private let free = DispatchSemaphore(value: 2)
    private let ready = DispatchSemaphore(value: 0)

    init(gzip: consuming GzipStream, bufferSize: Int) {
        self.gzip = gzip
        buffers = (0..<2).map { _ in UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16) }
    }

    deinit { for buffer in buffers { buffer.deallocate() } }

    /// The background thread's loop: fill buffers until the stream ends.
    private func produce() {
        var index = 0
        while true {
            free.wait()
            let (count, end) = gzip.fill(buffers[index])
            counts[index] = count
            ends[index] = end
            ready.signal()
            if end != nil { return }
            index ^= 1
        }
    }

    /// Runs the inflater on a new thread and feeds `body` here. Returns nil without calling
    /// `body` if no thread could be started; otherwise the stream's problem, or `.some(nil)`
    /// when it ended cleanly.
    func runInBackground(_ body: (UnsafeRawBufferPointer) -> Void) -> InputProblem?? {
        let context = Unmanaged.passRetained(self).toOpaque()
        #if canImport(Glibc)
            var thread = pthread_t()
        #else
            var thread: pthread_t?
        #endif
        let created = pthread_create(
            &thread, nil,
            { context in
                let pipeline = Unmanaged<GzipPipeline>.fromOpaque(context!).takeRetainedValue()
                pipeline.produce()
                return nil
            }, context)
        guard created == 0 else {
            Unmanaged<GzipPipeline>.fromOpaque(context).release()
            return nil
        }
        var index = 0
        var outcome: InputProblem?
        while true {
            ready.wait()
            let count = counts[index]
            let end = ends[index]
            if count > 0 { body(UnsafeRawBufferPointer(rebasing: buffers[index][..<count])) }
            free.signal()
            if let end {
                if case .problem(let problem) = end { outcome = problem }
                break
            }
            index ^= 1
        }
        #if canImport(Glibc)
            pthread_join(thread, nil)
        #else
            pthread_join(thread!, nil)
        #endif
        return .some(outcome)
    }

    /// Inflates on the calling thread into one buffer.
    func runHere(_ body: (UnsafeRawBufferPointer) -> Void) -> InputProblem? {
        while true {
            let (count, end) = gzip.fill(buffers[0])
            if count > 0 { body(UnsafeRawBufferPointer(rebasing: buffers[0][..<count])) }
            switch end {
            case nil: continue
            case .finished: return nil
            case .problem(let problem): return problem
            }
        }
    }
}
