/// The line an output writer fills, one line after the other (`jailbird scan --events`: a line an
/// event, millions of them): appending checks the capacity and copies. An `Array`'s appends also
/// check uniqueness and take a generic path, which cost more than the few bytes of a field.
/// Grows by doubling; never shrinks.
public struct ByteLine: ~Copyable {
    private var start: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    public private(set) var count = 0

    public init(capacity: Int = 256) {
        self.capacity = max(capacity, 16)
        start = UnsafeMutablePointer<UInt8>.allocate(capacity: self.capacity)
    }

    deinit { start.deallocate() }

    /// Room for `extra` more bytes.
    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        let grown = max(2 * capacity, count + extra)
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        moved.update(from: start, count: count)
        start.deallocate()
        start = moved
        capacity = grown
    }

    @inline(__always)
    public mutating func append(_ byte: UInt8) {
        reserve(1)
        start[count] = byte
        count += 1
    }

    @inline(__always)
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        UnsafeMutableRawPointer(start + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    @inline(__always)
    public mutating func append(_ literal: StaticString) {
        append(UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Lets `body` write at most `maxCount` bytes in place at the end of the line; it returns how
    /// many it wrote.
    @inline(__always)
    public mutating func appendInPlace(atMost maxCount: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        reserve(maxCount)
        let written = body(start + count)
        precondition(written >= 0 && written <= maxCount, "appendInPlace wrote past its room")
        count += written
    }

    /// The UTF-8 bytes of `text`, as they are (no escaping).
    public mutating func append(utf8 text: String) {
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    /// Empties the line, keeping its room.
    public mutating func removeAll() { count = 0 }

    public func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(start: start, count: count))
    }

    /// The line as text (invalid UTF-8 repaired).
    public var text: String { withBytes { String(decoding: $0, as: UTF8.self) } }

    /// The text `write` puts on a fresh line.
    public static func text(_ write: (inout ByteLine) -> Void) -> String {
        var line = ByteLine()
        write(&line)
        return line.text
    }
}

/// `value` (not negative) in at least `width` decimal digits, zeros in front, written onto the
/// end of `line`.
public func appendDecimal(_ value: Int, width: Int = 1, to line: inout ByteLine) {
    precondition(value >= 0, "appendDecimal writes non-negative numbers")
    var digits = 1
    var power = 10
    while digits < 19 && value >= power {  // an Int has at most 19 digits
        digits += 1
        power &*= 10
    }
    let length = max(digits, width)
    line.appendInPlace(atMost: length) { text in
        var rest = value
        for index in stride(from: length - 1, through: 0, by: -1) {
            text[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
        }
        return length
    }
}
