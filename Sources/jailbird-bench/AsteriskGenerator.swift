/// Writes an Asterisk `full` log: `[2024-01-15 10:23:45] LEVEL[thread][C-0000abcd] file.c: message`.
/// Mostly call and registration noise; failures in every shape the stock `asterisk` filter knows, from
/// heavy and slow brute-forcers, extension scanners, one-off oddities and an office that mistypes.
struct AsteriskGenerator: ActorDrivenLog {
    private enum Category: Int {
        case noise, call, phones, heavy, slow, scanner, office, oddity
    }

    private var rng: SplitMix64
    var ts = Timestamps()
    var now: Int64
    var actors: [Actor] = []
    private var channelCounter: UInt64 = 0x1a2
    private let localIP: [UInt8] = Array("203.0.113.10".utf8)
    private let officeIP: [UInt8] = Array("198.51.100.23".utf8)

    private let idleScale: Double

    init(options: GeneratorOptions) {
        idleScale = options.idleScale
        rng = SplitMix64(seed: options.seed)
        now = options.startMs
        func add(_ c: Category, _ count: Int, idleMs: Double) {
            for _ in 0..<count { actors.append(Actor(category: c.rawValue, idleMeanMs: idleMs * options.idleScale)) }
        }
        add(.noise, 1, idleMs: 1)
        add(.call, 6, idleMs: 8_000)
        add(.phones, 1, idleMs: 1)
        add(.heavy, 1, idleMs: 4 * 3_600_000)
        add(.slow, 4, idleMs: 40 * 60_000)
        add(.scanner, 2, idleMs: 25 * 60_000)
        add(.office, 1, idleMs: 1)
        add(.oddity, 1, idleMs: 3 * 60_000)
        scheduleFirstCampaigns(&actors, now: now, rng: &rng)
    }

    // MARK: line pieces

    private func head(_ w: ByteWriter, _ level: StaticString, _ thread: Int) {
        w.byte(91); ts.writeISO(w); w.str("] "); w.str(level); w.byte(91); w.dec(thread); w.byte(93)
    }

    private func channelTag(_ w: ByteWriter, _ channel: UInt64) {
        w.str("[C-"); w.hex(channel, width: 8); w.byte(93)
    }

    private func eventTV(_ w: ByteWriter) {
        w.str("EventTV=\"")
        w.dec(ts.year, width: 4); w.byte(45); w.dec(ts.month, width: 2); w.byte(45); w.dec(ts.day, width: 2)
        w.byte(84); ts.writeClock(w); w.byte(46); w.dec(ts.millisecond, width: 3); w.str("+0000\"")
    }

    /// `IP:port` as chan_sip and PJSIP print it (IPv6 in brackets).
    private func hostPort(_ w: ByteWriter, _ peer: Peer, _ port: Int) {
        if peer.isV6 { w.byte(91); w.bytes(peer.ip); w.byte(93) } else { w.bytes(peer.ip) }
        w.byte(58); w.dec(port)
    }

    private func securityAddress(_ w: ByteWriter, _ peer: Peer, _ transport: StaticString, _ port: Int) {
        w.str(peer.isV6 ? "IPV6/" : "IPV4/"); w.str(transport); w.byte(47); w.bytes(peer.ip); w.byte(47); w.dec(port)
    }

    private mutating func sessionID(_ w: ByteWriter) {
        w.str("SessionID=\"0x7f"); w.randomHex(&rng, count: 9); w.byte(34)
    }

    private mutating func newThread() -> Int { rng.int(1200...32000) }

    // MARK: actors

    mutating func fire(_ a: inout Actor, _ w: ByteWriter) {
        switch Category(rawValue: a.category)! {
        case .noise: noise(&a, w)
        case .call: call(&a, w)
        case .phones: phones(&a, w)
        case .heavy, .slow: bruteForce(&a, w)
        case .scanner: scanner(&a, w)
        case .office: office(&a, w)
        case .oddity: oddity(&a, w)
        }
    }

