import CJailbirdSupport
import Foundation
import Testing

@testable import Jailbird

/// The byte-level helpers every matcher stands on, checked against their plain definitions.
@Suite struct ByteClassTests {
    @Test func classesMatchTheirDefinitions() {
        let spaces: Set<UInt8> = [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20]
        for value in 0...255 {
            let byte = UInt8(value)
            let isASCIIWord = (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte)
                || (0x61...0x7A).contains(byte) || byte == 0x5F
            #expect(ByteClass.isWord(byte) == (isASCIIWord || byte >= 0x80), "isWord(\(value))")
            #expect(ByteClass.isDigit(byte) == (0x30...0x39).contains(byte), "isDigit(\(value))")
            #expect(ByteClass.isSpace(byte) == spaces.contains(byte), "isSpace(\(value))")
        }
    }

    @Test func searchesAndComparesAgreeWithNaiveOnes() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = Array("ab:\"' ".utf8)
        let literals: [StaticString] = ["a", "ab", "a:b", "ab\"'", "ab:ab:ab", "abababab:", "a b a b a b a b a"]
        for _ in 0..<500 {
            let length = Int.random(in: 0...60, using: &generator)
            let bytes = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
            bytes.withUnsafeBytes { buffer in
                for from in 0...length {
                    for byte in alphabet {
                        #expect(buffer.firstIndex(of: byte, from: from) == bytes[from...].firstIndex(of: byte))
                    }
                    for literal in literals {
                        let wanted = Array(UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
                        let naive = from + wanted.count <= length && Array(bytes[from..<(from + wanted.count)]) == wanted
                        #expect(buffer.hasBytes(literal, at: from) == naive)
                    }
                }
                #expect(!buffer.hasBytes("a", at: -1))
            }
        }
    }

