import Testing

@testable import Jailbird

/// The first-try readers of the sshd rules (`SSHDScanner.fastMatch`) against the rules' full
/// matchers: a `.hit` must be the full matcher's match, groups and host alike (and the address
/// read on the way that host's text), and a `.miss` a line the full matcher does not match.
/// Lines: the fixtures' lines and their stamp-cut forms, lines built to trip each reader
/// (attacker text holding ` from `, `: `, ports and hosts; hosts that are no plain dotted
/// quad), and random mutations anywhere in them.
@Suite struct FastRuleTests {
    static let built: [String] = {
        let users = ["root", "a from 6.6.6.6", "x: y", "", "b:", "from", " from 7.7.7.7 port 1 ssh2", "c\td", "ü"]
        let hosts = ["192.0.2.1", "10.0.0.255", "1.2.3.4567", "1.2.3.256", "999.1.1.1", "[1.2.3.4]", "1.2.3.4]",
                     "::ffff:1.2.3.4", "2001:db8::1", "host.example", "1.2.3", "01.002.3.4",
                     // IPv6: plain, upper case, full, compressed at either end, mapped without a quad,
                     // and texts the first reading does not end or the parser refuses
                     "::1", "2001:DB8:0:0:0:0:0:1", "1:2:3:4:5:6:7:8", "fe80::", "::ffff:102:304", "::1:2:3:4:5:6:7",
                     "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::1", "1:::2", "[2001:db8::1]",
                     "2001:db8::1]", "::", "2001:db8::1.2.3.4"]
        let tails = ["", " port 22", " port 22 ssh2", " port 22 ssh2: RSA x", " port 22 on eth0 ssh2", " port 22 port 3",
                     " port 22 [preauth]", " ssh2", " port 22 ssh2 from 8.8.8.8", " port x", "  ", "\t", ":11: Bye",
                     " port 5511:11: x", ":  11: y", " port 1:3: a: Auth fail", " port 2:14: No supported authentication methods available"]
        var lines: [String] = []
        for host in hosts {
            for tail in tails {
                for user in users {
                    lines.append("Failed password for \(user) from \(host)\(tail)")
                    lines.append("Failed password for invalid user \(user) from \(host)\(tail)")
                    lines.append("Failed publickey for \(user) from \(host)\(tail)")
                    lines.append("Invalid user \(user) from \(host)\(tail)")
                    lines.append("maximum authentication attempts exceeded for \(user) from \(host)\(tail)")
                    lines.append("Accepted password for \(user) from \(host)\(tail)")
                    lines.append("Connection closed by invalid user \(user) \(host)\(tail)")
                    lines.append("Disconnected from authenticating user \(user) \(host)\(tail)")
                    lines.append("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser=\(user) rhost=\(host)\(tail)")
                    lines.append("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=\(host)  user=\(user)\(tail)")
                }
                lines.append("Received disconnect from \(host)\(tail)")
                lines.append("Connection closed by \(host)\(tail)")
                lines.append("Connection reset by \(host)\(tail)")
                lines.append("Disconnected from \(host)\(tail)")
                lines.append("Connection from \(host)\(tail)")
            }
        }
        return lines.map { " host sshd[1]: " + $0 }
    }()

    static let interesting = Array(" :[]0123456789.fSmporth\t".utf8)
    static let pieces = [" from ", ": ", " port 22", " ssh2", " [preauth]", " user=", "11:", "1.2.3.4", " "].map { Array($0.utf8) }

    /// The input and random mutations of it anywhere: bytes changed, inserted, removed, and
    /// pieces of the rules' texts inserted.
    static func forEachVariant(of input: [UInt8], _ generator: inout SeededGenerator, _ body: (UnsafeRawBufferPointer) -> Void) {
        input.withUnsafeBytes(body)
        guard !input.isEmpty else { return }
        for _ in 0..<4 {
            mutated(input, edits: 1...2, bytes: interesting, pieces: pieces, &generator).withUnsafeBytes(body)
        }
    }