    private static let trunkNames = Pool(["trunk-provider", "sipgate", "voip-backup"])
    private static let lanPhones: [Int] = Array(100...124)

    private mutating func noise(_ a: inout Actor, _ w: ByteWriter) {
        let t = newThread()
        switch rng.below(12) {
        case 0, 1:
            head(w, "DEBUG", t); channelTag(w, channelCounter &- UInt64(rng.below(4)))
            w.str(" res_rtp_asterisk.c: (0x7f"); w.randomHex(&rng, count: 9); w.str(") RTP allocated port ")
            w.dec(rng.int(10000...20000) & ~1)
        case 2:
            head(w, "WARNING", t)
            w.str(" chan_sip.c: Retransmission timeout reached on transmission "); w.randomHex(&rng, count: 8)
            w.str("-"); w.randomHex(&rng, count: 4); w.str("@192.168.1."); w.dec(rng.int(20...60))
            w.str(" for seqno "); w.dec(rng.int(100...900))
            w.str(" (Critical Request) -- See https://wiki.asterisk.org/wiki/display/AST/SIP+Retransmissions")
        case 3:
            head(w, "NOTICE", t); w.str(" chan_sip.c: Peer '"); w.bytes(Self.trunkNames.pick(&rng))
            w.str("' is now Reachable. ("); w.dec(rng.int(8...90)); w.str("ms / 2000ms)")
        case 4:
            head(w, "NOTICE", t); w.str(" res_pjsip/pjsip_options.c: Contact ")
            let ext = rng.pick(Self.lanPhones)
            w.dec(ext); w.str("/sip:"); w.dec(ext); w.str("@192.168.1."); w.dec(ext - 70)
            w.str(":5060;ob is now Unreachable.  RTT: 0.000 msec")
        case 5:
            head(w, "NOTICE", t); channelTag(w, channelCounter)
            let p = Peer.random(&rng, v6Share: 0)
            w.str(" res_rtp_asterisk.c: Strict RTP learning complete - Locking on source address ")
            w.bytes(p.ip); w.byte(58); w.dec(rng.int(10000...60000))
        case 6:
            head(w, "WARNING", t)
            w.str(" res_pjsip_outbound_registration.c: No response received from 'sip:sip.provider.example' on registration attempt to 'sip:4930")
            w.dec(rng.int(100000...999999)); w.str("@sip.provider.example', retrying in '60'")
        case 7:
            head(w, "NOTICE", t)
            w.str(" res_pjsip_outbound_registration.c: Outbound registration to 'sip:sip.provider.example' with client 'sip:4930123456@sip.provider.example' failed, retrying in '60' seconds")
        case 8:
            head(w, "VERBOSE", t); w.str(" manager.c: Manager 'monitor' logged "); w.str(rng.chance(0.5) ? "on" : "off")
            w.str(" from 127.0.0.1")
        case 9:
            head(w, "SECURITY", t); w.str(" res_security_log.c: SecurityEvent=\"SuccessfulAuth\",")
            eventTV(w)
            w.str(",Severity=\"Informational\",Service=\"AMI\",EventVersion=\"1\",AccountID=\"monitor\",")
            sessionID(w); w.str(",LocalAddress=\"IPV4/TCP/127.0.0.1/5038\",RemoteAddress=\"IPV4/TCP/127.0.0.1/")
            w.dec(rng.int(30000...60000)); w.str("\",UsingPassword=\"1\"")
        case 10:
            head(w, "WARNING", t)
            w.str(" taskprocessor.c: The 'stasis/m:manager:core-00000006' task processor queue reached 500 scheduled tasks again.")
        default:
            head(w, "DEBUG", t); w.str(" res_pjsip/pjsip_distributor.c: Request 'OPTIONS' from '<sip:")
            w.dec(rng.pick(Self.lanPhones)); w.str("@192.168.1.10>' matched endpoint")
        }
        w.endLine()
        a.next = now + rng.expDelay(meanMs: 700)
    }

