import Foundation
import Testing

@testable import Jailbird

/// gzip input is inflated by ISA-L where libisal is installed, else by zlib. The two must give
/// the same bytes and the same problems on every input, damaged ones above all.
@Suite struct GzipEngineTests {
    /// Inflates `bytes` (written to a file) with `engine` in output pieces of `outputSize`.
    static func inflate(
        _ bytes: [UInt8], engine: GzipStream.Engine, outputSize: Int = 4096
    ) throws -> (bytes: [UInt8], problem: InputProblem?, isal: Bool) {
        let directory = try TemporaryDirectory()
        let path = try directory.write("input.gz", bytes)
        let descriptor = open(path, O_RDONLY)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        var gzip = GzipStream(
            descriptor: descriptor, path: "input.gz", prefix: UnsafeRawBufferPointer(start: nil, count: 0),
            engine: engine)
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: outputSize, alignment: 16)
        defer { output.deallocate() }
        var inflated: [UInt8] = []
        while true {
            let (count, end) = gzip.fill(output)
            inflated.append(contentsOf: output[..<count])
            switch end {
            case nil: continue
            case .finished: return (inflated, nil, gzip.usesISAL)
            case .problem(let problem): return (inflated, problem, gzip.usesISAL)
            }
        }
    }

    /// Whether this machine has ISA-L's library (CI installs it, and the header to build with).
    static let isalInstalled: Bool = {
        guard let library = dlopen("libisal.so.2", RTLD_NOW) else { return false }
        dlclose(library)
        return true
    }()

    @Test func theFastestEngineIsISALWhereTheLibraryIsInstalled() throws {
        let member = gzipped(Array("a line\n".utf8))
        #expect(try Self.inflate(member, engine: .fastest).isal == (Self.isalInstalled && GzipStream.isalBuilt))
        // CI has both: there the tests above and below compare ISA-L with zlib.
        if ProcessInfo.processInfo.environment["CI"] == "true" { #expect(Self.isalInstalled && GzipStream.isalBuilt) }
        #expect(try Self.inflate(member, engine: .zlib).isal == false)
    }

    /// The inputs both engines must agree on: members of many sizes and compression levels,
    /// concatenated, with an empty member, and a gzip header with every optional field.
    static func validInputs() -> [(name: String, compressed: [UInt8], text: [UInt8])] {
        let large = sampleLogText(lines: 20_000, seed: 9)
        let small = Array("one line\n".utf8)
        var withFields = gzipped(small)
        // FLG: FEXTRA | FNAME | FCOMMENT (no header CRC), then the fields after the 10-byte header.
        withFields[3] = 0x04 | 0x08 | 0x10
        withFields.insert(contentsOf: [3, 0, 0x41, 0x42, 0x43] + Array("full.1\0".utf8) + Array("comment\0".utf8), at: 10)
        return [
            ("large", gzipped(large), large),
            ("stored", gzipped(large, level: 0), large),
            ("best", gzipped(large, level: 9), large),
            ("members", gzipped(small) + gzipped([]) + gzipped(large) + gzipped(small), small + large + small),
            ("header fields", withFields, small),
        ]
    }

    @Test func bothEnginesInflateValidInputsAlike() throws {
        for input in Self.validInputs() {
            for outputSize in [1, 1000, 1 << 16] {
                for engine in [GzipStream.Engine.fastest, .zlib] {
                    let result = try Self.inflate(input.compressed, engine: engine, outputSize: outputSize)
                    #expect(result.problem == nil, "\(input.name), \(engine), \(outputSize)")
                    #expect(result.bytes == input.text, "\(input.name), \(engine), \(outputSize)")
                }
            }
        }
    }

    /// Cut anywhere: both say truncated at the same offset (or, cut right after a member,
    /// nothing at all). ISA-L may hold back the last few bytes it inflated before the cut.
    @Test func bothEnginesReportACutAlike() throws {
        let first = sampleLogText(lines: 3000, seed: 2)
        let whole = gzipped(first) + gzipped(Array("last\n".utf8))
        var cuts = Array(stride(from: 2, to: whole.count, by: 997))
        cuts += [whole.count - 1, whole.count - 4, whole.count - 8, whole.count - 30]
        var heldBack = 0
        for cut in cuts {
            let bytes = Array(whole[..<cut])
            let fastest = try Self.inflate(bytes, engine: .fastest)
            let zlib = try Self.inflate(bytes, engine: .zlib)
            #expect(fastest.problem?.kind == zlib.problem?.kind, "cut at \(cut)")
            #expect(fastest.problem?.offset == zlib.problem?.offset, "cut at \(cut)")
            #expect(fastest.problem?.bytesDelivered == Int64(fastest.bytes.count), "cut at \(cut)")
            #expect(fastest.bytes.count <= zlib.bytes.count, "cut at \(cut)")
            #expect(fastest.bytes[...] == zlib.bytes.prefix(fastest.bytes.count), "cut at \(cut)")
            heldBack = max(heldBack, zlib.bytes.count - fastest.bytes.count)
            if let problem = zlib.problem {
                #expect(problem.kind == .truncatedGzip, "cut at \(cut)")
                #expect(problem.offset == Int64(cut), "cut at \(cut)")
            }
        }
        #expect(heldBack < 64, "ISA-L held back \(heldBack) bytes")
    }

    /// A damaged byte: both call the data corrupt (or, where the damage does not show, agree);
    /// the bytes before are the same decoding, one engine's a prefix of the other's.
    @Test func bothEnginesReportDamageAlike() throws {
        let text = sampleLogText(lines: 5000, seed: 4)
        let original = gzipped(text)
        var generator = SeededGenerator(seed: 11)
        for _ in 0..<60 {
            var bytes = original
            let position = 10 + Int(generator.next() % UInt64(original.count - 10))
            bytes[position] ^= UInt8(1 + generator.next() % 255)
            let isal = try Self.inflate(bytes, engine: .fastest)
            let zlib = try Self.inflate(bytes, engine: .zlib)
            let kinds = (isal.problem?.kind, zlib.problem?.kind)
            switch kinds {
            case (.corruptGzip?, .corruptGzip?):
                // Neither can find the damage before it has read the damaged byte.
                #expect(isal.problem!.offset! > Int64(position), "damage at \(position)")
                #expect(zlib.problem!.offset! > Int64(position), "damage at \(position)")
                let shorter = min(isal.bytes.count, zlib.bytes.count)
                #expect(isal.bytes[..<shorter] == zlib.bytes[..<shorter], "damage at \(position)")
                #expect(isal.problem!.bytesDelivered == Int64(isal.bytes.count))
            default:
                #expect(isal.problem == zlib.problem, "damage at \(position): \(kinds)")
                #expect(isal.bytes.count == zlib.bytes.count && isal.bytes == zlib.bytes, "damage at \(position)")
            }
        }
    }

    /// The trailer's two checks are told apart by both, in zlib's words, and found where zlib
    /// finds them: a bad CRC before the length field is read, a bad length after it.
    @Test func bothEnginesNameTheFailedCheck() throws {
        let member = gzipped(Array("a line\n".utf8))
        let checks = [
            (byte: member.count - 8, reason: "incorrect data check", offset: member.count - 4),
            (byte: member.count - 2, reason: "incorrect length check", offset: member.count),
        ]
        for (byte, reason, offset) in checks {
            var bytes = member
            bytes[byte] ^= 0x01
            for engine in [GzipStream.Engine.fastest, .zlib] {
                let result = try Self.inflate(bytes, engine: engine)
                #expect(result.problem?.kind == .corruptGzip(reason: reason), "\(engine)")
                #expect(result.problem?.offset == Int64(offset), "\(engine)")
                #expect(result.bytes == Array("a line\n".utf8), "\(engine)")
            }
        }
        let garbage = member + Array("junk".utf8)
        for engine in [GzipStream.Engine.fastest, .zlib] {
            let result = try Self.inflate(garbage, engine: engine)
            #expect(result.problem?.kind == .trailingGarbage)
            #expect(result.problem?.offset == Int64(member.count))
        }
    }
}
