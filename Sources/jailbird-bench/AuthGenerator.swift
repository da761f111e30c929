/// Writes a Debian `auth.log` (syslog, no year): `Jan 15 10:23:45 pbx sshd[1234]: ...`. Legit logins
/// (publickey, password, a mistype now and then), dictionary and root brute force (fast and slow),
/// pre-auth scanners, rare shapes, and CRON/systemd/sudo noise.
struct AuthGenerator: ActorDrivenLog {
    private enum Category: Int {
        case noise, legit, brute, slow, scanner, oddity
    }

    private var rng: SplitMix64
    var ts = Timestamps()
    var now: Int64
    var actors: [Actor] = []
    private var nextPid = 12000
    private var sessionNo = 40

    init(options: GeneratorOptions) {
        rng = SplitMix64(seed: options.seed)
        now = options.startMs
        func add(_ c: Category, _ count: Int, idleMs: Double) {
            for _ in 0..<count { actors.append(Actor(category: c.rawValue, idleMeanMs: idleMs * options.idleScale)) }
        }
        add(.noise, 1, idleMs: 1)
        add(.legit, 3, idleMs: 12 * 60_000)
        add(.brute, 2, idleMs: 3 * 3_600_000)
        add(.slow, 3, idleMs: 60 * 60_000)
        add(.scanner, 3, idleMs: 10 * 60_000)
        add(.oddity, 1, idleMs: 8 * 60_000)
        scheduleFirstCampaigns(&actors, now: now, rng: &rng)
    }

    private mutating func newPid() -> Int {
        nextPid += rng.int(1...40)
        if nextPid > 4_000_000 { nextPid = 1000 }
        return nextPid
    }

    private func head(_ w: ByteWriter, _ program: StaticString, _ pid: Int) {
        ts.writeSyslog(w); w.str(" pbx "); w.str(program); w.byte(91); w.dec(pid); w.str("]: ")
    }

    private func sshd(_ w: ByteWriter, _ a: Actor) { head(w, "sshd", a.thread) }

    private func fromIP(_ w: ByteWriter, _ a: Actor) {
        w.str(" from "); w.bytes(a.peer.ip); w.str(" port "); w.dec(a.port)
    }

    private func ipPort(_ w: ByteWriter, _ a: Actor) {
        w.byte(32); w.bytes(a.peer.ip); w.str(" port "); w.dec(a.port)
    }

    mutating func fire(_ a: inout Actor, _ w: ByteWriter) {
        switch Category(rawValue: a.category)! {
        case .noise: noise(&a, w)
        case .legit: legit(&a, w)
        case .brute, .slow: brute(&a, w)
        case .scanner: scanner(&a, w)
        case .oddity: oddity(&a, w)
        }
    }

    private static let staff = Pool(["alice", "bob", "carol", "deploy", "backup"])
    private static let commands = Pool(["/usr/bin/systemctl status asterisk", "/usr/sbin/asterisk -rx core show channels",
                                        "/usr/bin/apt update", "/usr/bin/tail -f /var/log/asterisk/full",
                                        "/usr/bin/fail2ban-client status sshd"])

    private mutating func noise(_ a: inout Actor, _ w: ByteWriter) {
        switch rng.below(8) {
        case 0, 1:
            head(w, "CRON", newPid())
            w.str("pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)")
        case 2, 3:
            head(w, "CRON", nextPid); w.str("pam_unix(cron:session): session closed for user root")
        case 4:
            let user = Self.staff.pick(&rng)
            ts.writeSyslog(w); w.str(" pbx sudo:    "); w.bytes(user); w.str(" : TTY=pts/"); w.dec(rng.below(4))
            w.str(" ; PWD=/home/"); w.bytes(user); w.str(" ; USER=root ; COMMAND="); w.bytes(Self.commands.pick(&rng))
        case 5:
            ts.writeSyslog(w); w.str(" pbx sudo: pam_unix(sudo:session): session opened for user root(uid=0) by ")
            w.bytes(Self.staff.pick(&rng)); w.str("(uid=1000)")
        case 6:
            head(w, "systemd", 1); w.str("Starting sysstat-collect.service - system activity accounting tool...")
        default:
            head(w, "systemd-logind", 612); w.str("Session "); w.dec(sessionNo - rng.below(5))
            w.str(" logged out. Waiting for processes to exit.")
        }
        w.endLine()
        a.next = now + rng.expDelay(meanMs: 2_500)
    }