    private static let dialApps = Pool(["Dial(\"PJSIP/%-%\", \"PJSIP/&,20,tT\")", "Set(\"PJSIP/%-%\", \"CDR(userfield)=office\")",
                                         "Answer(\"PJSIP/%-%\", \"\")", "NoOp(\"PJSIP/%-%\", \"Inbound call\")",
                                         "GotoIf(\"PJSIP/%-%\", \"0?voicemail\")", "Macro(\"PJSIP/%-%\", \"user-callerid,\")"])

    private mutating func call(_ a: inout Actor, _ w: ByteWriter) {
        if !a.active {
            a.active = true
            channelCounter &+= 1
            a.channel = channelCounter
            a.thread = newThread()
            a.counter = rng.pick(Self.lanPhones)           // caller
            a.port = rng.pick(Self.lanPhones)              // callee
            a.remaining = rng.int(2...6)                   // dialplan priorities
            a.step = 0
        }
        let chanNo = a.channel & 0xffff
        switch a.step {
        case 0:
            // dialplan: `-- Executing [ext@context:prio] App("PJSIP/101-000001a2", "args") in new stack`
            head(w, "VERBOSE", a.thread); channelTag(w, a.channel)
            w.str(" pbx.c: -- Executing ["); w.dec(a.port); w.str("@from-internal:"); w.dec(a.counter % 7 + 1)
            w.str("] ")
            for c in Self.dialApps.pick(&rng) {
                if c == 37 { w.dec(a.counter); w.byte(45); w.hex(chanNo, width: 8) }      // %
                else if c == 38 { w.dec(a.port) }                                          // &
                else { w.byte(c) }
            }
            w.str(" in new stack")
            a.remaining -= 1
            if a.remaining == 0 { a.step = 1 }
            a.next = now + rng.expDelay(meanMs: 15)
        case 1:
            head(w, "VERBOSE", a.thread); channelTag(w, a.channel)
            w.str(" app_dial.c: -- Called PJSIP/"); w.dec(a.port)
            a.step = 2; a.next = now + rng.expDelay(meanMs: 40)
        case 2:
            head(w, "VERBOSE", a.thread); channelTag(w, a.channel)
            w.str(" app_dial.c: -- PJSIP/"); w.dec(a.port); w.byte(45); w.hex(chanNo + 1, width: 8); w.str(" is ringing")
            a.step = rng.chance(0.8) ? 3 : 5; a.next = now + rng.expDelay(meanMs: 6000)
        case 3:
            head(w, "VERBOSE", a.thread); channelTag(w, a.channel)
            w.str(" app_dial.c: -- PJSIP/"); w.dec(a.port); w.byte(45); w.hex(chanNo + 1, width: 8)
            w.str(" answered PJSIP/"); w.dec(a.counter); w.byte(45); w.hex(chanNo, width: 8)
            a.step = 4; a.next = now + rng.expDelay(meanMs: 5)
        case 4:
            head(w, "VERBOSE", a.thread); channelTag(w, a.channel)
            w.str(" bridge_channel.c: -- Channel PJSIP/"); w.dec(a.port); w.byte(45); w.hex(chanNo + 1, width: 8)
            w.str(" joined 'simple_bridge' basic-bridge <"); w.randomHex(&rng, count: 8); w.byte(45)
            w.randomHex(&rng, count: 4); w.str("-4"); w.randomHex(&rng, count: 3); w.byte(45); w.randomHex(&rng, count: 4)
            w.byte(45); w.randomHex(&rng, count: 12); w.byte(62)
            a.step = 5; a.next = now + rng.expDelay(meanMs: 90_000)
        default:
            head(w, "VERBOSE", a.thread); channelTag(w, a.channel)
            w.str(" pbx.c: Spawn extension (from-internal, "); w.dec(a.port); w.str(", 1) exited non-zero on 'PJSIP/")
            w.dec(a.counter); w.byte(45); w.hex(chanNo, width: 8); w.byte(39)
            a.finish(now: now, rng: &rng)
        }
        w.endLine()
    }

