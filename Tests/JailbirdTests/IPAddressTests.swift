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
}
