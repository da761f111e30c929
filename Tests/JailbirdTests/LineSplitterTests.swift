import Testing

@testable import Jailbird

@Suite struct LineSplitterTests {
    struct Line: Equatable, CustomStringConvertible {
        var bytes: [UInt8]
        var number: Int
        var description: String { "\(number):\(bytes)" }
    }

    struct Result: Equatable {
        var lines: [Line]
        var overlong: [LineSplitter.OverlongLine]
        var overlongCount: Int
        var lineCount: Int
    }

    /// Feeds `input` in pieces of the given sizes (cycled) and collects what comes out.
    static func split(_ input: [UInt8], pieces: [Int], lineLimit: Int = LineSplitter.defaultLineLimit) -> Result {
        var splitter = LineSplitter(lineLimit: lineLimit)
        var lines: [Line] = []
        let collect = { (line: UnsafeRawBufferPointer, number: Int) in
            lines.append(Line(bytes: Array(line), number: number))
        }
        input.withUnsafeBytes { all in
            var start = 0
            var pieceIndex = 0
            while start < all.count {
                let size = max(1, pieces[pieceIndex % pieces.count])
                pieceIndex += 1
                let end = min(all.count, start + size)
                // Copy the piece so a line handed out must not point past its chunk.
                let piece = Array(all[start..<end])
                piece.withUnsafeBytes { splitter.feed($0, collect) }
                start = end
            }
        }
        splitter.finish(collect)
        return Result(
            lines: lines, overlong: splitter.overlongLines, overlongCount: splitter.overlongLineCount,
            lineCount: splitter.lineCount)
    }

    /// A naive reference: split on `\n`, drop one `\r` before it, the last piece only if non-empty.
    static func reference(_ input: [UInt8], lineLimit: Int = LineSplitter.defaultLineLimit) -> Result {
        var pieces = input.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        if pieces.last?.isEmpty == true { pieces.removeLast() }
        var lines: [Line] = []
        var overlong: [LineSplitter.OverlongLine] = []
        for (index, var piece) in pieces.enumerated() {
            if piece.last == 0x0D { piece.removeLast() }
            if piece.count > lineLimit {
                overlong.append(.init(line: index + 1, length: piece.count))
            } else {
                lines.append(Line(bytes: piece, number: index + 1))
            }
        }
        return Result(lines: lines, overlong: overlong, overlongCount: overlong.count, lineCount: pieces.count)
    }

    static let inputs: [(String, [UInt8])] = [
        ("plain", Array("one\ntwo\nthree\n".utf8)),
        ("crlf", Array("one\r\ntwo\r\n\r\nlast\r\n".utf8)),
        ("no final newline", Array("one\ntwo".utf8)),
        ("final CR without newline", Array("one\ntwo\r".utf8)),
        ("empty", []),
        ("only newlines", Array("\n\n\n".utf8)),
        ("lone CR inside", Array("a\rb\n\rc\n".utf8)),
        ("NUL bytes", [0x61, 0x00, 0x62, 0x0A, 0x00, 0x0A, 0x00]),
        ("invalid UTF-8", [0xFF, 0xFE, 0x0A, 0xC3, 0x28, 0x0A, 0xE2, 0x82, 0x0D, 0x0A, 0x80]),
    ]

    @Test(arguments: inputs.indices)
    func sameLinesWholeBytewiseAndRandomChunks(index: Int) {
        let input = Self.inputs[index].1
        let expected = Self.reference(input)
        #expect(Self.split(input, pieces: [max(1, input.count)]) == expected)
        #expect(Self.split(input, pieces: [1]) == expected)
        var generator = SeededGenerator(seed: UInt64(index) + 7)
        let random = (0..<16).map { _ in Int.random(in: 1...5, using: &generator) }
        #expect(Self.split(input, pieces: random) == expected)
    }