    private mutating func phones(_ a: inout Actor, _ w: ByteWriter) {
        let ext = rng.pick(Self.lanPhones)
        let t = newThread()
        switch rng.below(4) {
        case 0:
            head(w, "VERBOSE", t); w.str(" res_pjsip_registrar.c: -- Added contact 'sip:"); w.dec(ext)
            w.str("@192.168.1."); w.dec(ext - 70); w.str(":5060;ob' to AOR '"); w.dec(ext)
            w.str("' with expiration of 300 seconds")
        case 1:
            head(w, "VERBOSE", t); w.str(" res_pjsip/pjsip_configuration.c: Endpoint "); w.dec(ext)
            w.str(" is now Reachable")
        case 2:
            head(w, "SECURITY", t); w.str(" res_security_log.c: SecurityEvent=\"ChallengeSent\",")
            eventTV(w); w.str(",Severity=\"Informational\",Service=\"PJSIP\",EventVersion=\"1\",AccountID=\"")
            w.dec(ext); w.str("\","); sessionID(w)
            w.str(",LocalAddress=\"IPV4/UDP/192.168.1.10/5060\",RemoteAddress=\"IPV4/UDP/192.168.1.")
            w.dec(ext - 70); w.str("/5060\",Challenge=\""); w.randomHex(&rng, count: 8); w.byte(34)
        default:
            head(w, "SECURITY", t); w.str(" res_security_log.c: SecurityEvent=\"SuccessfulAuth\",")
            eventTV(w); w.str(",Severity=\"Informational\",Service=\"PJSIP\",EventVersion=\"1\",AccountID=\"")
            w.dec(ext); w.str("\","); sessionID(w)
            w.str(",LocalAddress=\"IPV4/UDP/192.168.1.10/5060\",RemoteAddress=\"IPV4/UDP/192.168.1.")
            w.dec(ext - 70); w.str("/5060\",UsingPassword=\"1\"")
        }
        w.endLine()
        a.next = now + rng.expDelay(meanMs: 2500)
    }

    /// User names attackers put in the From header, hostile ones included (quotes, spaces, UTF-8,
    /// invalid bytes, text that imitates the end of a failure line).
    private static let attackerFroms: [[UInt8]] = {
        var list = Pool([
            "\"100\" <sip:100@203.0.113.10>", "<sip:admin@203.0.113.10>", "\"1000\" <sip:1000@203.0.113.10:5060>",
            "sip:101@203.0.113.10", "\"o'hara\" <sip:o'hara@203.0.113.10>", "\"a b c\" <sip:a b c@203.0.113.10>",
            "\"Jürgen\" <sip:jürgen@203.0.113.10>", "<sip:'or''='@203.0.113.10>", "\"tab\there\" <sip:t@x>",
            "<sip:x@y>' failed for '192.0.2.66:5060' (callid: 1) - Wrong password",
            "\"\" <sip:@203.0.113.10>",
        ]).items
        list.append(Array("\"\u{1}".utf8) + [0xff, 0xfe] + Array("\" <sip:bin@203.0.113.10>".utf8))
        return list
    }()

    private mutating func startCampaign(_ a: inout Actor, slow: Bool) {
        a.active = true
        a.peer = Peer.random(&rng, v6Share: 0.12)
        a.port = rng.int(1024...65000)
        a.thread = newThread()
        a.shape = rng.below(6)
        a.counter = rng.int(100...9000)
        a.user = rng.chance(0.2) ? Self.attackerFroms[rng.below(Self.attackerFroms.count)] : []
        if slow {
            a.remaining = rng.int(15...150)
            a.gapMeanMs = Double(rng.int(3...25)) * 60_000
        } else {
            a.remaining = rng.int(300...3000)
            a.gapMeanMs = Double(rng.int(100...1500))
        }
    }

    private func fromField(_ w: ByteWriter, _ a: Actor) {
        if a.user.isEmpty {
            w.str("\""); w.dec(a.counter); w.str("\" <sip:"); w.dec(a.counter); w.str("@"); w.bytes(localIP); w.byte(62)
        } else {
            w.bytes(a.user)
        }
    }

