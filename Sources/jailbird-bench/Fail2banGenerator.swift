/// Writes fail2ban's own log (`2024-01-15 10:23:45,123 fail2ban.actions        [812]: NOTICE  [sshd] Ban 1.2.3.4`)
/// by running a toy jail model: attackers produce `Found` lines, five within ten minutes give a `Ban`, bans
/// end with `Unban`, repeat offenders get a `[recidive] Ban`; restarts log `Restore Ban`; plus server noise.
struct Fail2banGenerator {
    private enum Category: Int {
        case noise, attacker, restart
    }

    private struct Pending {
        var due: Int64
        var jail: Int
        var ip: [UInt8]
    }

    private struct Offender {
        var found: [Int64] = []          // recent Found times (per jail 0/1)
        var bans: [Int64] = []           // recent ban times, all jails (for recidive)
        var bannedUntil: [Int64] = [0, 0, 0]
    }

    private static let jails: [StaticString] = ["sshd", "asterisk", "recidive"]
    private static let bantimes: [Int64] = [600_000, 3_600_000, 7 * 86_400_000]

    private var rng: SplitMix64
    private var ts = Timestamps()
    private var now: Int64
    private var actors: [Actor] = []
    private var unbans: [Pending] = []
    private var offenders: [[UInt8]: Offender] = [:]
    private var pid = 812

    init(options: GeneratorOptions) {
        rng = SplitMix64(seed: options.seed)
        now = options.startMs
        actors.append(Actor(category: Category.noise.rawValue, idleMeanMs: 1))
        for _ in 0..<6 { actors.append(Actor(category: Category.attacker.rawValue, idleMeanMs: 20 * 60_000 * options.idleScale)) }
        actors.append(Actor(category: Category.restart.rawValue, idleMeanMs: 3 * 86_400_000 * options.idleScale))
        scheduleFirstCampaigns(&actors, now: now, rng: &rng)
        // a restart's Restore lines need a first start
        actors[actors.count - 1].next = now
    }

    mutating func run(into w: ByteWriter, limit: Int) {
        while w.totalBytes < limit {
            let i = nextActor(actors)
            let firstUnban = unbans.indices.min { unbans[$0].due < unbans[$1].due }
            if let u = firstUnban, unbans[u].due <= actors[i].next {
                let p = unbans.remove(at: u)
                setTime(p.due)
                head(w, "fail2ban.actions        ", "NOTICE  "); jailTag(w, p.jail); w.str(" Unban "); w.bytes(p.ip)
                w.endLine()
                continue
            }
            setTime(actors[i].next)
            var actor = actors[i]        // a copy: the handlers also mutate self
            switch Category(rawValue: actor.category)! {
            case .noise: noise(&actor, w)
            case .attacker: attacker(&actor, w)
            case .restart: restart(&actor, w)
            }
            actors[i] = actor
        }
    }

    private mutating func setTime(_ ms: Int64) {
        now = max(now, ms)
        ts.set(ms: now)
    }

    private func head(_ w: ByteWriter, _ logger: StaticString, _ level: StaticString) {
        ts.writeISO(w); w.byte(44); w.dec(ts.millisecond, width: 3); w.byte(32)
        w.str(logger); w.byte(91); w.dec(pid); w.str("]: "); w.str(level)
    }

    private func jailTag(_ w: ByteWriter, _ jail: Int) {
        w.byte(91); w.str(Self.jails[jail]); w.byte(93)
    }

    private mutating func noise(_ a: inout Actor, _ w: ByteWriter) {
        switch rng.below(5) {
        case 0:
            head(w, "fail2ban.filter         ", "INFO    "); jailTag(w, rng.below(2))
            w.str(" Ignore 198.51.100.23 by ip")
        case 1:
            head(w, "fail2ban.filter         ", "INFO    "); w.str("[sshd] Found 198.51.100.23 - ")
            ts.writeISO(w)
        case 2:
            head(w, "fail2ban.filter         ", "INFO    ")
            w.str("Added logfile: '/var/log/asterisk/full' (pos = "); w.dec(rng.int(1000...900_000_000))
            w.str(", hash = "); w.randomHex(&rng, count: 40); w.byte(39)
        case 3:
            head(w, "fail2ban.utils          ", "ERROR   "); w.str("7f3a2c01b2a0 -- exec: iptables -w -n -L f2b-sshd")
        default:
            head(w, "fail2ban.ipdns          ", "WARNING ")
            w.str("Unable to find a corresponding IP address for host.example.net: [Errno -2] Name or service not known")
        }
        w.endLine()
        a.next = now + rng.expDelay(meanMs: 45 * 60_000)
    }

