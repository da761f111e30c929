import SystemPackage

/// Something that went wrong while finding or reading an input.
///
/// A problem never stops the run: a missing file is skipped, a damaged one is read up to the
/// damage. `description` is a sentence a user can act on; it names the input and, where it
/// helps, the byte offset.
public struct InputProblem: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong.
    public enum Kind: Equatable, Sendable {
        /// `open`/`stat` failed (missing, unreadable, a directory where a file was expected).
        case cannotOpen(Errno)
        /// A directory given as an argument could not be listed.
        case cannotListDirectory(Errno)
        /// `read` failed part way (I/O error). `offset` says where.
        case cannotRead(Errno)
        /// A memory-mapped file became shorter while it was read (logrotate `copytruncate`).
        /// `offset` is the first byte that was no longer there (page-exact when the shrink was
        /// caught by the SIGBUS guard during the closure: the rest of that chunk was then handed
        /// over as NUL bytes; byte-exact when caught between chunks). Nothing after it is read.
        case shrank
        /// The gzip stream ends inside a member. `offset` is the compressed file's length.
        case truncatedGzip
        /// zlib rejected the compressed data (bad block, bad distance, bad CRC or length…).
        /// The reason is zlib's message. `offset` is the compressed byte where it stopped.
        case corruptGzip(reason: String)
        /// Bytes after a complete gzip member that do not start another member; they were ignored.
        case trailingGarbage
        /// The input is compressed with a format jailbird does not read (xz, bzip2, zstd).
        case unsupportedCompression(format: String)
        /// A line longer than the splitter's limit was skipped.
        case overlongLine(line: Int, length: Int, limit: Int)
    }

    /// The input as the user named it (`-` for standard input).
    public var path: String
    public var kind: Kind
    /// The byte offset the problem refers to: in the file for plain input, in the compressed
    /// file for gzip input. Nil when no offset applies.
    public var offset: Int64?
    /// How many (decompressed) bytes of this input were handed to the reader's closure before
    /// the problem; nil when reading did not start.
    public var bytesDelivered: Int64?

    public init(path: String, kind: Kind, offset: Int64? = nil, bytesDelivered: Int64? = nil) {
        self.path = path
        self.kind = kind
        self.offset = offset
        self.bytesDelivered = bytesDelivered
    }

    /// The input's name in messages.
    var shownName: String { path == "-" ? "standard input" : path }

    public var description: String {
        let name = shownName
        let at = offset.map { String($0) } ?? "?"
        let before = bytesDelivered.map { "; \($0) bytes before it were read" } ?? ""
        switch kind {
        case .cannotOpen(let errno):
            return "cannot open '\(name)': \(errno.description)"
        case .cannotListDirectory(let errno):
            return "cannot list directory '\(name)': \(errno.description)"
        case .cannotRead(let errno):
            return "cannot read '\(name)' at byte \(at): \(errno.description)\(before)"
        case .shrank:
            return "\(name): file shrank while being read at byte \(at) (truncated by log rotation?);"
                + " the rest was not read\(before)"
        case .truncatedGzip:
            return "\(name): gzip stream truncated at compressed byte \(at) (the file ends inside a member)\(before)"
        case .corruptGzip(let reason):
            return "\(name): corrupt gzip data at compressed byte \(at) (\(reason))\(before)"
        case .trailingGarbage:
            return "\(name): data after the last gzip member, from compressed byte \(at), is not gzip and was"
                + " ignored\(before)"
        case .unsupportedCompression(let format):
            return "\(name): \(format)-compressed input is not supported; decompress it first"
                + " (e.g. \(format) -dc '\(name)' | jailbird … -)"
        case .overlongLine(let line, let length, let limit):
            return "\(name): line \(line) is \(length) bytes long, over the \(limit)-byte limit; it was skipped"
        }
    }
}