    private mutating func bruteForce(_ a: inout Actor, _ w: ByteWriter) {
        if !a.active { startCampaign(&a, slow: a.category == Category.slow.rawValue) }
        if rng.chance(0.3) { a.counter += 1 }    // try the next account now and then
        switch a.shape {
        case 0, 1:
            // chan_sip REGISTER
            head(w, "NOTICE", a.thread); w.str(" chan_sip.c: Registration from '"); fromField(w, a)
            w.str("' failed for '"); hostPort(w, a.peer, a.port)
            w.str(a.shape == 0 ? "' - Wrong password" : "' - Username/auth name mismatch")
            w.endLine()
        case 2:
            // PJSIP: challenge, then the distributor notice and the security event for the same attempt
            head(w, "SECURITY", a.thread); w.str(" res_security_log.c: SecurityEvent=\"ChallengeSent\",")
            eventTV(w); w.str(",Severity=\"Informational\",Service=\"PJSIP\",EventVersion=\"1\",AccountID=\"")
            w.dec(a.counter); w.str("\","); sessionID(w); w.str(",LocalAddress=\"IPV4/UDP/"); w.bytes(localIP)
            w.str("/5060\",RemoteAddress=\""); securityAddress(w, a.peer, "UDP", a.port); w.str("\",Challenge=\"")
            w.randomHex(&rng, count: 8); w.byte(34)
            w.endLine()
            head(w, "NOTICE", a.thread); w.str(" res_pjsip/pjsip_distributor.c: Request 'REGISTER' from '"); fromField(w, a)
            w.str("' failed for '"); hostPort(w, a.peer, a.port); w.str("' (callid: "); w.randomHex(&rng, count: 16)
            w.str(") - Failed to authenticate")
            w.endLine()
            head(w, "SECURITY", a.thread); w.str(" res_security_log.c: SecurityEvent=\"ChallengeResponseFailed\",")
            eventTV(w); w.str(",Severity=\"Error\",Service=\"PJSIP\",EventVersion=\"1\",AccountID=\"")
            w.dec(a.counter); w.str("\","); sessionID(w); w.str(",LocalAddress=\"IPV4/UDP/"); w.bytes(localIP)
            w.str("/5060\",RemoteAddress=\""); securityAddress(w, a.peer, "UDP", a.port); w.str("\",Challenge=\"")
            w.randomHex(&rng, count: 8); w.str("\",Response=\""); w.randomHex(&rng, count: 32); w.str("\",ExpectedResponse=\"\"")
            w.endLine()
        case 3:
            head(w, "SECURITY", a.thread); w.str(" res_security_log.c: SecurityEvent=\"InvalidPassword\",")
            eventTV(w); w.str(",Severity=\"Error\",Service=\"SIP\",EventVersion=\"2\",AccountID=\"")
            w.dec(a.counter); w.str("\","); sessionID(w); w.str(",LocalAddress=\"IPV4/UDP/"); w.bytes(localIP)
            w.str("/5060\",RemoteAddress=\""); securityAddress(w, a.peer, "UDP", a.port); w.str("\",Challenge=\"")
            w.randomHex(&rng, count: 8); w.str("\",ReceivedChallenge=\""); w.randomHex(&rng, count: 8)
            w.str("\",ReceivedHash=\""); w.randomHex(&rng, count: 32); w.byte(34)
            w.endLine()
        case 4:
            head(w, "SECURITY", a.thread); w.str(" res_security_log.c: SecurityEvent=\"InvalidAccountID\",")
            eventTV(w); w.str(",Severity=\"Error\",Service=\"SIP\",EventVersion=\"1\",AccountID=\"")
            w.dec(a.counter); w.str("\","); sessionID(w); w.str(",LocalAddress=\"IPV4/UDP/"); w.bytes(localIP)
            w.str("/5060\",RemoteAddress=\""); securityAddress(w, a.peer, "UDP", a.port); w.byte(34)
            w.endLine()
        default:
            head(w, "NOTICE", a.thread); w.str(" chan_sip.c: Registration from '"); fromField(w, a)
            w.str("' failed for '"); hostPort(w, a.peer, a.port); w.str("' - No matching peer found")
            w.endLine()
        }
        a.remaining -= 1
        if a.remaining <= 0 {
            a.finish(now: now, rng: &rng)
        } else {
            a.next = now + rng.expDelay(meanMs: a.gapMeanMs)
        }
    }