    private mutating func attacker(_ a: inout Actor, _ w: ByteWriter) {
        if !a.active {
            a.active = true
            // a small pool of addresses makes repeat offenders (and thus recidive) likely
            var pick = SplitMix64(seed: UInt64(rng.below(40)) &+ 77)
            a.peer = Peer.random(&pick, v6Share: 0.15)
            a.shape = rng.below(2)                       // jail
            a.remaining = rng.int(3...40)
            a.gapMeanMs = Double(rng.int(2...90)) * 1000
        }
        let jail = a.shape
        var off = offenders[a.peer.ip] ?? Offender()
        // the line's own time stamp trails the found time by a moment
        let lineTime = now - Int64(rng.below(3)) * 1000
        head(w, "fail2ban.filter         ", "INFO    "); jailTag(w, jail); w.str(" Found "); w.bytes(a.peer.ip)
        w.str(" - ")
        var t = Timestamps(); t.set(ms: lineTime); t.writeISO(w)
        w.endLine()
        off.found.append(now)
        off.found.removeAll { $0 < now - 600_000 }
        if off.found.count >= 5 {
            off.found.removeAll()
            if off.bannedUntil[jail] >= now {
                head(w, "fail2ban.actions        ", "WARNING "); jailTag(w, jail); w.byte(32); w.bytes(a.peer.ip)
                w.str(" already banned")
                w.endLine()
            } else {
                ban(jail, a.peer.ip, &off, w)
                if rng.chance(0.95) { a.remaining = 1 }     // the firewall now drops it
                off.bans.append(now)
                off.bans.removeAll { $0 < now - 86_400_000 }
                if off.bans.count >= 5 && off.bannedUntil[2] < now {
                    setTime(now + Int64(rng.int(1...900)))
                    ban(2, a.peer.ip, &off, w)
                    off.bans.removeAll()
                }
            }
        }
        offenders[a.peer.ip] = off
        a.remaining -= 1
        if a.remaining <= 0 { a.finish(now: now, rng: &rng) } else { a.next = now + rng.expDelay(meanMs: a.gapMeanMs) }
    }

    private mutating func ban(_ jail: Int, _ ip: [UInt8], _ off: inout Offender, _ w: ByteWriter) {
        head(w, "fail2ban.actions        ", "NOTICE  "); jailTag(w, jail); w.str(" Ban "); w.bytes(ip)
        w.endLine()
        let until = now + Self.bantimes[jail]
        off.bannedUntil[jail] = until
        unbans.append(Pending(due: until, jail: jail, ip: ip))
    }

    /// A restart: server banner, jails created, bans still running restored.
    private mutating func restart(_ a: inout Actor, _ w: ByteWriter) {
        pid = rng.int(500...4000)
        head(w, "fail2ban.server         ", "INFO    "); w.str("--------------------------------------------------")
        w.endLine()
        head(w, "fail2ban.server         ", "INFO    "); w.str("Starting Fail2ban v1.0.2"); w.endLine()
        head(w, "fail2ban.observer       ", "INFO    "); w.str("Observer start..."); w.endLine()
        head(w, "fail2ban.database       ", "INFO    ")
        w.str("Connected to fail2ban persistent database '/var/lib/fail2ban/fail2ban.sqlite3'"); w.endLine()
        for jail in 0..<3 {
            head(w, "fail2ban.jail           ", "INFO    "); w.str("Creating new jail '"); w.str(Self.jails[jail]); w.byte(39)
            w.endLine()
            head(w, "fail2ban.jail           ", "INFO    "); w.str("Jail '"); w.str(Self.jails[jail])
            w.str("' uses pyinotify {}"); w.endLine()
        }
        for jail in 0..<3 {
            head(w, "fail2ban.jail           ", "INFO    "); w.str("Jail '"); w.str(Self.jails[jail]); w.str("' started")
            w.endLine()
        }
        for p in unbans.sorted(by: { $0.due < $1.due }) {
            head(w, "fail2ban.actions        ", "NOTICE  "); jailTag(w, p.jail); w.str(" Restore Ban "); w.bytes(p.ip)
            w.endLine()
        }
        a.next = now + rng.expDelay(meanMs: a.idleMeanMs)
    }
}
