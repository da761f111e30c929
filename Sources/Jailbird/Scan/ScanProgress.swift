import Synchronization

/// Bytes read so far by a scan, shared with whoever shows progress (the CLI's progress bar).
/// Scanners add to it once per chunk, from any thread.
public final class ScanProgress: Sendable {
    private let read = Atomic<Int>(0)
    /// The expected total: plain files' sizes plus gzip files' recorded uncompressed sizes.
    public let expectedTotal: Int

    public init(expectedTotal: Int) {
        self.expectedTotal = expectedTotal
    }

    /// An estimate of the bytes `sources` will yield: a plain file's size; a gzip file's
    /// uncompressed size as its last member records it (exact for one member, an underestimate
    /// for several); nothing for standard input.
    public convenience init(estimating sources: [LogSource]) {
        var total = 0
        for source in sources where !source.isStandardInput {
            total += ByteReader.expectedSize(of: source)
        }
        self.init(expectedTotal: total)
    }

    public var bytesRead: Int { read.load(ordering: .relaxed) }

    func add(_ bytes: Int) { read.add(bytes, ordering: .relaxed) }
}