    /// The unrolled reading of a dotted quad against its plain definition (four parts of one to
    /// three digits, dots between them, each at most 255, no digit after a part's third and no
    /// `]` after the last), on random texts of quad pieces, from every start.
    @Test func plainIPv4ReadsAsItsDefinition() {
        func definition(_ text: [UInt8], _ start: Int) -> (end: Int, value: UInt32)? {
            var index = start
            var value: UInt32 = 0
            for part in 0..<4 {
                let first = index
                var octet: UInt32 = 0
                while index < text.count, index - first < 4, (0x30...0x39).contains(text[index]) {
                    octet = octet * 10 + UInt32(text[index] - 0x30)
                    index += 1
                }
                guard (1...3).contains(index - first), octet <= 255 else { return nil }
                value = value << 8 | octet
                if part < 3 {
                    guard index < text.count, text[index] == UInt8(ascii: ".") else { return nil }
                    index += 1
                }
            }
            guard index == text.count || text[index] != UInt8(ascii: "]") else { return nil }
            return (index, value)
        }
        var generator = SeededGenerator(seed: 41)
        let numbers = ["1", "25", "255", "10", "199", "0", "07", "256", "999", "1234", ""]
        let separators = [".", ".", ".", ".", ".", ".", ".", "]", " ", ":"]
        // Short and long: the unchecked reading needs sixteen bytes from its start.
        let around = ["", " port 22 ssh2 [preauth]", " port 22", "]", "1", ".", " ", "x", "1.2.3.4 port 22 ssh2"]
        var addresses = 0
        for _ in 0..<5_000 {
            // A quad now and then broken, with text before and after it.
            var quad = numbers.randomElement(using: &generator)!
            for _ in 0..<Int.random(in: 2...4, using: &generator) {
                quad += separators.randomElement(using: &generator)! + numbers.randomElement(using: &generator)!
            }
            let text = Array((around.randomElement(using: &generator)! + quad + around.randomElement(using: &generator)!).utf8)
            text.withUnsafeBytes { buffer in
                let scanner = SSHDScanner(buffer)
                for start in 0...buffer.count {
                    let fast = scanner.plainIPv4(at: start)
                    let expected = definition(text, start)
                    #expect(
                        fast?.end == expected?.end && fast?.address == expected.map { IPAddress(ipv4: $0.value) },
                        "\(String(decoding: text, as: UTF8.self)) at \(start)")
                    if fast != nil { addresses += 1 }
                }
            }
        }
        #expect(addresses > 1_000)
    }

    @Test func firstTriesAgreeWithTheFullMatchers() throws {
        var generator = SeededGenerator(seed: 5)
        let rules = SSHDRule.allCases
        var hits = [Int](repeating: 0, count: rules.count)
        var misses = 0
        var ipv6Hits = 0
        var disagreements = 0
        let inputs = try PrefixShortcutTests.inputs() + Self.built.map { Array($0.utf8) }
        for input in inputs {
            Self.forEachVariant(of: input, &generator) { text in
                let scanner = SSHDScanner(text)
                guard let start = scanner.prefix()?.contentStart else { return }
                for (index, rule) in rules.enumerated() {
                    let full = scanner.match(rule, at: start)
                    switch scanner.fastMatch(rule, at: start) {
                    case .hit(var hit):
                        hits[index] += 1
                        if hit.host?.kind == .ipv6 { ipv6Hits += 1 }
                        let address = hit.address
                        hit.address = nil
                        let sameAddress = hit.host.map { IPAddress(parsing: UnsafeRawBufferPointer(rebasing: text[$0.range])) == address } ?? false
                        if hit != full || !sameAddress {
                            disagreements += 1
                            if disagreements < 10 {
                                Issue.record("\(rule): \(hit) vs \(String(describing: full)) in \(String(decoding: text, as: UTF8.self))")
                            }
                        }
                    case .miss:
                        misses += 1
                        if full != nil {
                            disagreements += 1
                            if disagreements < 10 { Issue.record("\(rule) missed \(String(decoding: text, as: UTF8.self))") }
                        }
                    case .unsure: break
                    }
                }
            }
        }
        #expect(disagreements == 0)
        for rule in [SSHDRule.pamAuthenticationFailure, .failed, .invalidUser, .disconnectByUser, .connectionClosed,
                     .accepted, .connectionFrom, .maximumAttemptsExceeded] {
            #expect(hits[rules.firstIndex(of: rule)!] > 100, "\(rule)")
        }
        #expect(misses > 10_000)
        #expect(ipv6Hits > 1_000, "IPv6 hosts are read on the first try")
    }
}
