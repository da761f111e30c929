import CJailbirdSupport
import SystemPackage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads one source and hands its bytes, in order, to a closure, chunk by chunk.
///
/// - Plain regular files are memory-mapped in bounded windows (`windowSize`, advised
///   `MADV_SEQUENTIAL`, unmapped after use) and handed over in place, without copying, so the
///   process's memory stays bounded whatever the file's size. Each access runs under the SIGBUS
///   guard of CJailbirdSupport, and the file's size is checked before each chunk: a file that
///   shrinks while it is read (logrotate `copytruncate`) gives a `.shrank` problem, not a crash.
///   The file is read up to the size it had when it was opened; what is appended later is not.
/// - Gzip input (recognised by the magic bytes `1F 8B`, whatever the name) is inflated member
///   after member into one reused buffer of `chunkSize` bytes.
/// - Standard input, pipes and other non-regular files are read with `read(2)` into one reused
///   buffer, with the same gzip sniffing.
/// - xz, bzip2 and zstd input is recognised and reported, not read as text.
///
/// The chunk passed to the closure is valid only during the call. Chunks split lines anywhere;
/// use `LineSplitter`. On damage, every byte before it has been delivered before `read` returns
/// the problem.
public enum ByteReader {
    /// The default largest chunk handed to the closure (and the size of the reused buffers).
    public static let defaultChunkSize = 1 << 20
    /// How much of a plain file is mapped at once.
    public static let windowSize = 8 << 20

    /// Reads `source` (a file path, or `-` for standard input).
    ///
    /// - Parameters:
    ///   - chunkSize: the most bytes handed to `body` per call (at least 1).
    ///   - body: called with each chunk, in order; the bytes are valid only during the call.
    /// - Returns: nil when the whole source was read, otherwise what stopped it.
    public static func read(
        _ source: LogSource, chunkSize: Int = defaultChunkSize, _ body: (UnsafeRawBufferPointer) -> Void
    ) -> InputProblem? {
        read(source, chunkSize: chunkSize, windowSize: windowSize, body)
    }

    /// `read` with a chosen mapping window (tests use small windows to cross window edges).
    static func read(
        _ source: LogSource, chunkSize: Int, windowSize: Int, _ body: (UnsafeRawBufferPointer) -> Void
    ) -> InputProblem? {
        let chunkSize = max(1, chunkSize)
        if source.isStandardInput {
            return readStream(descriptor: STDIN_FILENO, path: source.path, chunkSize: chunkSize, body)
        }
        return withOpenFile(source.path) { descriptor, status in
            switch status.st_mode & S_IFMT {
            case S_IFDIR:
                return InputProblem(path: source.path, kind: .cannotOpen(.isDirectory))
            case S_IFREG where status.st_size > 0:
                var magic: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
                let got = withUnsafeMutableBytes(of: &magic) { pread(descriptor, $0.baseAddress, 4, 0) }
                if got < 0 {
                    return InputProblem(
                        path: source.path, kind: .cannotRead(Errno(rawValue: errno)), offset: 0,
                        bytesDelivered: 0)
                }
                let sniffed = withUnsafeBytes(of: &magic) { Format(sniffing: UnsafeRawBufferPointer(rebasing: $0[..<got])) }
                switch sniffed {
                case .gzip:
                    return readGzip(
                        descriptor: descriptor, path: source.path, prefix: UnsafeRawBufferPointer(start: nil, count: 0),
                        chunkSize: chunkSize, body)
                case .unsupported(let format):
                    return InputProblem(
                        path: source.path, kind: .unsupportedCompression(format: format), offset: 0,
                        bytesDelivered: 0)
                case .plain:
                    return readMapped(
                        descriptor: descriptor, path: source.path, size: Int64(status.st_size),
                        chunkSize: chunkSize, windowSize: windowSize, body)
                }
            default:
                // Empty regular files (and /proc-style files that claim size 0), FIFOs, character
                // devices, `<(…)` process substitution: stream them.
                return readStream(descriptor: descriptor, path: source.path, chunkSize: chunkSize, body)
            }
        }
    }

