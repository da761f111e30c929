import CJailbirdSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Character classes of fail2ban's regular expressions (Python `re` on decoded text), on bytes.
///
/// Python's `\s` on text also matches the ASCII separators 0x1C–0x1F and Unicode spaces; jailbird
/// matches the ASCII ones. Bytes 0x80 and above (parts of UTF-8 sequences) count as word
/// characters, which is right for letters and the closest byte-level reading otherwise.
@usableFromInline
enum ByteClass {
    @inline(__always) @usableFromInline
    static func isSpace(_ byte: UInt8) -> Bool {
        // One bit per byte below 0x40: 0x09-0x0D, 0x1C-0x1F and 0x20.
        let spaces: UInt64 = 0x1_F000_3E00
        return byte < 0x40 && (spaces >> UInt64(byte)) & 1 != 0
    }

    @inline(__always) @usableFromInline
    static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

    /// `[0-9a-fA-F]`
    @inline(__always) @usableFromInline
    static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20) &- 0x61 < 6
    }

    /// `[\da-f]` (lower case only, as asterisk.conf writes it)
    @inline(__always) @usableFromInline
    static func isLowerHexDigit(_ byte: UInt8) -> Bool { isDigit(byte) || byte &- 0x61 < 6 }

    /// `\w`
    @inline(__always) @usableFromInline
    static func isWord(_ byte: UInt8) -> Bool {
        // One bit per ASCII byte: digits in the low word; A-Z, '_' and a-z in the high word.
        let low: UInt64 = 0x03FF_0000_0000_0000
        let high: UInt64 = 0x07FF_FFFE_87FF_FFFE
        return byte >= 0x80 || ((byte < 0x40 ? low : high) >> UInt64(byte & 0x3F)) & 1 != 0
    }

    /// Whether the `count` bytes at `a` and `b` are the same. Word by word in line, the last
    /// word overlapping the one before: the texts compared per line (connection ids, user names)
    /// are short, and a call to memcmp costs more than the comparison.
    @inline(__always) @usableFromInline
    static func sameBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count: Int) -> Bool {
        @inline(__always) func same<Word: FixedWidthInteger>(_: Word.Type, at offset: Int) -> Bool {
            a.loadUnaligned(fromByteOffset: offset, as: Word.self) == b.loadUnaligned(fromByteOffset: offset, as: Word.self)
        }
        if count >= 8 {
            var offset = 0
            while offset &+ 8 < count {
                guard same(UInt64.self, at: offset) else { return false }
                offset &+= 8
            }
            return same(UInt64.self, at: count &- 8)
        }
        if count >= 4 { return same(UInt32.self, at: 0) && same(UInt32.self, at: count &- 4) }
        if count >= 2 { return same(UInt16.self, at: 0) && same(UInt16.self, at: count &- 2) }
        return count == 0 || same(UInt8.self, at: 0)
    }

    /// A hash of short byte strings (connection ids, user names; not a secure one): whole words
    /// multiply-xorshift mixed, the last one overlapping the one before, and the length.
    @inline(__always) @usableFromInline
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let count = bytes.count
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(count)
        @inline(__always) func mix(_ word: UInt64) {
            hash = (hash ^ word) &* 0xBF58_476D_1CE4_E5B9
            hash ^= hash >> 29
        }
        if count >= 8 {
            var offset = 0
            while offset &+ 8 < count {
                mix(bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                offset &+= 8
            }
            mix(bytes.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self))
        } else if count >= 4 {
            mix(UInt64(bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self)) << 32
                | UInt64(bytes.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)))
        } else {
            var tail: UInt64 = 0
            for index in 0..<count { tail |= UInt64(bytes[index]) << (8 * UInt64(index)) }
            mix(tail)
        }
        hash = hash &* 0x94D0_49BB_1331_11EB
        return hash ^ (hash >> 31)
    }

    /// True when every byte is below 0x80 (eight at a time).
    @inline(__always) @usableFromInline
    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var high: UInt64 = 0
        var index = 0
        while index &+ 8 <= bytes.count {
            high |= bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            index &+= 8
        }
        while index < bytes.count {
            high |= UInt64(bytes[index])
            index &+= 1
        }
        return high & 0x8080_8080_8080_8080 == 0
    }
}