    private static let dialPrefixes = Pool(["9011", "0011", "00", "011", "900", "+", "00972", "0044", "9"])

    private mutating func scanner(_ a: inout Actor, _ w: ByteWriter) {
        if !a.active {
            a.active = true
            a.peer = Peer.random(&rng, v6Share: 0.1)
            a.port = rng.int(5060...5090)
            a.thread = newThread()
            a.shape = rng.below(4)
            a.remaining = rng.int(20...400)
            a.counter = rng.int(100...200)
            a.extra = Self.dialPrefixes.pick(&rng)
            a.gapMeanMs = Double(rng.int(80...2500))
            channelCounter &+= 1
            a.channel = channelCounter
        }
        a.counter += 1
        switch a.shape {
        case 0:
            head(w, "NOTICE", a.thread); channelTag(w, a.channel)
            w.str(" chan_sip.c: Call from '' ("); hostPort(w, a.peer, a.port); w.str(") to extension '")
            w.bytes(a.extra); w.dec(a.counter); w.dec(rng.int(1_000_000...9_999_999))
            w.str("' rejected because extension not found in context 'public'.")
        case 1:
            head(w, "NOTICE", a.thread); channelTag(w, a.channel)
            w.str(" res_pjsip_session.c: Call from 'anonymous' (UDP:"); hostPort(w, a.peer, a.port)
            w.str(") to extension '"); w.bytes(a.extra); w.dec(a.counter)
            w.str("' rejected because extension not found in context 'from-external'.")
        case 2:
            head(w, "NOTICE", a.thread); w.str(" res_pjsip/pjsip_distributor.c: Request '")
            w.str(rng.chance(0.5) ? "INVITE" : "OPTIONS"); w.str("' from '<sip:"); w.dec(a.counter); w.byte(64)
            w.bytes(localIP); w.str(">' failed for '"); hostPort(w, a.peer, a.port); w.str("' (callid: ")
            w.randomHex(&rng, count: 24); w.str(") - No matching endpoint found")
        default:
            head(w, "NOTICE", a.thread); w.str(" chan_sip.c: Registration from '\""); w.dec(a.counter)
            w.str("\"<sip:"); w.dec(a.counter); w.byte(64); w.bytes(localIP); w.str(":5060>' failed for '")
            hostPort(w, a.peer, a.port); w.str("' - No matching peer found")
        }
        w.endLine()
        a.remaining -= 1
        if a.remaining <= 0 { a.finish(now: now, rng: &rng) } else { a.next = now + rng.expDelay(meanMs: a.gapMeanMs) }
    }

    /// The office's phones register from one public IP; now and then someone mistypes a password.
    private mutating func office(_ a: inout Actor, _ w: ByteWriter) {
        if !a.active {
            a.active = true
            a.thread = newThread()
            a.counter = rng.int(200...209)
            a.remaining = rng.chance(0.35) ? rng.int(1...3) : 0   // mistakes before success
            a.step = 0
        }
        if a.remaining > 0 {
            head(w, "NOTICE", a.thread); w.str(" chan_sip.c: Registration from '\""); w.dec(a.counter)
            w.str("\" <sip:"); w.dec(a.counter); w.str("@pbx.example.com>' failed for '"); w.bytes(officeIP)
            w.byte(58); w.dec(5060 + a.counter - 200); w.str("' - Wrong password")
            w.endLine()
            a.remaining -= 1
            a.next = now + rng.expDelay(meanMs: 20_000)
            return
        }
        head(w, "SECURITY", a.thread); w.str(" res_security_log.c: SecurityEvent=\"SuccessfulAuth\",")
        eventTV(w); w.str(",Severity=\"Informational\",Service=\"SIP\",EventVersion=\"1\",AccountID=\"")
        w.dec(a.counter); w.str("\","); sessionID(w); w.str(",LocalAddress=\"IPV4/UDP/"); w.bytes(localIP)
        w.str("/5060\",RemoteAddress=\"IPV4/UDP/"); w.bytes(officeIP); w.byte(47); w.dec(5060 + a.counter - 200)
        w.str("\",UsingPassword=\"1\"")
        w.endLine()
        a.idleMeanMs = 40 * 60_000 * idleScale
        a.finish(now: now, rng: &rng)
    }