    /// A staff login: publickey (sometimes after a rejected key) or password (sometimes mistyped).
    private mutating func legit(_ a: inout Actor, _ w: ByteWriter) {
        if !a.active {
            a.active = true
            a.peer = rng.chance(0.7) ? Peer(ip: Array("198.51.100.23".utf8), isV6: false)
                                     : Peer(ip: Array("2001:db8:100::23".utf8), isV6: true)
            a.thread = newPid()
            a.port = rng.int(40000...65000)
            a.user = Self.staff.pick(&rng)
            a.shape = rng.below(4)                      // 0,1 publickey; 2 password; 3 password mistyped
            a.counter = a.shape == 3 ? rng.int(1...2) : 0
            a.step = rng.chance(0.5) ? 0 : 1           // 0: VERBOSE "Connection from" first
        }
        sshd(w, a)
        switch a.step {
        case 0:
            w.str("Connection from "); w.bytes(a.peer.ip); w.str(" port "); w.dec(a.port)
            w.str(" on 203.0.113.10 port 22 rdomain \"\""); a.step = 1
        case 1 where a.shape == 1:
            w.str("Failed publickey for "); w.bytes(a.user); fromIP(w, a); w.str(" ssh2: RSA SHA256:")
            w.randomHex(&rng, count: 43); a.step = 2
        case 1 where a.counter > 0:
            w.str("Failed password for "); w.bytes(a.user); fromIP(w, a); w.str(" ssh2")
            a.counter -= 1
        case 1, 2:
            w.str(a.shape >= 2 ? "Accepted password for " : "Accepted publickey for "); w.bytes(a.user); fromIP(w, a)
            if a.shape >= 2 { w.str(" ssh2") } else { w.str(" ssh2: ED25519 SHA256:"); w.randomHex(&rng, count: 43) }
            a.step = 3
        case 3:
            w.str("pam_unix(sshd:session): session opened for user "); w.bytes(a.user); w.str("(uid=1000) by (uid=0)")
            a.step = 4
        case 4:
            w.str("Received disconnect from "); w.bytes(a.peer.ip); w.str(" port "); w.dec(a.port)
            w.str(":11: disconnected by user"); a.step = 5
        case 5:
            w.str("Disconnected from user "); w.bytes(a.user); ipPort(w, a); a.step = 6
        default:
            w.str("pam_unix(sshd:session): session closed for user "); w.bytes(a.user)
            w.endLine()
            a.finish(now: now, rng: &rng)
            return
        }
        w.endLine()
        a.next = now + (a.step == 4 ? rng.expDelay(meanMs: 20 * 60_000) : rng.expDelay(meanMs: 400))
    }

    private static let dictionary = Pool(["admin", "test", "user", "oracle", "postgres", "ubuntu", "pi", "git",
                                          "guest", "ftpuser", "asterisk", "support", "www-data", "hadoop", "debian"])

    /// Brute force: many connections; each tries a dictionary user or root a few times.
    private mutating func brute(_ a: inout Actor, _ w: ByteWriter) {
        if !a.active {
            a.active = true
            a.peer = Peer.random(&rng, v6Share: 0.1)
            a.remaining = a.category == Category.slow.rawValue ? rng.int(10...80) : rng.int(50...800)
            a.gapMeanMs = a.category == Category.slow.rawValue ? Double(rng.int(5...40)) * 60_000
                                                                 : Double(rng.int(3000...20000))
            // a few attackers' reverse DNS shows up in pam's rhost instead of the address
            a.extra = rng.chance(0.15) && !a.peer.isV6
                ? Array("host-".utf8) + a.peer.ip.map { $0 == 46 ? 45 : $0 } + Array(".dyn.example.net".utf8)
                : a.peer.ip
            a.step = 0
            a.counter = 0
        }
        if a.step == 0 && a.counter == 0 {   // a new connection
            a.thread = newPid()
            a.port = rng.int(1024...65000)
            a.shape = rng.chance(0.35) ? 1 : 0         // 1: root, 0: invalid dictionary user
            a.user = a.shape == 1 ? Array("root".utf8) : Self.dictionary.pick(&rng)
            a.counter = a.shape == 1 ? rng.int(1...6) : 1
            a.channel = UInt64(a.counter)
        }
        sshd(w, a)
        var nextStep = a.step + 1
        if a.shape == 0 {
            switch a.step {
            case 0: w.str("Invalid user "); w.bytes(a.user); fromIP(w, a)
            case 1: w.str("pam_unix(sshd:auth): check pass; user unknown")
            case 2:
                w.str("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=")
                w.bytes(a.extra)
            case 3: w.str("Failed password for invalid user "); w.bytes(a.user); fromIP(w, a); w.str(" ssh2")
            case 4: w.str("Received disconnect from "); w.bytes(a.peer.ip); w.str(" port "); w.dec(a.port); w.str(":11: Bye Bye [preauth]")
            default:
                w.str("Disconnected from invalid user "); w.bytes(a.user); ipPort(w, a); w.str(" [preauth]")
                nextStep = -1
            }
        } else {
            switch a.step {
            case 0:
                w.str("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=")
                w.bytes(a.extra); w.str("  user=root")
            case 1:
                w.str("Failed password for root"); fromIP(w, a); w.str(" ssh2")
                a.counter -= 1
                // six tries end with sshd's own limit; fewer with the client going away
                nextStep = a.counter > 0 ? 0 : (a.channel == 6 ? 2 : 3)
            case 2:
                w.str("error: maximum authentication attempts exceeded for root"); fromIP(w, a); w.str(" ssh2 [preauth]")
                nextStep = 4
            case 3:
                w.str("Connection closed by authenticating user root"); ipPort(w, a); w.str(" [preauth]")
                nextStep = -1
            default:
                w.str("Disconnecting authenticating user root"); ipPort(w, a)
                w.str(": Too many authentication failures [preauth]")
                nextStep = -1
            }
        }
        w.endLine()
        if nextStep < 0 {
            a.step = 0
            a.counter = 0
            a.remaining -= 1
            if a.remaining <= 0 { a.finish(now: now, rng: &rng); return }
            a.next = now + rng.expDelay(meanMs: a.gapMeanMs)
        } else {
            a.step = nextStep
            a.next = now + rng.expDelay(meanMs: nextStep == 1 || nextStep == 4 ? 2000 : 30)
        }
    }

