import Foundation
import SystemPackage
import Testing

@testable import Jailbird

@Suite struct InputTests {
    /// Reads a source completely, returning its bytes, chunk count and problem.
    static func readAll(
        _ source: LogSource, chunkSize: Int = ByteReader.defaultChunkSize, windowSize: Int = ByteReader.windowSize
    )
        -> (bytes: [UInt8], chunks: Int, problem: InputProblem?)
    {
        var bytes: [UInt8] = []
        var chunks = 0
        let problem = ByteReader.read(source, chunkSize: chunkSize, windowSize: windowSize) { chunk in
            #expect(chunk.count > 0 && chunk.count <= max(1, chunkSize))
            bytes.append(contentsOf: chunk)
            chunks += 1
        }
        return (bytes, chunks, problem)
    }

    // MARK: - Plain files

    @Test(arguments: [1, 1000, 4096, 70_000, 1 << 20])
    func plainFileIsReadWholeInAnyChunkSize(chunkSize: Int) throws {
        let directory = try TemporaryDirectory()
        let text = sampleLogText(lines: 3000)
        let path = try directory.write("full", text)
        // A 3-page window forces several windows and chunks that straddle window edges.
        let result = Self.readAll(LogSource(path: path), chunkSize: chunkSize, windowSize: 3 * 4096)
        #expect(result.problem == nil)
        #expect(result.bytes == text)
    }

    @Test func plainFileWithDefaultsIsReadInPlace() throws {
        let directory = try TemporaryDirectory()
        let text = sampleLogText(lines: 100)
        let path = try directory.write("messages", text)
        let result = Self.readAll(LogSource(path: path))
        #expect(result.problem == nil)
        #expect(result.bytes == text)
        #expect(result.chunks == 1)
    }

