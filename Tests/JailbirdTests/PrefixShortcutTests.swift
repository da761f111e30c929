import Foundation
import Testing

@testable import Jailbird

/// The one-step readings of the usual line prefixes (Asterisk's `[] LEVEL[pid] source: `, syslog's
/// ` host sshd[pid]: `) must give exactly what the full search over the prefix's readings gives.
/// Any bytes are valid input, so besides real lines this feeds their stamp-cut forms and many
/// mutations near the prefix (the bytes the argument in the shortcuts' comments turns on).
@Suite struct PrefixShortcutTests {
    static let logs = [
        "differential/generated-asterisk.log", "fail2ban-samples/asterisk", "demo/full",
        "differential/generated-auth.log", "corpus/loghub-OpenSSH_2k.log", "corpus/loghub-Linux_2k.log", "demo/auth.log",
        "differential/newer-openssh.log",
    ]
    static let interesting: [UInt8] = Array(" \t[]:<>()@kaNSWsdhI0123456789.".utf8)

    /// Prefixes where a reading before the usual one could stand: each byte the shortcuts'
    /// arguments name, in the place it matters.
    static let adversarial = [
        "[] NOTICE[1] NOTICE[2] chan_sip.c: Registration from 'x' failed for '1.2.3.4' - Wrong password",
        "[] NOTICE[1] NOTICE[2]: x: y: Registration from 'x' failed for '1.2.3.4' - Wrong password",
        "[] NOTICE[1] SECURITY[2]: x: y: hacking attempt detected '1.2.3.4'",
        "[] NOTICE[1] WARNING[2]: x: y: hacking attempt detected '1.2.3.4'",
        "[] NOTICE[1] kernel: [ 12.5]: NOTICE[2]: x: y: hacking attempt detected '1.2.3.4'",
        "[] NOTICE[1] @vserver_a NOTICE[2]: x: y: hacking attempt detected '1.2.3.4'",
        "[] NOTICE[1] asterisk: NOTICE[2]: x: y: hacking attempt detected '1.2.3.4'",
        "[] NOTICE[1] [2]: asterisk NOTICE[2]: x: y: hacking attempt detected '1.2.3.4'",
        "[] NOTICE[1] : asterisk NOTICE[2]: x: y: hacking attempt detected '1.2.3.4'",
        "[] NOTICE[1]  : asterisk NOTICE[2]: x: y: hacking attempt detected '1.2.3.4'",
        "[] NOTICE[1] (asterisk) NOTICE[2]: x: y: hacking attempt detected '1.2.3.4'",
        "[] NOTICE[1] [ID 12 a.b] NOTICE[2]: x: y: hacking attempt detected '1.2.3.4'",
        "[] NOTICE[1] kernel: [ 12.5]: chan_sip.c: hacking attempt detected '1.2.3.4'",
        "[] WARNING[1] @vserver_a chan_sip.c: hacking attempt detected '1.2.3.4'",
        "[] SECURITY[1] [2]: asterisk chan_sip.c: hacking attempt detected '1.2.3.4'",
        "[] NOTICE[1] : asterisk[3]: NOTICE[4] chan_sip.c: hacking attempt detected '1.2.3.4'",
        "[] NOTICE[1] asterisk[3]: NOTICE[4] chan_sip.c: hacking attempt detected '1.2.3.4'",
        "[] NOTICE[1] (asterisk) WARNING[4] chan_sip.c: hacking attempt detected '1.2.3.4'",
        "[] NOTICE[1] [ID 12 a.b] SECURITY[4] chan_sip.c: hacking attempt detected '1.2.3.4'",
        "[]  NOTICE[1]  chan_sip.c: hacking attempt detected '1.2.3.4'",
        " host sshd[12]: [ID 800 auth.info] Failed password for root from 1.2.3.4 port 22 ssh2",
        " <4.6> host sshd[12]: Failed password for root from 1.2.3.4 port 22 ssh2",
        " host sshd[12]: error: PAM: Authentication failure for root from 1.2.3.4",
        " host sshd[12]: fatal: ",
        " host sshd[12]:",
        "[] host sshd[12]: Failed password for root from 1.2.3.4 port 22 ssh2",
        " host  sshd[12]:   Failed password for root from 1.2.3.4 port 22 ssh2",
        // Other daemons' tokens, and tokens where a part of the prefix line could still match.
        " host CRON[1]: Failed password for root from 1.2.3.4 port 22 ssh2",
        " host Failed password for root from 1.2.3.4 port 22 ssh2",
        " host error: Failed password for root from 1.2.3.4 port 22 ssh2",
        " host kernel: [ 1.5] Failed password for root from 1.2.3.4 port 22 ssh2",
        " host @vserver_x Failed password for root from 1.2.3.4 port 22 ssh2",
        " host (sshd) Failed password for root from 1.2.3.4 port 22 ssh2",
        " host [sshd] Failed password for root from 1.2.3.4 port 22 ssh2",
        " host :  sshd Failed password for root from 1.2.3.4 port 22 ssh2",
        " host [1]: sshd Failed password for root from 1.2.3.4 port 22 ssh2",
        " host sshdx[1]: Failed password for root from 1.2.3.4 port 22 ssh2",
        " host sshd: Failed password for root from 1.2.3.4 port 22 ssh2",
        " host sshd-session[12]: Failed password for root from 1.2.3.4 port 22 ssh2",
        " host sshd-sessionx[12]: Failed password for root from 1.2.3.4 port 22 ssh2",
        " host sshd-auth: Failed password for root from 1.2.3.4 port 22 ssh2",
        " host sshd-session(pam)[3]: Failed password for root from 1.2.3.4 port 22 ssh2",
        " host [sshd-auth][3]: Failed password for root from 1.2.3.4 port 22 ssh2",
        " host sshd-auth[3]: sshd-session[4]: Failed password for root from 1.2.3.4 port 22 ssh2",
        " host [ID 5 a.b] Failed password for root from 1.2.3.4 port 22 ssh2",
        " <4.6> host CRON[1]: Failed password for root from 1.2.3.4 port 22 ssh2",
        "[]x CRON[1]: y",
        "[]  host  x",
        " host ",
        " host",
    ]