    /// Rare shapes: AMI and IAX failures, hacking attempts, unknown SIP connections, ACL events.
    private mutating func oddity(_ a: inout Actor, _ w: ByteWriter) {
        if !a.active {
            a.active = true
            a.peer = Peer.random(&rng, v6Share: 0.25)
            a.thread = newThread()
            a.shape = rng.below(9)
            a.remaining = rng.int(1...4)
            a.port = rng.int(1024...65000)
        }
        let ip = a.peer.ip
        switch a.shape {
        case 0:
            head(w, "NOTICE", a.thread); w.str(" manager.c: "); w.bytes(ip); w.str(" failed to authenticate as 'admin'")
        case 1:
            head(w, "NOTICE", a.thread); w.str(" manager.c: "); w.bytes(ip)
            w.str(" tried to authenticate with nonexistent user 'opennms'")
        case 2:
            head(w, "NOTICE", a.thread); w.str(" chan_iax2.c: Host "); w.bytes(ip)
            w.str(" failed MD5 authentication for '"); w.dec(a.port % 900 + 100); w.str("' (")
            w.randomHex(&rng, count: 32); w.str(" != "); w.randomHex(&rng, count: 32); w.byte(41)
        case 3:
            head(w, "NOTICE", a.thread); w.str(" chan_iax2.c: No registration for peer '")
            w.dec(a.port % 900 + 100); w.str("' (from "); w.bytes(ip); w.byte(41)
        case 4:
            head(w, "NOTICE", a.thread); w.str(" chan_sip.c: hacking attempt detected '"); w.bytes(ip); w.byte(39)
        case 5:
            head(w, "WARNING", a.thread); channelTag(w, channelCounter)
            w.str(" Ext. s: \"Rejecting unknown SIP connection from ")
            if rng.chance(0.5) { w.bytes(ip) } else { hostPort(w, a.peer, a.port) }
            w.byte(34)
        case 6:
            head(w, "SECURITY", a.thread); w.str(" res_security_log.c: SecurityEvent=\"FailedACL\",")
            eventTV(w); w.str(",Severity=\"Error\",Service=\"AMI\",EventVersion=\"1\",AccountID=\"admin\",")
            sessionID(w); w.str(",LocalAddress=\"IPV4/TCP/0.0.0.0/5038\",RemoteAddress=\"")
            securityAddress(w, a.peer, "TCP", a.port); w.str("\",ACLName=\"manager\"")
        case 7:
            head(w, "NOTICE", a.thread); w.str(" res_pjsip/pjsip_distributor.c: Request 'REGISTER' from '")
            w.bytes(Self.attackerFroms[rng.below(Self.attackerFroms.count)])
            w.str("' failed for '"); hostPort(w, a.peer, a.port); w.str("' (callid: ")
            w.randomHex(&rng, count: 12); w.str(") - Not match Endpoint ACL")
        default:
            head(w, "NOTICE", a.thread); w.str(" chan_sip.c: Registration from '")
            w.bytes(Self.attackerFroms[rng.below(Self.attackerFroms.count)])
            w.str("' failed for '"); w.bytes(ip); w.str("' - Device does not match ACL")
        }
        w.endLine()
        a.remaining -= 1
        if a.remaining <= 0 { a.finish(now: now, rng: &rng) } else { a.next = now + rng.expDelay(meanMs: 4000) }
    }
}
