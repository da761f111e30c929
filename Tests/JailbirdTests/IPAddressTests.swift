import Foundation
import Testing
@testable import Jailbird

@Suite struct IPAddressTests {
    @Test(arguments: [
        ("192.0.2.1", "192.0.2.1"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("::FFFF:192.0.2.1", "192.0.2.1"),
        ("2001:db8:0:0:0:0:0:1", "2001:db8::1"),
        ("2001:0db8:0000:0000:0001:0000:0000:0001", "2001:db8::1:0:0:1"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("::1", "::1"),
        ("::", "::"),
        ("fe80::", "fe80::"),
        ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
        ("::0102:0304", "::1.2.3.4"),
        ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
    ])
    func canonicalText(input: String, expected: String) throws {
        let address = try #require(IPAddress(input))
        #expect(address.description == expected)
    }

    @Test(arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", "1..2.3", "1:2:3:4:5:6:7:8:9", "1::2::3",
        "12345::", ":1", "1:", "g::1", "1.2.3.0004", "::ffff:1.2.3", "host.example",
    ])
    func rejectsMalformedText(input: String) {
        #expect(IPAddress(input) == nil)
    }

    @Test func mappedAndPlainIPv4AreTheSameHost() throws {
        #expect(try #require(IPAddress("::ffff:10.1.2.3")) == IPAddress("10.1.2.3"))
        #expect(try #require(IPAddress("10.1.2.3")).isIPv4)
        #expect(try !#require(IPAddress("2001:db8::1")).isIPv4)
    }

    /// An IPv4 address is written as the C library's inet_ntop writes it, into a line buffer as on
    /// its own: octets of one, two and three digits, zeros, 255.
    @Test func ipv4IsWrittenAsInetNtopWritesIt() {
        var generator = SeededGenerator(seed: 4)
        let edges: [UInt32] = [0, 1, 9, 10, 99, 100, 199, 200, 255]
        var values: [UInt32] = (0..<2_000).map { _ in UInt32.random(in: .min ... .max, using: &generator) }
        for a in edges { for b in edges { values.append(a << 24 | b << 16 | a << 8 | b) } }
        for value in values {
            var address = in_addr(s_addr: value.bigEndian)
            var text = [CChar](repeating: 0, count: 16)
            inet_ntop(AF_INET, &address, &text, 16)
            let expected = String(cString: text)
            var line = ByteLine(capacity: 1)  // grows on the way
            line.append("x")
            IPAddress(ipv4: value).appendDescription(to: &line)
            #expect(line.text == "x" + expected)
            #expect(IPAddress(ipv4: value).description == expected)
        }
    }

    /// The C library's reading of an IPv6 text, or nil when it refuses it.
    static func inetPton6(_ text: String) -> IPAddress? {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &address) { Array($0) }
        return IPAddress(
            high: bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) },
            low: bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    }

    /// Random addresses with runs of zero groups, written in full, compressed at each possible
    /// run, and with an embedded dotted quad: parsed as the C library's inet_pton reads them.
    @Test func ipv6AgreesWithInetPton() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            var groups = (0..<8).map { _ in UInt16.random(in: 0...0xFFFF, using: &generator) }
            let zeroStart = Int.random(in: 0..<8, using: &generator)
            let zeroCount = Int.random(in: 0...(8 - zeroStart), using: &generator)
            for index in zeroStart..<(zeroStart + zeroCount) { groups[index] = 0 }
            var texts = [groups.map { String($0, radix: 16) }.joined(separator: ":")]
            if zeroCount >= 1 {
                let head = groups[..<zeroStart].map { String($0, radix: 16) }.joined(separator: ":")
                let tail = groups[(zeroStart + zeroCount)...].map { String($0, radix: 16) }.joined(separator: ":")
                texts.append(head + "::" + tail)
            }
            let quad = "\(groups[6] >> 8).\(groups[6] & 0xFF).\(groups[7] >> 8).\(groups[7] & 0xFF)"
            texts.append(groups[..<6].map { String($0, radix: 16) }.joined(separator: ":") + ":" + quad)
            for text in texts {
                let expected = Self.inetPton6(text)
                #expect(expected != nil, "\(text)")
                let parsed = try #require(IPAddress(text), "\(text)")
                #expect(parsed == expected, "\(text)")
            }
        }
    }

    /// Random texts over hex digits, colons and dots, made of address-like pieces: accepted
    /// exactly when the C library's inet_pton accepts them, as the same address. (inet_pton
    /// refuses a leading zero in an embedded quad part, which fail2ban's host pattern and this
    /// parser take; such texts are left out.)
    @Test func ipv6TextsAreAcceptedAsInetPtonAcceptsThem() {
        var generator = SeededGenerator(seed: 61)
        // Groups and separators by turns, now and then a piece out of place.
        let groups = ["0", "1", "a", "ff", "FFFF", "db8", "f00d", "12345", "1.2.3.4", "255.0.10.9", "256.1.1.1", "g", ""]
        let separators = [":", ":", ":", ":", "::", ":::", "."]
        var accepted = 0
        for _ in 0..<20_000 {
            var text = Bool.random(using: &generator) ? "" : "::"
            for index in 0..<Int.random(in: 1...9, using: &generator) {
                if index > 0 { text += separators.randomElement(using: &generator)! }
                text += Int.random(in: 0..<4, using: &generator) == 0
                    ? groups.randomElement(using: &generator)! : groups[Int.random(in: 0..<7, using: &generator)]
            }
            if Int.random(in: 0..<6, using: &generator) == 0 { text += "::" }
            if text.split(separator: ":").last.map({ $0.contains(".") && $0.split(separator: ".").contains { $0.count > 1 && $0.first == "0" } }) ?? false {
                continue
            }
            let expected = Self.inetPton6(text)
            let parsed = text.utf8.withContiguousStorageIfAvailable { IPAddress.parseIPv6(UnsafeRawBufferPointer($0)) } ?? nil
            #expect(parsed == expected, "\(text)")
            if expected != nil { accepted += 1 }
        }
        #expect(accepted > 500, "the pieces make enough addresses to test")
    }

    /// IPv4 parsing against its plain definition (four dot-separated parts of 1–3 ASCII digits,
    /// each at most 255), on random texts over digits and dots.
    /// An IPv4 address is written as its four decimal parts, whatever their size.
    @Test func ipv4DescriptionIsItsFourParts() {
        var generator = SeededGenerator(seed: 5)
        for _ in 0..<2_000 {
            let parts = (0..<4).map { _ in UInt32.random(in: 0...255, using: &generator) }
            let address = IPAddress(ipv4: parts.reduce(0) { $0 << 8 | $1 })
            #expect(address.description == parts.map(String.init).joined(separator: "."))
        }
        #expect(IPAddress(ipv4: 0).description == "0.0.0.0")
        #expect(IPAddress(ipv4: 0xFFFF_FFFF).description == "255.255.255.255")
    }

    @Test func ipv4AgreesWithItsDefinition() {
        func definition(_ text: String) -> UInt32? {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            var value: UInt32 = 0
            for part in parts {
                guard (1...3).contains(part.count), part.allSatisfy({ ("0"..."9").contains($0) }),
                    let number = UInt32(part), number <= 255
                else { return nil }
                value = value << 8 | number
            }
            return value
        }
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789.....".utf8) + [UInt8(ascii: "a"), UInt8(ascii: ":")]
        for _ in 0..<20_000 {
            let bytes = (0..<Int.random(in: 0...17, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            let text = String(decoding: bytes, as: UTF8.self)
            let parsed = bytes.withUnsafeBytes { IPAddress.parseIPv4($0) }
            #expect(parsed == definition(text), "\(text)")
            // And texts shaped like addresses: four parts of 0–4 digits.
            let shaped = (0..<4).map { _ in
                String((0..<Int.random(in: 0...4, using: &generator)).map { _ in "0123456789".randomElement(using: &generator)! })
            }.joined(separator: ".")
            #expect(Array(shaped.utf8).withUnsafeBytes { IPAddress.parseIPv4($0) } == definition(shaped), "\(shaped)")
        }
    }
}
