#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Jailbird

/// SplitMix64: small, fast and identical on every platform, so a seed always gives the same log.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<n (n > 0); the modulo bias is irrelevant for log text.
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    /// Uniform in range.
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }

    mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// Exponentially distributed delay with the given mean (milliseconds), at least 1 ms.
    mutating func expDelay(meanMs: Double) -> Int64 {
        let u = unit()
        return max(1, Int64(-log(1.0 - u) * meanMs))
    }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// A buffered writer to a file descriptor. Lines are assembled straight into the buffer; no
/// Foundation formatting, no String per line.
final class ByteWriter {
    private let fd: Int32
    private let buffer: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private var position = 0
    private var flushedBytes = 0

    /// Bytes written so far (flushed or not).
    var totalBytes: Int { flushedBytes + position }

    init(fd: Int32, capacity: Int = 4 << 20) {
        self.fd = fd
        self.capacity = capacity
        buffer = .allocate(capacity: capacity)
    }

    deinit { buffer.deallocate() }

    /// Call after each line: lines are far shorter than the reserve kept free here.
    @inline(__always) func endLine() {
        byte(10)
        if position > capacity - 65536 { flush() }
    }

    func flush() {
        var offset = 0
        while offset < position {
            let n = write(fd, buffer + offset, position - offset)
            if n < 0 {
                if errno == EINTR { continue }
                fatal("write failed: errno \(errno)")
            }
            offset += n
        }
        flushedBytes += position
        position = 0
    }

    @inline(__always) func byte(_ b: UInt8) {
        buffer[position] = b
        position += 1
    }

    @inline(__always) func str(_ s: StaticString) {
        let n = s.utf8CodeUnitCount
        (buffer + position).update(from: s.utf8Start, count: n)
        position += n
    }

    @inline(__always) func bytes(_ a: [UInt8]) {
        a.withUnsafeBufferPointer { p in
            (buffer + position).update(from: p.baseAddress!, count: p.count)
        }
        position += a.count
    }

    func dec(_ value: Int) {
        var v = value
        if v < 0 { byte(45); v = -v }
        if v < 10 { byte(UInt8(48 + v)); return }
        var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &tmp) { raw in
            var i = 24
            while v > 0 { i -= 1; raw[i] = UInt8(48 + v % 10); v /= 10 }
            for j in i..<24 { byte(raw[j]) }
        }
    }

    /// Zero-padded decimal of fixed width.
    @inline(__always) func dec(_ value: Int, width: Int) {
        var v = value
        var i = width
        while i > 0 {
            i -= 1
            buffer[position + i] = UInt8(48 + v % 10)
            v /= 10
        }
        position += width
    }

    /// Lower-case hex, zero padded to `width`.
    @inline(__always) func hex(_ value: UInt64, width: Int) {
        var v = value
        var i = width
        while i > 0 {
            i -= 1
            buffer[position + i] = hexDigits[Int(v & 15)]
            v >>= 4
        }
        position += width
    }

    /// Random lower-case hex string of `count` digits.
    func randomHex(_ rng: inout SplitMix64, count: Int) {
        var left = count
        while left > 0 {
            let n = min(left, 16)
            hex(rng.next(), width: n)
            left -= n
        }
    }
}

let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

/// Prints a line of the benchmark's report at once (all streams flushed: `stdout` itself is not
/// concurrency-safe to name).
func say(_ text: String) {
    print(text)
    fflush(nil)
}

/// `YYYY-MM-DD[THH:MM[:SS]]` read as UTC (Jailbird's reader of --since/--until instants).
func parseUTC(_ text: String) -> Int64? { parseInstant(text, zone: .utc) }

func fatal(_ message: String) -> Never {
    var text = "jailbird-bench: \(message)\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    exit(2)
}

let monthAbbrev: [StaticString] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

/// Formats the time of the current line. The civil date is recomputed only when the day changes.
struct Timestamps {
    private var cachedDay = Int.min
    private(set) var year = 0, month = 0, day = 0
    private(set) var hour = 0, minute = 0, second = 0, millisecond = 0

    mutating func set(ms: Int64) {
        let secs = Int(ms / 1000)
        millisecond = Int(ms % 1000)
        let d = secs / 86400
        if d != cachedDay {
            cachedDay = d
            (year, month, day) = CivilTime.date(days: Int64(d))
        }
        let sod = secs - d * 86400
        hour = sod / 3600
        minute = sod / 60 % 60
        second = sod % 60
    }

    /// `2024-01-15 10:23:45`
    func writeISO(_ w: ByteWriter) {
        w.dec(year, width: 4); w.byte(45); w.dec(month, width: 2); w.byte(45); w.dec(day, width: 2)
        w.byte(32)
        writeClock(w)
    }

    /// `Jan 15 10:23:45` / `Jan  5 10:23:45` (syslog, no year)
    func writeSyslog(_ w: ByteWriter) {
        w.str(monthAbbrev[month - 1]); w.byte(32)
        if day < 10 { w.byte(32); w.byte(UInt8(48 + day)) } else { w.dec(day, width: 2) }
        w.byte(32)
        writeClock(w)
    }

    func writeClock(_ w: ByteWriter) {
        w.dec(hour, width: 2); w.byte(58); w.dec(minute, width: 2); w.byte(58); w.dec(second, width: 2)
    }
}

// MARK: - Addresses

func ipv4Bytes(_ v: UInt32) -> [UInt8] {
    Array("\(v >> 24).\(v >> 16 & 255).\(v >> 8 & 255).\(v & 255)".utf8)
}

/// A random public-looking IPv4 address (no private, loopback, multicast or reserved ranges).
func randomPublicIPv4(_ rng: inout SplitMix64) -> UInt32 {
    while true {
        let v = UInt32(truncatingIfNeeded: rng.next())
        let a = v >> 24, b = v >> 16 & 255
        if a == 0 || a == 10 || a == 127 || a >= 224 || a == 100 && (64...127).contains(b) { continue }
        if a == 169 && b == 254 || a == 172 && (16...31).contains(b) || a == 192 && b == 168 { continue }
        if v & 255 == 0 || v & 255 == 255 { continue }
        return v
    }
}

/// A random IPv6 address in compressed text form (always with a `::` run, as attackers' /64s look).
func randomIPv6(_ rng: inout SplitMix64) -> [UInt8] {
    let prefixes = ["2001:db8", "2a01:4f8", "2604:a880", "2400:cb00", "2a03:b0c0"]
    var s = prefixes[rng.below(prefixes.count)]
    s += ":" + String(rng.int(1...0xffff), radix: 16)
    s += "::" + String(rng.int(1...0xffff), radix: 16)
    if rng.chance(0.6) { s += ":" + String(rng.int(0...0xffff), radix: 16) }
    return Array(s.utf8)
}

/// One remote peer: its address text and whether it is IPv6.
struct Peer {
    var ip: [UInt8]
    var isV6: Bool

    static func random(_ rng: inout SplitMix64, v6Share: Double) -> Peer {
        if rng.chance(v6Share) { return Peer(ip: randomIPv6(&rng), isV6: true) }
        return Peer(ip: ipv4Bytes(randomPublicIPv4(&rng)), isV6: false)
    }
}

/// A pool of interchangeable strings, stored as bytes once.
struct Pool {
    let items: [[UInt8]]
    init(_ strings: [String]) { items = strings.map { Array($0.utf8) } }
    func pick(_ rng: inout SplitMix64) -> [UInt8] { items[rng.below(items.count)] }
}
