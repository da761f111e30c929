import CJailbirdSupport
import Foundation
import Testing

@testable import Jailbird

/// `LineSplitter.feed(_:into:selecting:)` with the Asterisk filter's selector: the lines it skips
/// unseen are exactly those the filter's candidate test rejects, and everything else a scan
/// reads from the splitter (line numbers, overlong lines, the last line of each chunk, every line
/// while the sink asks for them) is as the plain split gives it.
@Suite struct LineSelectionTests {
    /// What the selecting split handed out, chunk by chunk.
    struct Recorder: LineSink {
        var delivered: [Int: [UInt8]] = [:]
        var selected: Set<Int> = []
        /// Line numbers handed out during each chunk's feed.
        var perChunk: [[Int]] = [[]]
        /// The sink asks for every line until it has seen this many.
        var everyLineUntil = 0

        var needsEveryLine: Bool { delivered.count < everyLineUntil }

        mutating func line(_ bytes: UnsafeRawBufferPointer, number: Int) {
            delivered[number] = Array(bytes)
            perChunk[perChunk.count - 1].append(number)
        }

        mutating func selectedLine(_ bytes: UnsafeRawBufferPointer, number: Int) {
            line(bytes, number: number)
            selected.insert(number)
        }
    }

    /// Asterisk fixture logs, and lines made to trip a byte-pair search: level words cut by a
    /// newline, at line starts and ends, `I` followed by the pair bytes outside a level word,
    /// CRLF, NUL bytes, empty lines, long lines, a last line without newline.
    static func inputs() throws -> [(String, [UInt8])] {
        var inputs: [(String, [UInt8])] = []
        for path in ["differential/generated-asterisk.log", "fail2ban-samples/asterisk", "demo/full"] {
            inputs.append((path, Array(try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(path))))))
        }
        let stamp = "[2024-01-15 10:00:00] "
        let tricky = [
            stamp + "NOTICE[1] chan_sip.c: Registration from '<sip:1@x>' failed for '192.0.2.1:5060' - Wrong password",
            stamp + "NOT", "ICE[1] chan_sip.c: Call from '' (192.0.2.2:5060) to extension '1' rejected because extension not found in context 'x'.",
            "ICE", "IN", "ITY", "SECURIT", "Y[1] x.c: SecurityEvent=\"InvalidPassword\"",
            stamp + "VERBOSE[2] PJSIP ICN INT ICT: -- Executing", "",
            stamp + "WARNING[3]: x.c: 192.0.2.3 failed to authenticate as 'a'\r",
            stamp + "SECURITY[4] res_security_log.c: SecurityEvent=\"ChallengeSent\",RemoteAddress=\"IPV4/UDP/192.0.2.4/5060\"",
            "\0\0NOTICE\0Request \0", String(repeating: "x", count: 700),
            stamp + "NOTICE[5] " + String(repeating: "y", count: 500) + " Request 'INVITE' from",
            String(repeating: "I", count: 90) + "NOTICE Call from '",
            stamp + "NOTICE[6] chan_sip.c: hacking attempt detected '192.0.2.6'",
        ]
        inputs.append(("tricky", Array(tricky.joined(separator: "\n").utf8)))
        inputs.append(("tricky, final newline", Array((tricky.joined(separator: "\n") + "\n").utf8)))
        return inputs
    }

    /// Splits `input` in pieces of the given sizes (cycled), selecting, and checks the result.
    static func check(_ input: [UInt8], pieces: [Int], lineLimit: Int, everyLineUntil: Int, _ label: String) {
        let expected = LineSplitterTests.reference(input, lineLimit: lineLimit)
        let filter = AsteriskFilter()
        var splitter = LineSplitter(lineLimit: lineLimit)
        var recorder = Recorder(everyLineUntil: everyLineUntil)
        var chunkRanges: [Range<Int>] = []
        input.withUnsafeBytes { all in
            var start = 0
            var pieceIndex = 0
            while start < all.count {
                let end = min(all.count, start + max(1, pieces[pieceIndex % pieces.count]))
                pieceIndex += 1
                let piece = Array(all[start..<end])  // a copy: no line may point past its chunk
                piece.withUnsafeBytes { splitter.feed($0, into: &recorder, selecting: AsteriskFilter.CandidateSelector()) }
                chunkRanges.append(start..<end)
                recorder.perChunk.append([])
                start = end
            }
        }
        splitter.finish(into: &recorder)

        #expect(splitter.lineCount == expected.lineCount, "\(label)")
        #expect(splitter.overlongLines == Array(expected.overlong.prefix(LineSplitter.overlongLinesKept)), "\(label)")
        #expect(splitter.overlongLineCount == expected.overlongCount, "\(label)")
        let reference = Dictionary(uniqueKeysWithValues: expected.lines.map { ($0.number, $0.bytes) })
        // Whatever was handed out is the line with that number.
        for (number, bytes) in recorder.delivered where reference[number] != bytes {
            Issue.record("\(label): line \(number) handed out as \(bytes)")
        }
        // Selected lines pass the candidate test, and every line that passes it is handed out.
        let candidates = Set(expected.lines.filter { line in line.bytes.withUnsafeBytes { filter.isCandidate($0) } }.map(\.number))
        #expect(recorder.selected.isSubset(of: candidates), "\(label)")
        #expect(candidates.subtracting(recorder.delivered.keys).isEmpty, "\(label): \(candidates.subtracting(recorder.delivered.keys).sorted().prefix(5))")
        // While the sink asked, every line (the last one, without newline, comes from `finish`).
        let asked = expected.lines.prefix(everyLineUntil).map(\.number)
        #expect(asked.allSatisfy { recorder.delivered[$0] != nil }, "\(label)")
        // During each chunk, the last line the plain split hands out that lies wholly in the
        // chunk (the last complete one that is not overlong): a scan reads its time.
        var lineStarts = [0]
        for (offset, byte) in input.enumerated() where byte == 0x0A { lineStarts.append(offset + 1) }
        for (index, range) in chunkRanges.enumerated() {
            // Lines numbered n end at lineStarts[n] - 1: those whose newline is in this chunk and
            // that start in it, delivered by the plain split.
            let inChunk = (1..<lineStarts.count).filter { number in
                range.contains(lineStarts[number] - 1) && lineStarts[number - 1] >= range.lowerBound
                    && reference[number] != nil
            }
            guard let last = inChunk.last else { continue }
            #expect(recorder.perChunk[index].contains(last), "\(label): chunk \(index) line \(last)")
        }
    }

    @Test func selectedLinesAreTheCandidatesWholeAndInRandomChunks() throws {
        var generator = SeededGenerator(seed: 11)
        for (label, input) in try Self.inputs() {
            for lineLimit in [LineSplitter.defaultLineLimit, 160] {
                Self.check(input, pieces: [max(1, input.count)], lineLimit: lineLimit, everyLineUntil: 0, label)
                Self.check(input, pieces: [max(1, input.count)], lineLimit: lineLimit, everyLineUntil: 3, label)
                let pieces = (0..<20).map { _ in Int.random(in: 1...300, using: &generator) }
                Self.check(input, pieces: pieces, lineLimit: lineLimit, everyLineUntil: 5, label + " in pieces")
            }
        }
    }

    @Test func byteByByte() throws {
        let (label, input) = try Self.inputs().last!
        Self.check(input, pieces: [1], lineLimit: 160, everyLineUntil: 2, label)
        Self.check(input, pieces: [1, 2, 31, 32, 33, 64], lineLimit: LineSplitter.defaultLineLimit, everyLineUntil: 0, label)
    }

    /// The splitter's C search against a loop written here: offset of the first pair, newlines
    /// before it and the last of them, on random bytes drawn from the pair's own bytes and `\n`,
    /// at every length around the 32-byte step.
    @Test(arguments: [("I", "CNT"), ("a", "bcde"), ("a", "b")])
    func bytePairSearchAgainstALoop(first: String, seconds: String) {
        var generator = SeededGenerator(seed: 5)
        let alphabet = Array((first + seconds + "x\n").utf8)
        let firstByte = first.utf8.first!
        for length in 0..<200 {
            for _ in 0..<20 {
                let bytes = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
                var expectedOffset = length
                for index in 0..<max(0, length - 1) where bytes[index] == firstByte && seconds.utf8.contains(bytes[index + 1]) {
                    expectedOffset = index
                    break
                }
                let before = bytes[..<expectedOffset]
                // The dispatched search (AVX2 here) and the plain loop other processors run.
                for search in [jb_find_byte_pair, jb_find_byte_pair_plain] {
                    var newlines = 0
                    var lastNewline: Int64 = -1
                    let offset = bytes.withUnsafeBytes {
                        search(
                            $0.baseAddress, length, firstByte, UInt32(packed(seconds)), Int32(seconds.utf8.count),
                            &newlines, &lastNewline)
                    }
                    #expect(offset == expectedOffset)
                    #expect(newlines == before.count { $0 == 0x0A })
                    #expect(lastNewline == Int64(before.lastIndex(of: 0x0A) ?? -1))
                }
            }
        }
    }

    private func packed(_ text: String) -> UInt64 { text.utf8.reversed().reduce(0) { $0 << 8 | UInt64($1) } }
}
