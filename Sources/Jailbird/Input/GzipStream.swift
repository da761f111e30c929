import CInflate
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
/// thread). The inflating itself is ISA-L's where the machine has libisal (2 to 3 times faster),
/// else zlib's (`CInflate`); both give the same bytes and the same problems.
struct GzipStream: ~Copyable {
    /// Which engine inflates.
    enum Engine {
        /// ISA-L's when libisal.so.2 loads, else zlib's.
        case fastest
        case zlib
    }

    private let descriptor: Int32
    private let path: String
    private let inflater: OpaquePointer?
    private let input: UnsafeMutableRawBufferPointer
    /// File offset of `input[0]`.
    private var inputFileOffset: Int64 = 0
    /// Valid bytes in `input`, and the first one not yet inflated.
    private var inputCount = 0
    private var inputPosition = 0
    private var endOfInput = false
    /// True before the first member and after each member's end: the next bytes must be a gzip
    /// header or the end of the file.
    private var atMemberBoundary = true
    private var failure: GzipEnd?
    /// Decompressed bytes handed out by earlier `fill` calls.
    private(set) var bytesProduced: Int64 = 0

    static let inputBufferSize = 256 << 10

    /// - Parameters:
    ///   - prefix: bytes already read from `descriptor` (the sniffed start of a pipe); reading
    ///     continues after them.
    init(descriptor: Int32, path: String, prefix: UnsafeRawBufferPointer, engine: Engine = .fastest) {
        self.descriptor = descriptor
        self.path = path
        input = UnsafeMutableRawBufferPointer.allocate(
            byteCount: max(Self.inputBufferSize, prefix.count), alignment: 16)
        if prefix.count > 0 { input.baseAddress!.copyMemory(from: prefix.baseAddress!, byteCount: prefix.count) }
        inputCount = prefix.count
        inflater = jb_inflater_create(engine == .fastest ? 1 : 0)
        if inflater == nil {
            failure = .problem(
                InputProblem(
                    path: path, kind: .corruptGzip(reason: "inflater could not be set up"), offset: 0,
                    bytesDelivered: 0))
        }
    }

    deinit {
        jb_inflater_destroy(inflater)
        input.deallocate()
    }

    /// Whether this build can inflate with ISA-L (built with its header, libisal-dev).
    static var isalBuilt: Bool { jb_inflater_isal_built() == 1 }

    /// The engine `.fastest` gives on this machine: "ISA-L" or "zlib".
    static var fastestEngineName: String {
        let inflater = jb_inflater_create(1)
        defer { jb_inflater_destroy(inflater) }
        return inflater.map { jb_inflater_is_isal($0) == 1 } == true ? "ISA-L" : "zlib"
    }

    /// Whether ISA-L inflates this stream.
    var usesISAL: Bool { inflater.map { jb_inflater_is_isal($0) == 1 } ?? false }

    private var unread: Int { inputCount - inputPosition }

    /// The compressed-file offset of the next byte to inflate.
    private var compressedOffset: Int64 { inputFileOffset + Int64(inputPosition) }

    /// Moves the unread input to the front of the buffer and reads more. Returns a problem on a
    /// read error.
    private mutating func refill() -> InputProblem? {
        if inputPosition > 0 {
            if unread > 0 {
                input.baseAddress!.copyMemory(from: input.baseAddress! + inputPosition, byteCount: unread)
            }
            inputFileOffset += Int64(inputPosition)
            inputCount = unread
            inputPosition = 0
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
        return nil
    }

    /// Inflates into `output` until it is full or the stream ends.
    ///
    /// Returns how many bytes were written, and, when the stream is over, how it ended. Bytes
    /// written before a problem are valid and come before it. After an end, further calls
    /// return `(0, end)` again.
    mutating func fill(_ output: UnsafeMutableRawBufferPointer) -> (count: Int, end: GzipEnd?) {
        if let failure { return (0, failure) }
        guard let inflater else { return (0, nil) }  // not reached: init set `failure` then
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
                while unread < 2 && !endOfInput {
                    if let readProblem = refill() { return finish(.problem(readProblem), produced) }
                }
                if unread == 0 { return finish(.finished, produced) }
                let next = input.baseAddress! + inputPosition
                let startsMember =
                    unread >= 2 && next.load(as: UInt8.self) == 0x1F
                    && next.load(fromByteOffset: 1, as: UInt8.self) == 0x8B
                if !startsMember {
                    return problem(.trailingGarbage, compressedOffset, produced)
                }
                jb_inflater_start_member(inflater)
                atMemberBoundary = false
            }
            if unread == 0 && !endOfInput {
                if let readProblem = refill() { return finish(.problem(readProblem), produced) }
                continue
            }
            var consumed = 0
            var made = 0
            var reason: UnsafePointer<CChar>?
            let outcome = jb_inflater_run(
                inflater, (input.baseAddress! + inputPosition).assumingMemoryBound(to: UInt8.self), unread,
                (output.baseAddress! + produced).assumingMemoryBound(to: UInt8.self), output.count - produced,
                &consumed, &made, &reason)
            inputPosition += consumed
            produced += made
            switch Int(outcome) {
            case JB_INFLATE_PROGRESS:
                continue
            case JB_INFLATE_MEMBER_END:
                atMemberBoundary = true
            case JB_INFLATE_NEEDS_INPUT:
                // No progress possible with the input at hand: read more, or there is none left.
                if endOfInput {
                    if unread == 0 { return problem(.truncatedGzip, compressedOffset, produced) }
                    return problem(.corruptGzip(reason: "invalid compressed data"), compressedOffset, produced)
                }
                if let readProblem = refill() { return finish(.problem(readProblem), produced) }
            default:
                let text = reason.map { String(cString: $0) } ?? "invalid compressed data"
                return problem(.corruptGzip(reason: text), compressedOffset, produced)
            }
        }
        bytesProduced += Int64(produced)
        return (produced, nil)
    }
}