    @Test func emptyFileGivesNoChunksAndNoProblem() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("empty.log", [])
        let result = Self.readAll(LogSource(path: path))
        #expect(result.problem == nil)
        #expect(result.chunks == 0)
    }

    @Test func plainFileNamedGzIsReadAsPlain() throws {
        let directory = try TemporaryDirectory()
        let text = Array("not compressed at all\n".utf8)
        let path = try directory.write("full.2.gz", text)
        let result = Self.readAll(LogSource(path: path))
        #expect(result.problem == nil)
        #expect(result.bytes == text)
    }

    @Test func missingFileIsAProblemThatSaysSo() {
        let result = Self.readAll(LogSource(path: "/nonexistent/jailbird/full"))
        #expect(
            result.problem
                == InputProblem(path: "/nonexistent/jailbird/full", kind: .cannotOpen(.noSuchFileOrDirectory)))
        #expect(result.problem?.description == "cannot open '/nonexistent/jailbird/full': No such file or directory")
    }

    /// Tests run as root, which reads anything regardless of permission bits, so "unreadable"
    /// is tested with a directory where a file is expected.
    @Test func directoryAsFileIsAProblem() throws {
        let directory = try TemporaryDirectory()
        let result = Self.readAll(LogSource(path: directory.path))
        #expect(result.problem?.kind == .cannotOpen(.isDirectory))
        #expect(result.problem?.description.contains("Is a directory") == true)
    }

    @Test func unsupportedCompressionIsReportedNotRead() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("full.3.xz", [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, 1, 2, 3])
        let result = Self.readAll(LogSource(path: path))
        #expect(result.problem?.kind == .unsupportedCompression(format: "xz"))
        #expect(result.chunks == 0)
    }

    // MARK: - Truncation while reading

    @Test func fileTruncatedBetweenChunksStopsAtTheNewEnd() throws {
        let directory = try TemporaryDirectory()
        let text = sampleLogText(lines: 40_000)
        let path = try directory.write("full", text)
        #expect(text.count > 300_000)
        var delivered: [UInt8] = []
        let problem = ByteReader.read(LogSource(path: path), chunkSize: 65536) { chunk in
            if delivered.isEmpty { #expect(truncate(path, 100_000) == 0) }
            delivered.append(contentsOf: chunk)
        }
        #expect(problem == InputProblem(path: path, kind: .shrank, offset: 100_000, bytesDelivered: 100_000))
        #expect(delivered == Array(text[..<100_000]))
        #expect(problem?.description.contains("file shrank while being read at byte 100000") == true)
    }

    @Test func fileTruncatedUnderTheReaderDoesNotCrash() throws {
        let directory = try TemporaryDirectory()
        let text = [UInt8](repeating: 0x61, count: 2 << 20)
        let path = try directory.write("full", text)
        var sum = 0
        var calls = 0
        let problem = ByteReader.read(LogSource(path: path), chunkSize: 1 << 20) { chunk in
            calls += 1
            // Truncate, then touch the whole mapped chunk: the pages past 4096 are gone (SIGBUS).
            #expect(truncate(path, 4096) == 0)
            for byte in chunk { sum &+= Int(byte) }
        }
        #expect(calls == 1)
        #expect(problem?.kind == .shrank)
        #expect(problem?.offset == 4096)
        // The first page was real; the vanished ones read as zeros.
        #expect(sum == 4096 * 0x61)
    }

    // MARK: - Gzip

    @Test(arguments: [1, 777, 1 << 20])
    func multiMemberGzipDecodesAllMembers(chunkSize: Int) throws {
        let directory = try TemporaryDirectory()
        let first = sampleLogText(lines: 500, seed: 1)
        let second = sampleLogText(lines: 700, seed: 2)
        let path = try directory.write("full.2.gz", gzipped(first) + gzipped(second, level: 1))
        let result = Self.readAll(LogSource(path: path), chunkSize: chunkSize)
        #expect(result.problem == nil)
        #expect(result.bytes == first + second)
    }

    @Test func gzipWithoutGzName() throws {
        let directory = try TemporaryDirectory()
        let text = sampleLogText(lines: 50)
        let path = try directory.write("auth.log.1", gzipped(text))
        let result = Self.readAll(LogSource(path: path))
        #expect(result.problem == nil)
        #expect(result.bytes == text)
    }

    @Test func truncatedGzipDeliversWhatCameBeforeAndNamesTheOffset() throws {
        let directory = try TemporaryDirectory()
        let text = sampleLogText(lines: 20_000)
        let compressed = gzipped(text)
        let cut = compressed.count / 2
        let path = try directory.write("full.3.gz", Array(compressed[..<cut]))
        let result = Self.readAll(LogSource(path: path), chunkSize: 4096)
        #expect(result.problem?.kind == .truncatedGzip)
        #expect(result.problem?.offset == Int64(cut))
        #expect(result.problem?.bytesDelivered == Int64(result.bytes.count))
        #expect(result.bytes.count > text.count / 4)
        #expect(result.bytes == Array(text[..<result.bytes.count]))
        #expect(
            result.problem?.description.hasPrefix("\(path): gzip stream truncated at compressed byte \(cut)") == true)
    }

    @Test func truncatedSecondMemberKeepsTheFirst() throws {
        let directory = try TemporaryDirectory()
        let first = Array("first member\n".utf8)
        let second = gzipped(Array("second member\n".utf8))
        let path = try directory.write("full.1.gz", gzipped(first) + second[..<5])
        let result = Self.readAll(LogSource(path: path))
        #expect(result.problem?.kind == .truncatedGzip)
        #expect(result.bytes == first)
    }

    @Test func corruptGzipIsReportedWithFileAndOffset() throws {
        let directory = try TemporaryDirectory()
        let text = sampleLogText(lines: 20_000)
        var compressed = gzipped(text)
        let flipped = compressed.count / 2
        compressed[flipped] ^= 0x55
        let path = try directory.write("full.4.gz", compressed)
        let result = Self.readAll(LogSource(path: path), chunkSize: 8192)
        let problem = try #require(result.problem)
        guard case .corruptGzip = problem.kind else {
            Issue.record("expected corrupt gzip, got \(problem)")
            return
        }
        let offset = try #require(problem.offset)
        #expect(offset >= Int64(flipped) && offset <= Int64(compressed.count))
        #expect(problem.bytesDelivered == Int64(result.bytes.count))
        // The bytes inflated before the flipped byte are the original ones.
        #expect(result.bytes.count > 1000)
        #expect(Array(result.bytes[..<1000]) == Array(text[..<1000]))
        #expect(problem.description.hasPrefix("\(path): corrupt gzip data at compressed byte \(offset) ("))
        #expect(problem.description.hasSuffix("; \(result.bytes.count) bytes before it were read"))
    }

    @Test func badCRCIsCorruptData() throws {
        let directory = try TemporaryDirectory()
        let text = Array("a line\n".utf8)
        var compressed = gzipped(text)
        compressed[compressed.count - 8] ^= 0xFF  // first byte of the CRC32 trailer
        let path = try directory.write("full.1.gz", compressed)
        let result = Self.readAll(LogSource(path: path))
        #expect(result.problem?.kind == .corruptGzip(reason: "incorrect data check"))
        #expect(result.bytes == text)
    }

    @Test func garbageAfterAMemberIsReported() throws {
        let directory = try TemporaryDirectory()
        let text = Array("complete member\n".utf8)
        let member = gzipped(text)
        let path = try directory.write("full.1.gz", member + Array("junk".utf8))
        let result = Self.readAll(LogSource(path: path))
        #expect(
            result.problem
                == InputProblem(
                    path: path, kind: .trailingGarbage, offset: Int64(member.count),
                    bytesDelivered: Int64(text.count)))
        #expect(result.bytes == text)
    }

    @Test func singleThreadFallbackInflatesTheSame() throws {
        let directory = try TemporaryDirectory()
        let first = sampleLogText(lines: 300, seed: 5)
        let second = sampleLogText(lines: 30, seed: 6)
        let compressed = gzipped(first) + gzipped(second)
        let path = try directory.write("full.1.gz", Array(compressed.dropLast(3)))
        let descriptor = open(path, O_RDONLY)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        let pipeline = GzipPipeline(
            gzip: GzipStream(descriptor: descriptor, path: path, prefix: UnsafeRawBufferPointer(start: nil, count: 0)),
            bufferSize: 1000)
        var received: [UInt8] = []
        let problem = pipeline.runHere { received.append(contentsOf: $0) }
        #expect(problem?.kind == .truncatedGzip)
        #expect(problem?.offset == Int64(compressed.count - 3))
        // Only the length trailer is cut, so every data byte came out before the problem.
        #expect(received == first + second)
    }

    // MARK: - Streams (stdin)

    /// Writes `bytes` into a pipe from another thread and reads the read end as a stream.
    static func readThroughPipe(_ bytes: [UInt8], chunkSize: Int = 4096) -> (bytes: [UInt8], problem: InputProblem?) {
        var descriptors: [Int32] = [0, 0]
        precondition(pipe(&descriptors) == 0)
        let writeEnd = descriptors[1]
        let writer = Thread {
            bytes.withUnsafeBytes { raw in
                var written = 0
                while written < raw.count {
                    // Small writes, so the reader sees the stream in pieces.
                    let result = write(writeEnd, raw.baseAddress! + written, min(3000, raw.count - written))
                    if result <= 0 { break }
                    written += result
                }
            }
            close(writeEnd)
        }
        writer.start()
        var received: [UInt8] = []
        let problem = ByteReader.read(FileDescriptor(rawValue: descriptors[0]), name: "-", chunkSize: chunkSize) {
            received.append(contentsOf: $0)
        }
        close(descriptors[0])
        return (received, problem)
    }

    @Test func plainStdinThroughAPipe() {
        let text = sampleLogText(lines: 2000)
        let result = Self.readThroughPipe(text)
        #expect(result.problem == nil)
        #expect(result.bytes == text)
    }

    @Test func gzipStdinThroughAPipeIsSniffed() {
        let first = sampleLogText(lines: 2000, seed: 3)
        let second = sampleLogText(lines: 10, seed: 4)
        let result = Self.readThroughPipe(gzipped(first) + gzipped(second), chunkSize: 1000)
        #expect(result.problem == nil)
        #expect(result.bytes == first + second)
    }

    @Test func tinyAndEmptyStdin() {
        #expect(Self.readThroughPipe([]).bytes == [])
        #expect(Self.readThroughPipe([0x1F]).bytes == [0x1F])
        #expect(Self.readThroughPipe(Array("x\n".utf8), chunkSize: 1).bytes == Array("x\n".utf8))
    }

    @Test func truncatedGzipOnStdinNamesStandardInput() {
        let compressed = gzipped(sampleLogText(lines: 100))
        let result = Self.readThroughPipe(Array(compressed.dropLast(10)))
        #expect(result.problem?.kind == .truncatedGzip)
        #expect(result.problem?.description.hasPrefix("standard input: gzip stream truncated") == true)
    }
}
