import CZlib
import SystemPackage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How a gzip stream stopped.
enum GzipEnd {
    /// Every member was inflated and the input ended cleanly.
    case finished
    case problem(InputProblem)
}

/// Inflates a gzip file (any number of concatenated members) read from a file descriptor.
///
/// The compressed input is read with `read(2)` into one buffer (compressed data is small, and
/// `read` cannot fault on truncation the way a mapping does). `fill` inflates into a caller's
/// buffer, so the caller decides how many output buffers exist (one, or two for the background
/// thread).
struct GzipStream: ~Copyable {
    private let descriptor: Int32
    private let path: String
    /// zlib keeps a pointer back to its `z_stream`, so it must not move: it lives on the heap.
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutableRawBufferPointer
    /// File offset of `input[0]`.
    private var inputFileOffset: Int64 = 0
    /// Valid bytes in `input`.
    private var inputCount = 0
    private var endOfInput = false
    /// True before the first member and after each member's end: the next bytes must be a gzip
    /// header or the end of the file.
    private var atMemberBoundary = true
    private var isFirstMember = true
    private var failure: GzipEnd?
    /// Decompressed bytes handed out by earlier `fill` calls.
    private(set) var bytesProduced: Int64 = 0

    static let inputBufferSize = 256 << 10

    /// - Parameters:
    ///   - prefix: bytes already read from `descriptor` (the sniffed start of a pipe); reading
    ///     continues after them.
    init(descriptor: Int32, path: String, prefix: UnsafeRawBufferPointer) {
        self.descriptor = descriptor
        self.path = path
        input = UnsafeMutableRawBufferPointer.allocate(
            byteCount: max(Self.inputBufferSize, prefix.count), alignment: 16)
        if prefix.count > 0 { input.baseAddress!.copyMemory(from: prefix.baseAddress!, byteCount: prefix.count) }
        inputCount = prefix.count
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_in = UInt32(inputCount)
        // 15 + 16: gzip wrapper only (the caller sniffed the magic bytes), 32 KiB window.
        let code = czlib_inflateInit2(stream, 15 + 16)
        if code != Z_OK {
            failure = .problem(
                InputProblem(
                    path: path, kind: .corruptGzip(reason: "zlib init failed (\(code))"),
                    offset: 0, bytesDelivered: 0))
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        input.deallocate()
    }

    /// The compressed-file offset of the next byte zlib will read.
    private var compressedOffset: Int64 {
        let consumed = UnsafeRawPointer(stream.pointee.next_in!) - UnsafeRawPointer(input.baseAddress!)
        return inputFileOffset + Int64(consumed)
    }

    /// Moves the unread input to the front of the buffer and reads more. Returns a problem on a
    /// read error.
    private mutating func refill() -> InputProblem? {
        let unread = Int(stream.pointee.avail_in)
        let consumed = inputCount - unread
        if consumed > 0 {
            if unread > 0 {
                input.baseAddress!.copyMemory(from: input.baseAddress! + consumed, byteCount: unread)
            }
            inputFileOffset += Int64(consumed)
            inputCount = unread
        }
        while inputCount < input.count && !endOfInput {
            let got = Glibc.read(descriptor, input.baseAddress! + inputCount, input.count - inputCount)
            if got < 0 {
                if errno == EINTR { continue }
                return InputProblem(
                    path: path, kind: .cannotRead(Errno(rawValue: errno)),
                    offset: inputFileOffset + Int64(inputCount), bytesDelivered: nil)
            }
            if got == 0 { endOfInput = true } else { inputCount += got }
            // One successful read is enough: don't wait on a pipe for a full buffer.
            if got > 0 { break }
        }
        stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_in = UInt32(inputCount)
        return nil
    }

    /// Inflates into `output` until it is full or the stream ends.
    ///
    /// Returns how many bytes were written, and, when the stream is over, how it ended. Bytes
    /// written before a problem are valid and come before it. After an end, further calls
    /// return `(0, end)` again.
    mutating func fill(_ output: UnsafeMutableRawBufferPointer) -> (count: Int, end: GzipEnd?) {
        if let failure { return (0, failure) }
        var produced = 0
        func finish(_ end: GzipEnd, _ produced: Int) -> (count: Int, end: GzipEnd?) {
            bytesProduced += Int64(produced)
            failure = end
            return (produced, end)
        }
        func problem(_ kind: InputProblem.Kind, _ offset: Int64, _ produced: Int) -> (count: Int, end: GzipEnd?) {
            finish(
                .problem(
                    InputProblem(
                        path: path, kind: kind, offset: offset,
                        bytesDelivered: bytesProduced + Int64(produced))), produced)
        }
        while produced < output.count {
            if atMemberBoundary {
                // Need two bytes to tell a new member from the end or from garbage.
                while stream.pointee.avail_in < 2 && !endOfInput {
                    if let readProblem = refill() { return finish(.problem(readProblem), produced) }
                }
                let available = Int(stream.pointee.avail_in)
                if available == 0 { return finish(.finished, produced) }
                let next = stream.pointee.next_in!
                if available < 2 || next[0] != 0x1F || next[1] != 0x8B {
                    return problem(.trailingGarbage, compressedOffset, produced)
                }
                if !isFirstMember { inflateReset(stream) }
                isFirstMember = false
                atMemberBoundary = false
            }
            if stream.pointee.avail_in == 0 && !endOfInput {
                if let readProblem = refill() { return finish(.problem(readProblem), produced) }
                continue
            }
            stream.pointee.next_out = (output.baseAddress! + produced).assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = UInt32(output.count - produced)
            let code = inflate(stream, Z_NO_FLUSH)
            produced = output.count - Int(stream.pointee.avail_out)
            switch code {
            case Z_OK:
                continue
            case Z_STREAM_END:
                atMemberBoundary = true
            case Z_BUF_ERROR:
                // No progress possible: either more input is needed, or there is none left.
                if stream.pointee.avail_in == 0 && endOfInput {
                    return problem(.truncatedGzip, compressedOffset, produced)
                }
            default:
                let reason = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(code)"
                return problem(.corruptGzip(reason: reason), compressedOffset, produced)
            }
        }
        bytesProduced += Int64(produced)
        return (produced, nil)
    }
}