    /// Pre-auth noise from scanners, one connection per line or two.
    private mutating func scanner(_ a: inout Actor, _ w: ByteWriter) {
        if !a.active {
            a.active = true
            a.peer = Peer.random(&rng, v6Share: 0.1)
            a.remaining = rng.int(1...60)
            a.gapMeanMs = Double(rng.int(500...60_000))
            a.shape = rng.below(9)
            a.step = 0
        }
        if a.step == 0 { a.thread = newPid(); a.port = rng.int(1024...65000) }
        sshd(w, a)
        var done = true
        switch a.shape {
        case 0: w.str("Did not receive identification string"); fromIP(w, a)
        case 1:
            if a.step == 0 { w.str("kex_exchange_identification: Connection closed by remote host"); done = false }
            else { w.str("Connection closed by"); ipPort(w, a) }
        case 2:
            if a.step == 0 { w.str("error: kex_exchange_identification: read: Connection reset by peer"); done = false }
            else { w.str("Connection reset by"); ipPort(w, a) }
        case 3:
            w.str("Unable to negotiate with "); w.bytes(a.peer.ip); w.str(" port "); w.dec(a.port)
            w.str(": no matching key exchange method found. Their offer: diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1,diffie-hellman-group1-sha1 [preauth]")
        case 4:
            w.str("Unable to negotiate with "); w.bytes(a.peer.ip); w.str(" port "); w.dec(a.port)
            w.str(": no matching host key type found. Their offer: ssh-rsa,ssh-dss [preauth]")
        case 5: w.str("banner exchange: Connection from "); w.bytes(a.peer.ip); w.str(" port "); w.dec(a.port); w.str(": invalid format")
        case 6: w.str("Connection closed by"); ipPort(w, a); w.str(" [preauth]")
        case 7:
            if a.step == 0 {
                w.str("Received disconnect from "); w.bytes(a.peer.ip); w.str(" port "); w.dec(a.port)
                w.str(":14: No supported authentication methods available [preauth]"); done = false
            } else { w.str("Disconnected from"); ipPort(w, a); w.str(" [preauth]") }
        default:
            w.str("error: kex_exchange_identification: client sent invalid protocol identifier \"GET / HTTP/1.1\"")
        }
        w.endLine()
        if done {
            a.step = 0
            a.remaining -= 1
            if a.remaining <= 0 { a.finish(now: now, rng: &rng); return }
            a.next = now + rng.expDelay(meanMs: a.gapMeanMs)
        } else {
            a.step = 1
            a.next = now + rng.expDelay(meanMs: 5)
        }
    }

    /// Rare shapes and hostile user names.
    private mutating func oddity(_ a: inout Actor, _ w: ByteWriter) {
        a.peer = Peer.random(&rng, v6Share: 0.3)
        a.thread = newPid()
        a.port = rng.int(1024...65000)
        sshd(w, a)
        switch rng.below(11) {
        case 0: w.str("User root"); w.str(" from "); w.bytes(a.peer.ip); w.str(" not allowed because not listed in AllowUsers")
        case 1: w.str("error: PAM: Authentication failure for illegal user admin from "); w.bytes(a.peer.ip)
        case 2:
            w.str("Disconnecting invalid user admin"); ipPort(w, a)
            w.str(": Change of username or service not allowed: (admin,ssh-connection) -> (test,ssh-connection) [preauth]")
        case 3: w.str("error: Received disconnect from "); w.bytes(a.peer.ip); w.str(" port "); w.dec(a.port); w.str(":3: com.jcraft.jsch.JSchException: Auth fail [preauth]")
        case 4: w.str("Invalid user admin test"); fromIP(w, a)
        case 5: w.str("Failed password for invalid user  from "); w.bytes(a.peer.ip); w.str(" port "); w.dec(a.port); w.str(" ssh2")
        case 6: w.str("Invalid user from 192.0.2.66"); fromIP(w, a)
        case 7: w.str("Failed password for invalid user J\u{00FC}rgen"); fromIP(w, a); w.str(" ssh2")
        case 8: w.str("Received disconnect from "); w.bytes(a.peer.ip); w.str(" port "); w.dec(a.port); w.str(":14: No more user authentication methods available. [preauth]")
        case 9: w.str("Disconnected from authenticating user root"); ipPort(w, a); w.str(" [preauth]")
        default: w.str("Failed none for invalid user "); w.byte(0xff); w.str("x"); fromIP(w, a); w.str(" ssh2")
        }
        w.endLine()
        a.next = now + rng.expDelay(meanMs: a.idleMeanMs)
    }
}