extension UnsafeRawBufferPointer {
    /// True when the bytes at `offset` equal `literal` (false when they would run past the end).
    @inline(__always) @usableFromInline
    func hasBytes(_ literal: StaticString, at offset: Int) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard offset >= 0, offset + length <= count else { return false }
        guard length > 0 else { return true }
        // In line rather than by a call to memcmp: short literals tested many times a line, whose
        // words the compiler folds.
        return ByteClass.sameBytes(baseAddress! + offset, UnsafeRawPointer(literal.utf8Start), count: length)
    }

    /// True when the bytes at `offset` equal `other`.
    @inline(__always) @usableFromInline
    func hasBytes(_ other: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        guard offset >= 0, offset + other.count <= count else { return false }
        return other.isEmpty || ByteClass.sameBytes(baseAddress! + offset, other.baseAddress!, count: other.count)
    }

    /// The first offset at or after `from` holding `byte`, or nil.
    @inline(__always) @usableFromInline
    func firstIndex(of byte: UInt8, from: Int) -> Int? {
        guard from < count, let base = baseAddress else { return nil }
        guard let found = memchr(base + from, Int32(byte), count - from) else { return nil }
        return UnsafeRawPointer(found) - base
    }

    /// The last offset before `end` holding `byte`, or nil (memrchr).
    @inline(__always) @usableFromInline
    func lastIndex(of byte: UInt8, before end: Int) -> Int? {
        let end = Swift.min(end, count)
        guard end > 0, let base = baseAddress, let found = jb_memrchr(base, Int32(byte), end) else { return nil }
        return found - UnsafeRawPointer(base)
    }

    /// True when `test` holds at some offset where `byte` stands: a necessary-keyword test that
    /// lets memchr skip to the few places a rare byte of the keyword occurs.
    @inline(__always) @usableFromInline
    func anyOffset(of byte: UInt8, where test: (Int) -> Bool) -> Bool {
        var from = 0
        while let found = firstIndex(of: byte, from: from) {
            if test(found) { return true }
            from = found + 1
        }
        return false
    }

    /// True when `test` holds at some offset at or after `from` where one of the bytes of `set`
    /// stands (`set` packs up to eight bytes, lowest first; repeat one to use fewer). SIMD compares
    /// find them 64 bytes a step: a test for keywords that each hold a rare byte at a fixed place.
    @inline(__always) @usableFromInline
    func anyOffset(ofAnyIn set: UInt64, count setCount: Int32, from: Int = 0, where test: (Int) -> Bool) -> Bool {
        guard let base = baseAddress else { return false }
        var blockStart = Swift.max(from, 0)
        while blockStart < count {
            var hits = jb_bytes_in_set(base + blockStart, count - blockStart, set, setCount)
            while hits != 0 {
                if test(blockStart + hits.trailingZeroBitCount) { return true }
                hits &= hits - 1
            }
            blockStart += 64
        }
        return false
    }

    /// The first offset at or after `from` where `literal` starts, or nil.
    @inline(__always) @usableFromInline
    func firstRange(of literal: StaticString, from: Int) -> Int? {
        guard from <= count, let base = baseAddress else { return nil }
        guard let found = jb_memmem(base + from, count - from, literal.utf8Start, literal.utf8CodeUnitCount)
        else { return nil }
        return found - base
    }

    /// `firstRange(of:from:)` by way of one rare byte of `literal`, the one at offset `anchor`:
    /// memchr finds each place it stands and the literal is compared there. On the short rest of
    /// a line this costs far less than memmem's set-up.
    @inline(__always) @usableFromInline
    func firstRange(of literal: StaticString, from: Int, rareByteAt anchor: Int) -> Int? {
        let rare = literal.utf8Start[anchor]
        var position = Swift.max(from, 0) + anchor
        while let found = firstIndex(of: rare, from: position) {
            if hasBytes(literal, at: found - anchor) { return found - anchor }
            position = found + 1
        }
        return nil
    }

    /// True when `literal` occurs anywhere in the buffer.
    @inline(__always) @usableFromInline
    func contains(_ literal: StaticString) -> Bool { firstRange(of: literal, from: 0) != nil }

    /// The bytes in `range` as a String (invalid UTF-8 repaired), for matched fields only.
    @usableFromInline
    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: self[range]), as: UTF8.self)
    }

    /// Index just past the run of whitespace starting at `offset`.
    @inline(__always) @usableFromInline
    func skipSpaces(from offset: Int) -> Int {
        var position = offset
        while position < count && ByteClass.isSpace(self[position]) { position += 1 }
        return position
    }

    /// Index just past the run of non-whitespace starting at `offset`.
    @inline(__always) @usableFromInline
    func skipNonSpaces(from offset: Int) -> Int {
        var position = offset
        while position < count && !ByteClass.isSpace(self[position]) { position += 1 }
        return position
    }

    /// Index just past the run of digits starting at `offset`.
    @inline(__always) @usableFromInline
    func skipDigits(from offset: Int) -> Int {
        var position = offset
        while position < count && ByteClass.isDigit(self[position]) { position += 1 }
        return position
    }

    /// Index just past the run of word characters (`\w`) starting at `offset`.
    @inline(__always) @usableFromInline
    func skipWordCharacters(from offset: Int) -> Int {
        guard offset >= 0, offset < count, let base = baseAddress else { return offset }
        return offset + jb_word_run(base + offset, count - offset)
    }

    /// `firstIndex(of:from:)` for a byte expected within a few dozen bytes: searched in line,
    /// sixteen bytes a step, without the cost of a call to memchr.
    @inline(__always) @usableFromInline
    func firstIndex(ofNearby byte: UInt8, from: Int) -> Int? {
        guard from >= 0, from < count, let base = baseAddress else { return nil }
        let found = from + jb_find_byte_near(base + from, count - from, byte)
        return found < count ? found : nil
    }
}