    /// `hasBytes` compares in words that may overlap: a literal of every length from 1 to 17 is
    /// found where it stands, not when any one of its bytes differs, and not when it is cut short.
    @Test func literalComparisonSeesEveryByte() {
        let literals: [StaticString] = [
            "R", "Re", "Req", "Requ", "Reque", "Reques", "Request", "Request ", "Request f", "Request fr",
            "Request fro", "Request from", "Request from ", "Request from '", "Registration fr",
            "Registration fro", "Registration from",
        ]
        for literal in literals {
            let wanted = Array(UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
            let line = Array("xy".utf8) + wanted + Array(" z".utf8)
            line.withUnsafeBytes { buffer in
                #expect(buffer.hasBytes(literal, at: 2))
                #expect(!buffer.hasBytes(literal, at: 1))
                #expect(!UnsafeRawBufferPointer(rebasing: buffer[0..<(1 + wanted.count)]).hasBytes(literal, at: 2))
            }
            for position in wanted.indices {
                var changed = line
                changed[2 + position] ^= 0x20
                changed.withUnsafeBytes { buffer in
                    #expect(!buffer.hasBytes(literal, at: 2), "\(literal) with byte \(position) changed")
                }
            }
        }
    }

    /// `sameBytes` compares in words that may overlap: for every length up to past three words,
    /// equal bytes are the same and a change in any one byte is seen. `hash` gives equal bytes
    /// the same hash wherever they stand, and tells apart texts that differ in one byte or in
    /// length (zero bytes at the end included) on these inputs.
    @Test func sameBytesAndHashSeeEveryByte() {
        var generator = SeededGenerator(seed: 5)
        for length in 0...40 {
            let text = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let elsewhere = [0x41, 0x42, 0x43] + text
            text.withUnsafeBytes { a in
                elsewhere.withUnsafeBytes { b in
                    let copy = UnsafeRawBufferPointer(rebasing: b[3...])
                    #expect(ByteClass.sameBytes(a.baseAddress ?? copy.baseAddress!, copy.baseAddress!, count: length))
                    #expect(ByteClass.hash(a) == ByteClass.hash(copy), "length \(length)")
                }
            }
            for position in 0..<length {
                var changed = text
                changed[position] ^= 0x01
                text.withUnsafeBytes { a in
                    changed.withUnsafeBytes { b in
                        #expect(!ByteClass.sameBytes(a.baseAddress!, b.baseAddress!, count: length), "length \(length) byte \(position)")
                        #expect(ByteClass.hash(a) != ByteClass.hash(b), "length \(length) byte \(position)")
                    }
                }
            }
            let longer = text + [0]
            text.withUnsafeBytes { a in
                longer.withUnsafeBytes { b in #expect(ByteClass.hash(a) != ByteClass.hash(b), "length \(length) and one zero more") }
            }
        }
    }

    /// The SIMD set search, on every length up to past one block and at the end of a page (where
    /// it must not read past the bytes it was given).
    @Test func bytesInSetMarksExactlyTheMembers() throws {
        let set: [UInt8] = Array("AFUcgv".utf8)
        let packed = set.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << UInt64(8 * $1.offset) }
        var generator = SystemRandomNumberGenerator()
        try Self.withPageBeforeAGap { bytes, pageSize in
            for _ in 0..<200 {
            for index in 0..<pageSize { bytes[index] = UInt8.random(in: 1...255, using: &generator) }
                for length in 0...70 {
                    for start in [0, 5, pageSize - length] {
                        let mask = jb_bytes_in_set(bytes + start, length, packed, Int32(set.count))
                        var expected: UInt64 = 0
                        for offset in 0..<min(length, 64) where set.contains(bytes[start + offset]) {
                            expected |= 1 << UInt64(offset)
                        }
                        #expect(mask == expected, "length \(length) at \(start)")
                    }
                }
            }
        }
    }

    /// Calls `body` with a page of writable bytes followed by an inaccessible page: a read past
    /// the first page would crash the test.
    static func withPageBeforeAGap(_ body: (UnsafeMutablePointer<UInt8>, Int) throws -> Void) throws {
        let pageSize = 4096
        let region = try #require(
            mmap(nil, 2 * pageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        defer { munmap(region, 2 * pageSize) }
        #expect(mprotect(region + pageSize, pageSize, PROT_NONE) == 0)
        try body(region.assumingMemoryBound(to: UInt8.self), pageSize)
    }

    /// The SIMD word run and nearby-byte search against plain loops over `ByteClass.isWord` and
    /// `firstIndex(of:from:)`: every byte value, every start and length up to past two steps, with
    /// the bytes at the end of a page (where they must not read past what they were given).
    @Test func wordRunAndNearbySearchEqualPlainLoops() throws {
        var generator = SeededGenerator(seed: 21)
        // Mostly word bytes, so that runs are long; every byte value appears.
        let common = Array("abzAZ09_".utf8) + [0x80, 0xFF]
        try Self.withPageBeforeAGap { bytes, pageSize in
            for round in 0..<300 {
                for index in 0..<pageSize {
                    bytes[index] = Int.random(in: 0..<8, using: &generator) == 0
                        ? UInt8.random(in: 0...255, using: &generator) : common.randomElement(using: &generator)!
                }
                let length = round % 40
                for start in [0, 1, 7, pageSize - length] {
                    let text = UnsafeRawBufferPointer(start: bytes + start, count: length)
                    for offset in 0...length {
                        var end = offset
                        while end < length && ByteClass.isWord(text[end]) { end += 1 }
                        #expect(text.skipWordCharacters(from: offset) == end, "length \(length) at \(start)+\(offset)")
                        for wanted: UInt8 in [0x22, 0x5F, 0x00] {
                            #expect(
                                text.firstIndex(ofNearby: wanted, from: offset) == text.firstIndex(of: wanted, from: offset))
                        }
                    }
                }
            }
        }
    }

    /// The search through a rare byte finds what memmem finds, from every start, on texts made
    /// of the literals' pieces.
    @Test func searchThroughARareByteEqualsMemmem() {
        var generator = SeededGenerator(seed: 33)
        let pieces = [" from ", " fro", "from ", ": ", ":", " ", "f", ": Auth fail", ": Auth", "x", "  from  "]
        for _ in 0..<400 {
            let text = Array((0..<Int.random(in: 0...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }
                .joined().utf8)
            text.withUnsafeBytes { buffer in
                for from in 0...buffer.count {
                    #expect(buffer.firstRange(of: " from ", from: from, rareByteAt: 1) == buffer.firstRange(of: " from ", from: from))
                    #expect(buffer.firstRange(of: ": ", from: from, rareByteAt: 0) == buffer.firstRange(of: ": ", from: from))
                    #expect(
                        buffer.firstRange(of: ": Auth fail", from: from, rareByteAt: 0)
                            == buffer.firstRange(of: ": Auth fail", from: from))
                }
            }
        }
    }
}