    @Test func explicitResultsForCRLFAndFinalLine() {
        let result = Self.split(Array("a\r\nb\r\n\nc".utf8), pieces: [2])
        #expect(
            result.lines == [
                Line(bytes: [0x61], number: 1), Line(bytes: [0x62], number: 2), Line(bytes: [], number: 3),
                Line(bytes: [0x63], number: 4),
            ])
        #expect(result.lineCount == 4)
    }

    @Test func emptyInputYieldsNoLines() {
        let result = Self.split([], pieces: [1])
        #expect(result.lines.isEmpty)
        #expect(result.lineCount == 0)
    }

    @Test func largeLogSameInRandomChunks() {
        let input = sampleLogText(lines: 2000)
        let expected = Self.reference(input)
        #expect(expected.lines.count == 2000)
        var generator = SeededGenerator(seed: 42)
        let random = (0..<64).map { _ in Int.random(in: 1...300, using: &generator) }
        #expect(Self.split(input, pieces: random) == expected)
        #expect(Self.split(input, pieces: [input.count]) == expected)
        #expect(Self.split(input, pieces: [1]) == expected)
    }

    @Test func lineAtLimitIsDeliveredAndLongerIsSkipped() {
        let limit = 10
        let atLimit = [UInt8](repeating: 0x41, count: limit)
        let over = [UInt8](repeating: 0x42, count: limit + 1)
        let input =
            atLimit + [0x0A] + over + [0x0A] + atLimit + [0x0D, 0x0A] + over + [0x0D, 0x0A] + Array("end".utf8)
            + [0x0A] + over
        let expected = Result(
            lines: [
                Line(bytes: atLimit, number: 1), Line(bytes: atLimit, number: 3),
                Line(bytes: Array("end".utf8), number: 5),
            ],
            overlong: [.init(line: 2, length: 11), .init(line: 4, length: 11), .init(line: 6, length: 11)],
            overlongCount: 3, lineCount: 6)
        #expect(Self.reference(input, lineLimit: limit) == expected)
        for pieces in [[input.count], [1], [3, 7, 2], [12]] {
            #expect(Self.split(input, pieces: pieces, lineLimit: limit) == expected, "pieces \(pieces)")
        }
    }

    @Test func overlongLineProblemNamesFileLineAndLength() {
        var splitter = LineSplitter(lineLimit: 4)
        Array("ok\ntoo long\n".utf8).withUnsafeBytes { splitter.feed($0) { _, _ in } }
        let problems = splitter.problems(path: "/var/log/full")
        #expect(problems == [InputProblem(path: "/var/log/full", kind: .overlongLine(line: 2, length: 8, limit: 4))])
        #expect(
            problems.first?.description
                == "/var/log/full: line 2 is 8 bytes long, over the 4-byte limit; it was skipped")
    }

    @Test func hugeLineIsSkippedWithoutBufferingIt() {
        // 50 MiB of one line, fed in 64 KiB chunks, with a 1 MiB limit.
        var splitter = LineSplitter(lineLimit: 1 << 20)
        let block = [UInt8](repeating: 0x78, count: 64 << 10)
        var lines: [[UInt8]] = []
        var largestCarry = 0
        Array("before\n".utf8).withUnsafeBytes { splitter.feed($0) { line, _ in lines.append(Array(line)) } }
        block.withUnsafeBytes { chunk in
            for _ in 0..<800 {
                splitter.feed(chunk) { line, _ in lines.append(Array(line)) }
                largestCarry = max(largestCarry, splitter.carry.capacity)
            }
        }
        Array("\nafter\n".utf8).withUnsafeBytes { splitter.feed($0) { line, _ in lines.append(Array(line)) } }
        splitter.finish { line, _ in lines.append(Array(line)) }
        #expect(lines == [Array("before".utf8), Array("after".utf8)])
        #expect(splitter.overlongLines == [.init(line: 2, length: 800 * (64 << 10))])
        #expect(largestCarry <= 2 * (1 << 20) + (64 << 10))
        #expect(splitter.lineCount == 3)
    }

    @Test func wholeLinesPointIntoTheChunk() {
        var splitter = LineSplitter()
        let input = Array("alpha\nbeta\n".utf8)
        var offsets: [Int] = []
        input.withUnsafeBytes { chunk in
            splitter.feed(chunk) { line, _ in offsets.append(line.baseAddress! - chunk.baseAddress!) }
        }
        #expect(offsets == [0, 6])
    }

    @Test func looksBinaryFindsNULInFirst4KiB() {
        #expect(ByteReader.looksBinary(UnsafeRawBufferPointer(start: nil, count: 0)) == false)
        Array("text only\n".utf8).withUnsafeBytes { #expect(ByteReader.looksBinary($0) == false) }
        ([UInt8](repeating: 0x41, count: 100) + [0]).withUnsafeBytes { #expect(ByteReader.looksBinary($0)) }
        ([UInt8](repeating: 0x41, count: 5000) + [0]).withUnsafeBytes { #expect(ByteReader.looksBinary($0) == false) }
    }
}