/// Up to four alternative positions, in the order a regular expression engine would try them,
/// kept inline (no allocation on the per-line path).
@usableFromInline
struct Alternatives: Sequence, IteratorProtocol {
    private var values: (Int, Int, Int, Int) = (0, 0, 0, 0)
    private var count = 0
    private var position = 0

    @inline(__always) @usableFromInline
    init() {}

    @inline(__always) @usableFromInline
    init(_ first: Int) { append(first) }

    /// Adds a position to try after those already added; more than four are ignored.
    @inline(__always) @usableFromInline
    mutating func append(_ value: Int) {
        switch count {
        case 0: values.0 = value
        case 1: values.1 = value
        case 2: values.2 = value
        case 3: values.3 = value
        default: return
        }
        count += 1
    }

    @inline(__always) @usableFromInline
    mutating func next() -> Int? {
        guard position < count else { return nil }
        defer { position += 1 }
        switch position {
        case 0: return values.0
        case 1: return values.1
        case 2: return values.2
        default: return values.3
        }
    }
}

/// A small set of four-byte words (at most 32, none of them 0), in a 64-slot open-addressing
/// table: whether a text starts with one of a few words takes one load and about one probe.
struct WordSet {
    private var slots = [UInt32](repeating: 0, count: 64)
    private var count = 0

    @inline(__always)
    private static func slot(_ word: UInt32) -> Int { Int((word &* 0x9E37_79B1) >> 26) }

    mutating func insert(_ word: UInt32) {
        precondition(word != 0 && count < 32)
        var index = Self.slot(word)
        while slots[index] != 0 {
            if slots[index] == word { return }
            index = (index + 1) & 63
        }
        slots[index] = word
        count += 1
    }

    @inline(__always)
    func contains(_ word: UInt32) -> Bool {
        slots.withUnsafeBufferPointer { table in
            var index = Self.slot(word)
            while table[index] != 0 {
                if table[index] == word { return true }
                index = (index + 1) & 63
            }
            return false
        }
    }
}