    /// Opens `path` for reading and calls `body` with its descriptor and status; the file is
    /// closed afterwards. A file that cannot be opened or examined is a `.cannotOpen` problem.
    private static func withOpenFile(_ path: String, _ body: (Int32, stat) -> InputProblem?) -> InputProblem? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return InputProblem(path: path, kind: .cannotOpen(Errno(rawValue: errno))) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            return InputProblem(path: path, kind: .cannotOpen(Errno(rawValue: errno)))
        }
        return body(descriptor, status)
    }

    /// Reads an already open stream (standard input, a pipe) with `read(2)` to its end, inflating
    /// it if it starts with the gzip magic bytes. The descriptor is not closed.
    ///
    /// - Parameter name: the name used in problems (`-` for standard input).
    public static func read(
        _ descriptor: FileDescriptor, name: String, chunkSize: Int = defaultChunkSize,
        _ body: (UnsafeRawBufferPointer) -> Void
    ) -> InputProblem? {
        readStream(descriptor: descriptor.rawValue, path: name, chunkSize: max(1, chunkSize), body)
    }

    /// The first (at most) `maxBytes` bytes of a file, decompressed if it is gzip; empty when it
    /// cannot be read (the full read reports why). Standard input is not looked at (it can be
    /// read only once).
    public static func head(_ source: LogSource, maxBytes: Int = 64 << 10) -> [UInt8] {
        guard !source.isStandardInput else { return [] }
        let descriptor = open(source.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return [] }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: maxBytes)
        let got = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, maxBytes, 0) }
        guard got > 0 else { return [] }
        bytes.removeLast(maxBytes - got)
        guard case .gzip = bytes.withUnsafeBytes({ Format(sniffing: UnsafeRawBufferPointer(rebasing: $0.prefix(4))) })
        else { return bytes }
        // Inflate from the start of the file.
        var gzip = GzipStream(descriptor: descriptor, path: source.path, prefix: UnsafeRawBufferPointer(start: nil, count: 0))
        lseek(descriptor, 0, SEEK_SET)
        var inflated = [UInt8](repeating: 0, count: maxBytes)
        let count = inflated.withUnsafeMutableBytes { gzip.fill($0).count }
        inflated.removeLast(maxBytes - count)
        return inflated
    }

    /// The size of `source` when it is a plain (not compressed) regular file, which `read(_:range:)`
    /// can read in parts; nil otherwise.
    public static func plainFileSize(_ source: LogSource) -> Int64? {
        guard !source.isStandardInput else { return nil }
        let descriptor = open(source.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG, status.st_size >= 4 else { return nil }
        var magic: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        guard withUnsafeMutableBytes(of: &magic, { pread(descriptor, $0.baseAddress, 4, 0) }) == 4 else { return nil }
        guard case .plain = withUnsafeBytes(of: &magic, { Format(sniffing: $0) }) else { return nil }
        return Int64(status.st_size)
    }

    /// What inflates gzip input on this machine: "ISA-L" (libisal2 installed) or "zlib".
    public static var gzipEngineName: String { GzipStream.fastestEngineName }

    /// The whole of a small regular file (a zone file, a configuration file), or nil when it
    /// cannot be opened or read, is not a regular file, or is larger than `limit` bytes.
    static func wholeFile(atPath path: String, limit: Int) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { break }
            result.append(contentsOf: chunk[0..<count])
            if result.count > limit { return nil }
        }
        return result
    }

    /// A plain file opened once for the readers of its parts (the halves of a split scan, the
    /// pieces of a pipelined one), so that they all read the same file even when its name is
    /// given to another meanwhile (logrotate renaming `auth.log` and creating a new one).
    public final class SharedFile: Sendable {
        let descriptor: Int32
        let path: String

        /// Nil when the file cannot be opened (the read by name then reports why).
        public init?(_ source: LogSource) {
            let descriptor = open(source.path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return nil }
            self.descriptor = descriptor
            path = source.path
        }

        deinit { close(descriptor) }
    }

    /// The offset just after the first newline at or after `offset` in a plain file (the start of
    /// the next line), or nil when there is none before the end.
    public static func lineStart(after offset: Int64, in source: LogSource) -> Int64? {
        guard let file = SharedFile(source) else { return nil }
        return lineStart(after: offset, in: file)
    }

    /// `lineStart(after:in:)` in a file already open.
    public static func lineStart(after offset: Int64, in file: SharedFile) -> Int64? {
        let descriptor = file.descriptor
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var position = offset
        while true {
            let got = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(position)) }
            guard got > 0 else { return nil }
            if let newline = buffer[..<got].firstIndex(of: 0x0A) { return position + Int64(newline) + 1 }
            position += Int64(got)
        }
    }

    /// Reads the bytes `range` of a plain file (see `plainFileSize`), mapped in windows like
    /// `read`; `range` is clamped to the file. Problems name byte offsets in the whole file.
    public static func read(
        _ source: LogSource, range: Range<Int64>, chunkSize: Int = defaultChunkSize,
        _ body: (UnsafeRawBufferPointer) -> Void
    ) -> InputProblem? {
        withOpenFile(source.path) { descriptor, status in
            readMapped(descriptor: descriptor, status: status, path: source.path, range: range, chunkSize: chunkSize, body)
        }
    }

    /// `read(_:range:chunkSize:_:)` of a file already open.
    public static func read(
        _ file: SharedFile, range: Range<Int64>, chunkSize: Int = defaultChunkSize,
        _ body: (UnsafeRawBufferPointer) -> Void
    ) -> InputProblem? {
        var status = stat()
        guard fstat(file.descriptor, &status) == 0 else {
            return InputProblem(path: file.path, kind: .cannotRead(Errno(rawValue: errno)), offset: range.lowerBound)
        }
        return readMapped(descriptor: file.descriptor, status: status, path: file.path, range: range, chunkSize: chunkSize, body)
    }

    /// The bytes `range` of the open file, clamped to its size in `status`.
    private static func readMapped(
        descriptor: Int32, status: stat, path: String, range: Range<Int64>, chunkSize: Int,
        _ body: (UnsafeRawBufferPointer) -> Void
    ) -> InputProblem? {
        let end = min(range.upperBound, Int64(status.st_size))
        guard range.lowerBound < end else { return nil }
        return readMapped(
            descriptor: descriptor, path: path, size: end, chunkSize: max(1, chunkSize), windowSize: windowSize,
            from: range.lowerBound, body)
    }

    /// The bytes reading `source` should yield: a plain file's size, a gzip file's ISIZE (the
    /// uncompressed size mod 2^32 of its last member), 0 when unknown.
    public static func expectedSize(of source: LogSource) -> Int {
        let descriptor = open(source.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return 0 }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG, status.st_size > 0 else { return 0 }
        var magic: (UInt8, UInt8) = (0, 0)
        guard withUnsafeMutableBytes(of: &magic, { pread(descriptor, $0.baseAddress, 2, 0) }) == 2 else { return 0 }
        guard magic == (0x1F, 0x8B), status.st_size >= 18 else { return Int(status.st_size) }
        var size: UInt32 = 0
        guard withUnsafeMutableBytes(of: &size, { pread(descriptor, $0.baseAddress, 4, off_t(status.st_size - 4)) }) == 4
        else { return 0 }
        return Int(UInt32(littleEndian: size))
    }

    /// A cheap hint that a chunk is not text: it has a NUL byte in its first 4 KiB.
    /// Give it the first chunk of a source; it reads at most 4096 bytes.
    public static func looksBinary(_ chunk: UnsafeRawBufferPointer) -> Bool {
        guard let base = chunk.baseAddress else { return false }
        return memchr(base, 0, min(chunk.count, 4096)) != nil
    }

    // MARK: - Formats

    enum Format: Equatable {
        case plain
        case gzip
        case unsupported(String)

        /// Tells the format from the first bytes (up to 4).
        init(sniffing bytes: UnsafeRawBufferPointer) {
            func starts(_ magic: [UInt8]) -> Bool {
                bytes.count >= magic.count && bytes.prefix(magic.count).elementsEqual(magic)
            }
            if starts([0x1F, 0x8B]) {
                self = .gzip
            } else if starts([0xFD, 0x37, 0x7A, 0x58]) {
                self = .unsupported("xz")
            } else if starts([0x28, 0xB5, 0x2F, 0xFD]) {
                self = .unsupported("zstd")
            } else if starts([0x42, 0x5A, 0x68]) && bytes.count >= 4 && (0x31...0x39).contains(bytes[3]) {
                self = .unsupported("bzip2")
            } else {
                self = .plain
            }
        }
    }

    // MARK: - Memory-mapped plain files

    private static func readMapped(
        descriptor: Int32, path: String, size: Int64, chunkSize: Int, windowSize: Int, from start: Int64 = 0,
        _ body: (UnsafeRawBufferPointer) -> Void
    ) -> InputProblem? {
        // Windows start at multiples of the page size, as mmap requires.
        let pageSize = Int64(sysconf(Int32(_SC_PAGESIZE)))
        let window = max(pageSize, (Int64(windowSize) + pageSize - 1) / pageSize * pageSize)
        var windowStart = start / pageSize * pageSize
        // Where delivery starts in the first window (a range may begin mid-page).
        var skip = Int(start - windowStart)
        while windowStart < size {
            let windowLength = Int(min(window, size - windowStart))
            guard let mapped = mmap(nil, windowLength, PROT_READ, MAP_PRIVATE, descriptor, off_t(windowStart)),
                mapped != UnsafeMutableRawPointer(bitPattern: -1)
            else {
                return InputProblem(
                    path: path, kind: .cannotRead(Errno(rawValue: errno)), offset: windowStart,
                    bytesDelivered: windowStart)
            }
            defer { munmap(mapped, windowLength) }
            _ = madvise(mapped, windowLength, MADV_SEQUENTIAL)
            var chunkStart = skip
            skip = 0
            while chunkStart < windowLength {
                let fileOffset = windowStart + Int64(chunkStart)
                var chunkLength = min(chunkSize, windowLength - chunkStart)
                // A shrunk file would fault past its new end; stop at the end instead.
                var status = stat()
                var shrankTo: Int64?
                if fstat(descriptor, &status) == 0 && Int64(status.st_size) < fileOffset + Int64(chunkLength) {
                    shrankTo = max(Int64(status.st_size), fileOffset)
                    chunkLength = Int(shrankTo! - fileOffset)
                }
                if chunkLength > 0 {
                    let chunk = UnsafeRawBufferPointer(start: mapped + chunkStart, count: chunkLength)
                    jb_mapped_read_begin(chunk.baseAddress, chunk.count)
                    body(chunk)
                    let fault = jb_mapped_read_end()
                    if fault >= 0 {
                        // The file shrank after the check: the bytes past `fault` were read as zeros.
                        let at = fileOffset + Int64(fault)
                        return InputProblem(path: path, kind: .shrank, offset: at, bytesDelivered: at)
                    }
                }
                if let shrankTo {
                    return InputProblem(path: path, kind: .shrank, offset: shrankTo, bytesDelivered: shrankTo)
                }
                chunkStart += chunkLength
            }
            windowStart += Int64(windowLength)
        }
        return nil
    }

    // MARK: - Gzip

    private static func readGzip(
        descriptor: Int32, path: String, prefix: UnsafeRawBufferPointer, chunkSize: Int,
        _ body: (UnsafeRawBufferPointer) -> Void
    ) -> InputProblem? {
        let pipeline = GzipPipeline(
            gzip: GzipStream(descriptor: descriptor, path: path, prefix: prefix), bufferSize: chunkSize)
        return pipeline.run(body)
    }

    // MARK: - Streams

    private static func readStream(
        descriptor: Int32, path: String, chunkSize: Int, _ body: (UnsafeRawBufferPointer) -> Void
    ) -> InputProblem? {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(chunkSize, 4), alignment: 16)
        defer { buffer.deallocate() }
        var offset: Int64 = 0
        // Fill at least 4 bytes (or reach the end) to recognise the format.
        var count = 0
        var ended = false
        while count < 4 {
            let got = Glibc.read(descriptor, buffer.baseAddress! + count, buffer.count - count)
            if got < 0 {
                if errno == EINTR { continue }
                return InputProblem(
                    path: path, kind: .cannotRead(Errno(rawValue: errno)), offset: Int64(count),
                    bytesDelivered: 0)
            }
            if got == 0 {
                ended = true
                break
            }
            count += got
        }
        let head = UnsafeRawBufferPointer(rebasing: buffer[..<count])
        switch Format(sniffing: head) {
        case .gzip:
            return readGzip(descriptor: descriptor, path: path, prefix: head, chunkSize: chunkSize, body)
        case .unsupported(let format):
            return InputProblem(path: path, kind: .unsupportedCompression(format: format), offset: 0, bytesDelivered: 0)
        case .plain:
            break
        }
        // Plain: hand over the sniffed head (and, chunk by chunk, whatever follows).
        var pending = count
        while true {
            if pending > 0 {
                // Deliver in pieces of at most chunkSize (the sniff buffer may hold more).
                var start = 0
                while start < pending {
                    let length = min(chunkSize, pending - start)
                    body(UnsafeRawBufferPointer(start: buffer.baseAddress! + start, count: length))
                    start += length
                }
                offset += Int64(pending)
                pending = 0
            }
            if ended { return nil }
            let got = Glibc.read(descriptor, buffer.baseAddress!, chunkSize)
            if got < 0 {
                if errno == EINTR { continue }
                return InputProblem(
                    path: path, kind: .cannotRead(Errno(rawValue: errno)), offset: offset,
                    bytesDelivered: offset)
            }
            if got == 0 { return nil }
            pending = got
        }
    }
}