    /// The lines of the fixture logs, as they stand and as the time stamp cut leaves them.
    static func inputs() throws -> [[UInt8]] {
        var result: [[UInt8]] = adversarial.map { Array($0.utf8) }
        for log in logs {
            // Bytes, not text: the logs hold invalid UTF-8 on purpose.
            let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(log)))
            for line in data.split(separator: UInt8(ascii: "\n")).prefix(3_000) {
                let bytes = Array(line)
                result.append(bytes)
                if bytes.first == UInt8(ascii: "["), let close = bytes.firstIndex(of: UInt8(ascii: "]")) {
                    result.append(Array("[]".utf8) + bytes[(close + 1)...])  // Asterisk's "[date]"
                }
                if bytes.count > 15 { result.append(Array(bytes[15...])) }  // syslog's "Mon dd hh:mm:ss"
            }
        }
        return result
    }

    /// Calls `body` with `input` and with random mutations of its first 48 bytes.
    static func forEachVariant(of input: [UInt8], _ body: (UnsafeRawBufferPointer) -> Void) {
        var generator = SystemRandomNumberGenerator()
        input.withUnsafeBytes(body)
        guard !input.isEmpty else { return }
        for _ in 0..<6 {
            mutated(input, edits: 1...3, within: 48, bytes: interesting, &generator).withUnsafeBytes(body)
        }
    }

    @Test func asteriskShortcutEqualsTheSearch() throws {
        var shortcutsTaken = 0
        for input in try Self.inputs() {
            Self.forEachVariant(of: input) { text in
                guard let direct = AsteriskFilter.directContentStart(text) else { return }
                shortcutsTaken += 1
                #expect(direct == AsteriskFilter.contentStartBySearch(text), "\(String(decoding: text, as: UTF8.self))")
            }
        }
        #expect(shortcutsTaken > 1_000)
    }

    /// For the stock `_daemon` and for values that name OpenSSH 9.8's and 10.0's process names.
    @Test(arguments: ["sshd", "sshd-session", "sshd(?:-session|-auth)?", "(?:sshd-auth|sshd|sshd-session)"])
    func sshdShortcutEqualsTheSearch(_ pattern: String) throws {
        let names = try #require(SSHDDaemonNames(parsing: pattern))
        var shortcutsTaken = 0
        var namedShortcuts = 0
        for input in try Self.inputs() {
            Self.forEachVariant(of: input) { text in
                let scanner = SSHDScanner(text)
                guard let direct = scanner.syslogPrefix(daemon: names) else { return }
                shortcutsTaken += 1
                if direct.mlfidEnd > 0, text[direct.mlfidEnd - 2] == UInt8(ascii: ":") { namedShortcuts += 1 }
                let searched = scanner.prefixBySearch(daemon: names)
                #expect(
                    direct.mlfidEnd == searched?.mlfidEnd && direct.contentStart == searched?.contentStart,
                    "\(pattern): \(String(decoding: text, as: UTF8.self))")
            }
        }
        #expect(shortcutsTaken > 1_000)
        #expect(namedShortcuts > 500, "lines of the names' own process taken in one step")
    }

    /// The remembered host prefix gives the daemon token's start that reading the line gives,
    /// for every line after the one it remembers (the same host or another, their mutations).
    @Test func hostPrefixMemoEqualsReadingTheLine() throws {
        var memo = HostPrefixMemo()
        var answered = 0
        for input in try Self.inputs() {
            Self.forEachVariant(of: input) { text in
                let read = SSHDScanner(text).daemonTokenStart()
                if let remembered = memo.daemonTokenStart(in: text) {
                    answered += 1
                    #expect(remembered == read, "\(String(decoding: text, as: UTF8.self))")
                }
                if let read { memo.remember(text, daemon: read) }
            }
        }
        #expect(answered > 1_000)
    }
}
