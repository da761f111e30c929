/// An IPv4 or IPv6 address, stored as 128 bits. IPv4 addresses (and IPv4-mapped IPv6 addresses,
/// `::ffff:a.b.c.d`, which fail2ban treats as the same host) are stored in their mapped form,
/// so equal hosts compare equal whichever way a log wrote them.
///
/// `description` is the canonical text: dotted quad for IPv4; for IPv6 lower-case hex with the
/// longest run (two or more) of zero groups compressed to `::`, as `inet_ntop` writes it.
public struct IPAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The high and low 64 bits of the address in network order.
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The IPv4 address `a.b.c.d` given as a 32-bit number.
    public init(ipv4: UInt32) {
        self.high = 0
        self.low = 0x0000_FFFF_0000_0000 | UInt64(ipv4)
    }

    /// True for IPv4 (and IPv4-mapped) addresses.
    public var isIPv4: Bool { high == 0 && low >> 32 == 0xFFFF }

    /// The IPv4 address as a number; meaningful only when `isIPv4`.
    public var ipv4Value: UInt32 { UInt32(truncatingIfNeeded: low) }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    /// Parses the text of an address.
    public init?(_ text: String) {
        var text = text
        guard let parsed = text.withUTF8({ IPAddress(parsing: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = parsed
    }

    /// Parses an address from bytes: exactly the whole buffer must be an IPv4 or IPv6 address
    /// (IPv6 may end in an embedded dotted quad). Leading zeros in an IPv4 part are accepted
    /// up to three digits, as fail2ban's host pattern does.
    public init?(parsing bytes: UnsafeRawBufferPointer) {
        if let v4 = IPAddress.parseIPv4(bytes) {
            self.init(ipv4: v4)
        } else if let v6 = IPAddress.parseIPv6(bytes) {
            self = v6
        } else {
            return nil
        }
    }

    /// Parses `a.b.c.d` (1–3 digits a part, each at most 255) filling the whole buffer. Each part
    /// is read digit by digit without a loop: it runs for every host of every event.
    static func parseIPv4(_ bytes: UnsafeRawBufferPointer) -> UInt32? {
        let count = bytes.count
        guard count >= 7, count <= 15 else { return nil }
        @inline(__always) func digit(_ index: Int) -> UInt32? {
            let value = bytes[index] &- UInt8(ascii: "0")
            return value < 10 ? UInt32(value) : nil
        }
        var value: UInt32 = 0
        var index = 0
        for part in 0..<4 {
            guard index < count, var octet = digit(index) else { return nil }
            index += 1
            if index < count, let second = digit(index) {
                octet = octet * 10 + second
                index += 1
                if index < count, let third = digit(index) {
                    octet = octet * 10 + third
                    index += 1
                }
            }
            guard octet <= 255 else { return nil }
            value = value << 8 | octet
            if part < 3 {
                guard index < count, bytes[index] == UInt8(ascii: ".") else { return nil }
                index += 1
            }
        }
        return index == count ? value : nil
    }

    /// Parses RFC 4291 text: up to eight hex groups with at most one `::`, optionally ending in
    /// a dotted quad. One pass: the groups before the `::` and those after it are shifted into
    /// two 128-bit numbers, and the first moves up past the gap at the end.
    static func parseIPv6(_ bytes: UnsafeRawBufferPointer) -> IPAddress? {
        let count = bytes.count
        guard count >= 2, count <= 45 else { return nil }
        let colon = UInt8(ascii: ":")
        var head: UInt128 = 0  // the groups before `::` (all of them when there is none)
        var headCount = 0
        var tail: UInt128 = 0  // the groups after `::`
        var tailCount = 0
        var gap = false
        var index = 0
        @inline(__always) func append(_ group: UInt128, groups: Int) {
            if gap {
                tail = tail << (16 * groups) | group
                tailCount += groups
            } else {
                head = head << (16 * groups) | group
                headCount += groups
            }
        }
        if bytes[0] == colon {
            guard bytes[1] == colon else { return nil }
            gap = true
            index = 2
        }
        while index < count {
            guard headCount + tailCount < 8 else { return nil }
            var group: UInt128 = 0
            var end = index
            while end < count, end - index < 5, let nibble = hexValue(bytes[end]) {
                group = group << 4 | UInt128(nibble)
                end += 1
            }
            if end < count, bytes[end] == UInt8(ascii: ".") {
                // A dotted quad closes the address, in place of two groups.
                guard headCount + tailCount <= 6, let v4 = parseIPv4(UnsafeRawBufferPointer(rebasing: bytes[index...]))
                else { return nil }
                append(UInt128(v4), groups: 2)
                index = count
                break
            }
            guard end > index, end - index <= 4 else { return nil }
            append(group, groups: 1)
            index = end
            if index == count { break }
            guard bytes[index] == colon, index + 1 < count else { return nil }  // no trailing single ':'
            index += 1
            if bytes[index] == colon {
                if gap { return nil }
                gap = true
                index += 1
            }
        }
        let value: UInt128
        if gap {
            guard headCount + tailCount <= 7 else { return nil }
            value = headCount == 0 ? tail : head << (16 * (8 - headCount)) | tail
        } else {
            guard headCount == 8 else { return nil }
            value = head
        }
        return IPAddress(high: UInt64(truncatingIfNeeded: value >> 64), low: UInt64(truncatingIfNeeded: value))
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    public var description: String {
        if isIPv4 { return ByteLine.text { appendDescription(to: &$0) } }
        var groups = [UInt16](repeating: 0, count: 8)
        for position in 0..<4 { groups[position] = UInt16(truncatingIfNeeded: high >> (48 - 16 * UInt64(position))) }
        for position in 0..<4 { groups[4 + position] = UInt16(truncatingIfNeeded: low >> (48 - 16 * UInt64(position))) }
        // The longest run of zero groups (first on a tie), compressed only if it spans two or more.
        var bestStart = -1
        var bestLength = 0
        var position = 0
        while position < 8 {
            if groups[position] == 0 {
                var end = position
                while end < 8 && groups[end] == 0 { end += 1 }
                if end - position > bestLength {
                    bestStart = position
                    bestLength = end - position
                }
                position = end
            } else {
                position += 1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        // IPv4-compatible form (::a.b.c.d), as inet_ntop prints it.
        if bestStart == 0 && bestLength == 6 {
            let v = UInt32(groups[6]) << 16 | UInt32(groups[7])
            return "::\(v >> 24).\(v >> 16 & 0xFF).\(v >> 8 & 0xFF).\(v & 0xFF)"
        }
        var text = ""
        position = 0
        while position < 8 {
            if position == bestStart {
                text += "::"
                position += bestLength
                continue
            }
            if !text.isEmpty && !text.hasSuffix(":") { text += ":" }
            text += String(groups[position], radix: 16)
            position += 1
        }
        return text
    }

    /// `description` written onto the end of `line` (IPv4 without building a String).
    public func appendDescription(to line: inout ByteLine) {
        guard isIPv4 else {
            line.append(utf8: description)
            return
        }
        let value = ipv4Value
        // At most "255.255.255.255", written in place.
        line.appendInPlace(atMost: 15) { text in
            var count = 0
            func put(_ byte: UInt8) {
                text[count] = byte
                count &+= 1
            }
            for shift in stride(from: 24 as UInt32, through: 0, by: -8) {
                let octet = UInt8(truncatingIfNeeded: value >> shift)
                if octet >= 100 { put(UInt8(ascii: "0") &+ octet / 100) }
                if octet >= 10 { put(UInt8(ascii: "0") &+ octet / 10 % 10) }
                put(UInt8(ascii: "0") &+ octet % 10)
                if shift > 0 { put(UInt8(ascii: ".")) }
            }
            return count
        }
    }
}
