/// fail2ban 1.0.2's stock `sshd` filter (`filter.d/sshd.conf` with `common.conf`, `logtype =
/// file`, `publickey = nofail`, `maxlines = 1`) as a byte-level matcher, in its four modes.
///
/// It reproduces the multi-line session logic of `Filter.findFailure` / `_mergeFailure`
/// (server/filter.py): lines are grouped by their prefix text (`F-MLFID`, e.g.
/// `host sshd[123]: `) in a cache of at most 100 entries that live 5 minutes on the line clock;
/// `F-NOFAIL` helper lines only remember the host, a later host-less failure of the same
/// connection (or a pending one) becomes a failure with it, `F-MLFFORGET` drops the connection
/// and `F-MLFGAINED` (`Accepted …`) clears it unless several users were tried.
///
/// Reports every line fail2ban counts as a failure (kind `.failure`) and every `Accepted …`
/// line that fail2ban does not count (kind `.success`). A host written as a DNS name is
/// reported as `.hostname` (fail2ban would need DNS for it; `usedns = raw` keeps it as is).
public struct SSHDFilter: LineFilter {
    /// The filter's `mode` parameter.
    public enum Mode: String, CaseIterable, Sendable {
        case normal, ddos, extra, aggressive
    }

    public let mode: Mode
    /// sshd.conf's `_daemon`, the process names whose lines the filter reads.
    public let daemon: SSHDDaemonNames
    public var service: Service { .sshd }
    /// Lines of `sshd-session` or `sshd-auth` (OpenSSH 9.8 and later) that `daemon` does not
    /// read, since the scanner last took the count (`takeUnreadNewerDaemonLines`).
    private(set) var unreadNewerDaemonLines = 0

    private let rules: [SSHDRule]
    /// The rules' leading literals, by position in `rules`.
    let leads: [LeadingText]
    /// For each byte, the rules (bit i for `rules[i]`) whose content can start with it, so a
    /// line tries only those, still in fail2ban's order.
    private let rulesByFirstByte: [UInt64]
    /// The first four bytes of every rule's leading literals: a content that starts otherwise
    /// matches no rule.
    let contentOpenings: WordSet
    private var sessions = SessionCache()
    private var hostPrefix = HostPrefixMemo()
    /// The user names and host names lines named: the session logic compares their ids, and a
    /// match's Strings come from here.
    private var users = StringTable()
    private var hostNames = StringTable()

    public init(mode: Mode = .normal, daemon: SSHDDaemonNames = .stock) {
        self.mode = mode
        self.daemon = daemon
        let rules = SSHDRule.list(for: mode)
        precondition(rules.count <= 64, "one bit per rule")
        var masks = [UInt64](repeating: 0, count: 256)
        var openings = WordSet()
        for (position, rule) in rules.enumerated() {
            for literal in rule.leadingLiterals {
                precondition(literal.utf8CodeUnitCount >= 4, "every leading literal has four bytes")
                masks[Int(literal.utf8Start[0])] |= 1 << UInt64(position)
                openings.insert(UnsafeRawPointer(literal.utf8Start).loadUnaligned(as: UInt32.self))
            }
        }
        self.rules = rules
        self.leads = rules.map { LeadingText($0.leadingLiterals) }
        self.rulesByFirstByte = masks
        self.contentOpenings = openings
    }

    /// Every line is a candidate. The test that tells sshd's lines from the others' is the
    /// start of `process`, which reads the content (the line without its time stamp): a usual
    /// syslog line shows at its first tokens where fail2ban's content starts (`syslogPrefix`),
    /// and four bytes there tell whether any rule can match.
    public func isCandidate(_ line: UnsafeRawBufferPointer) -> Bool { true }

    /// Whether `process` would give no match for this content, told from its first tokens
    /// alone: a usual line (its host as the last one's, `HostPrefixMemo`) of a daemon whose
    /// token starts no part of the prefix line (`syslogPrefix(daemonAt:)`), no `__pref` and
    /// opens no rule. False means nothing: `process` decides.
    @inline(__always)
    public func dismisses(_ content: UnsafeRawBufferPointer) -> Bool {
        guard let token = hostPrefix.daemonTokenStart(in: content), token + 4 <= content.count else { return false }
        let word = content.loadUnaligned(fromByteOffset: token, as: UInt32.self)
        @inline(__always) func wordOf(_ text: StaticString) -> UInt32 {
            UnsafeRawPointer(text.utf8Start).loadUnaligned(as: UInt32.self)
        }
        switch UInt8(truncatingIfNeeded: word) {
        case UInt8(ascii: "["), UInt8(ascii: "("), UInt8(ascii: ":"), UInt8(ascii: "k"), UInt8(ascii: "@"): return false
        default: break
        }
        guard let opening = daemon.opening else { return false }
        if word == opening || word == wordOf("erro") || word == wordOf("fata") { return false }
        return !contentOpenings.contains(word)
    }

    public mutating func process(_ line: CandidateLine) -> LineMatch? {
        guard let found = findHit(line.content) else { return nil }
        return merge(found.hit, content: line.content, mlfidEnd: found.mlfidEnd, time: line.time, wantsUser: line.wantsUser)
    }

    /// The first half of `process`, which depends on this line alone: the rule the content
    /// matches, with its groups, and where the connection's key (fail2ban's `mlfid`, the prefix
    /// text) ends. Several threads may run it on different lines of one file
    /// (`PipelinedSSHDScan`); `merge` must then see the hits in line order.
    @inline(__always)
    mutating func findHit(_ content: UnsafeRawBufferPointer) -> (hit: SSHDRuleHit, mlfidEnd: Int)? {
        let scanner = SSHDScanner(content)
        var token = hostPrefix.daemonTokenStart(in: content)
        if token == nil, let found = scanner.daemonTokenStart() {
            hostPrefix.remember(content, daemon: found)
            token = found
        }
        var prefix: SSHDPrefix?
        if let token {
            prefix = daemon.isStock ? scanner.syslogPrefix(daemonAt: token) : scanner.syslogPrefix(daemonAt: token, names: daemon)
            if prefix == nil {
                if daemon.isUnreadNewerName(in: content, at: token) { unreadNewerDaemonLines += 1 }
                prefix = scanner.prefixBySearch(daemon: daemon)
            }
        } else {
            prefix = scanner.prefixBySearch(daemon: daemon)
        }
        guard let prefix, prefix.contentStart + 4 <= content.count,
            contentOpenings.contains(content.loadUnaligned(fromByteOffset: prefix.contentStart, as: UInt32.self))
        else { return nil }
        var candidates = rulesByFirstByte[Int(content[prefix.contentStart])]
        while candidates != 0 {
            let position = candidates.trailingZeroBitCount
            candidates &= candidates - 1
            guard leads[position].mayStart(content, at: prefix.contentStart) else { continue }
            let matched: SSHDRuleHit?
            switch scanner.fastMatch(rules[position], at: prefix.contentStart) {
            case .hit(let hit): matched = hit
            case .miss: continue
            case .unsure: matched = scanner.match(rules[position], at: prefix.contentStart)
            }
            if let hit = matched { return (hit, prefix.mlfidEnd) }
        }
        return nil
    }

    /// The second half of `process`: the session logic for a hit of `findHit` on `content`, at
    /// the line's time (nil: the last line's).
    @inline(__always)
    mutating func merge(
        _ hit: SSHDRuleHit, content: UnsafeRawBufferPointer, mlfidEnd: Int, time: Int64?, wantsUser: Bool
    ) -> LineMatch? {
        let now = time ?? sessions.lastTime
        sessions.lastTime = now
        let key = UnsafeRawBufferPointer(rebasing: content[0..<mlfidEnd])
        let groups = LineGroups(hit, content, users: &users, hostNames: &hostNames)
        let outcome = sessions.merge(key: key, line: groups, now: now)
        if outcome.isFailure, let host = outcome.host {
            return LineMatch(
                kind: .failure, rule: hit.rule.rule, host: eventHost(host),
                user: wantsUser ? userName(outcome.user) : nil)
        }
        // A login names its own host and user.
        if groups.gained, let host = groups.host {
            return LineMatch(
                kind: .success, rule: hit.rule.rule, host: eventHost(host),
                user: wantsUser ? userName(groups.user) : nil)
        }
        return nil
    }

    /// The count of `unreadNewerDaemonLines`, which starts again from 0.
    mutating func takeUnreadNewerDaemonLines() -> Int {
        defer { unreadNewerDaemonLines = 0 }
        return unreadNewerDaemonLines
    }

    private func eventHost(_ host: SessionHost) -> EventHost {
        host.nameID == 0 ? .address(host.address) : .hostname(hostNames.strings[Int(host.nameID - 1)])
    }

    private func userName(_ id: UInt32) -> String? {
        id == 0 ? nil : users.strings[Int(id - 1)]
    }
}

/// A host as the session cache keeps it: plain data, so entries are copied without reference
/// counting. A host name's text sits in the filter's table of names.
struct SessionHost: Equatable {
    /// The address; meaningful when `nameID` is 0.
    var address: IPAddress
    /// 0 for an address, else the id of a host name (fail2ban would need DNS for it).
    var nameID: UInt32
}

/// The groups of one matched line. Texts are ids of the filter's tables, so the line builds a
/// String only for a user or host name it is the first to name.
struct LineGroups {
    var nofail: Bool
    var forget: Bool
    var gained: Bool
    /// fail2ban's `user` after the `alt_user` merge (an id of the filter's users); 0 when the
    /// group did not take part.
    var user: UInt32
    /// Whether that user is the empty text, which the users set leaves out.
    var userIsEmpty: Bool
    var hostKind: HostPattern.Capture.Kind?
    var host: SessionHost?

    init(
        nofail: Bool, forget: Bool, gained: Bool, user: UInt32, userIsEmpty: Bool,
        hostKind: HostPattern.Capture.Kind?, host: SessionHost?
    ) {
        self.nofail = nofail
        self.forget = forget
        self.gained = gained
        self.user = user
        self.userIsEmpty = userIsEmpty
        self.hostKind = hostKind
        self.host = host
    }

    @inline(__always)
    init(_ hit: SSHDRuleHit, _ content: UnsafeRawBufferPointer, users: inout StringTable, hostNames: inout StringTable) {
        nofail = hit.nofail
        forget = hit.forget
        gained = hit.gained
        var userRange = hit.user
        if let alternate = hit.alternateUser, !alternate.isEmpty, userRange?.isEmpty ?? true {
            userRange = alternate
        }
        user = userRange.map { users.intern(bytes: UnsafeRawBufferPointer(rebasing: content[$0])) } ?? 0
        userIsEmpty = userRange?.isEmpty ?? true
        if let capture = hit.host {
            hostKind = capture.kind
            let text = UnsafeRawBufferPointer(rebasing: content[capture.range])
            if let address = hit.address ?? IPAddress(parsing: text) {
                host = SessionHost(address: address, nameID: 0)
            } else {
                host = SessionHost(address: IPAddress(high: 0, low: 0), nameID: hostNames.intern(bytes: text))
            }
        }
    }

    /// The user when it is a name the users set counts (taking part and not empty), else 0.
    var countedUser: UInt32 { userIsEmpty ? 0 : user }
}

/// What `_mergeFailure` and the rest of `findFailure` decide for one line.
struct MergeOutcome {
    var isFailure: Bool
    var host: SessionHost?
    /// The connection's user (an id of the filter's users), 0 for none.
    var user: UInt32
}

/// fail2ban's `mlfidCache` (`Utils.Cache(maxCount=100, maxTime=5*60)`, an `OrderedDict`)
/// holding the merged groups of each connection, with the TTL measured on the line clock.
///
/// Entries are plain data in a fixed pool of slots, linked oldest to newest (the dict's order)
/// and chained from 256 hash buckets; each slot keeps its connection id in a region of one byte
/// arena that it reuses. So a line allocates nothing once the pool has seen ids of its length.
struct SessionCache {
    struct Entry {
        /// The `ip4`, `ip6` and `dns` groups: fail2ban prefers them in this order.
        var hosts: (SessionHost?, SessionHost?, SessionHost?) = (nil, nil, nil)
        /// The last user a line named (an id of the filter's users), 0 for none.
        var user: UInt32 = 0
        /// fail2ban's `users` set, of which only whether it holds more than one name matters:
        /// its first name, and whether another one came.
        var firstUser: UInt32 = 0
        var severalUsers = false
        var nofail = false
        var gained = false
        var pending = false
        var expiry: Int64 = 0

        var host: SessionHost? { hosts.0 ?? hosts.1 ?? hosts.2 }

        mutating func setHost(_ host: SessionHost?, kind: HostPattern.Capture.Kind) {
            switch kind {
            case .ipv4: hosts.0 = host
            case .ipv6: hosts.1 = host
            case .dns: hosts.2 = host
            }
        }
    }

    static let capacity = 100
    static let lifetime: Int64 = 300

    /// One slot of the pool, beside its entry: its connection id's hash and place in the arena,
    /// and its links (slot numbers, -1 for none) in the age list and in its bucket's chain.
    private struct Slot {
        var hash: UInt64 = 0
        var keyStart = 0
        var keyCount = 0
        var keyCapacity = 0
        var older: Int32 = -1
        var newer: Int32 = -1
        var nextInBucket: Int32 = -1
    }

    /// `capacity` live entries at most: `insert` makes room before it adds one.
    private var entries = [Entry](repeating: Entry(), count: SessionCache.capacity)
    private var slots = [Slot](repeating: Slot(), count: SessionCache.capacity)
    private var keyBytes: [UInt8] = []
    private var buckets = [Int32](repeating: -1, count: 256)
    private var freeSlots = Array((0..<Int32(SessionCache.capacity)).reversed())
    private var oldest: Int32 = -1
    private var newest: Int32 = -1
    private(set) var count = 0
    var lastTime: Int64 = 0

    /// Merges a matched line's groups into its connection's entry.
    mutating func merge(key: UnsafeRawBufferPointer, line: LineGroups, now: Int64) -> MergeOutcome {
        let hash = SessionCache.hash(key)
        if let found = lookup(key, hash: hash, now: now) {
            let outcome = SessionCache.update(&entries[Int(found)], with: line)
            if line.forget { remove(found) }
            return outcome
        }
        var entry = Entry()
        let outcome = SessionCache.start(&entry, with: line)
        if !line.forget {
            entry.expiry = now + SessionCache.lifetime
            insert(key, hash: hash, entry, now: now)
        }
        return outcome
    }

    /// The first line of a connection (or of one that is forgotten at once) fills its new
    /// entry. (Internal, as `update`, so that the tests' plain store runs the same rules.)
    @inline(__always)
    static func start(_ entry: inout Entry, with line: LineGroups) -> MergeOutcome {
        entry.nofail = line.nofail || line.gained
        entry.gained = line.gained
        if let kind = line.hostKind { entry.setHost(line.host, kind: kind) }
        // a forgotten connection is not cached and has no users set
        if !line.forget { entry.firstUser = line.countedUser }
        entry.user = line.user
        return settle(&entry)
    }

    /// A line of a known connection: its groups overwrite the cached ones, `nofail` and
    /// `mlfgained` come from this line only, and a gained login clears pending failures.
    @inline(__always)
    static func update(_ entry: inout Entry, with line: LineGroups) -> MergeOutcome {
        let user = line.countedUser
        if user != 0 {
            if entry.firstUser == 0 {
                entry.firstUser = user
            } else if entry.firstUser != user {
                entry.severalUsers = true
            }
        }
        entry.nofail = line.nofail || line.gained
        entry.gained = line.gained
        if line.gained { entry.pending = false }
        if let kind = line.hostKind { entry.setHost(line.host, kind: kind) }
        if line.user != 0 { entry.user = line.user }
        return settle(&entry)
    }

    /// The end of `_mergeFailure` and `findFailure`: pending failures or several users make
    /// the line a failure after all; a failure without a host yet stays pending.
    private static func settle(_ entry: inout Entry) -> MergeOutcome {
        if entry.pending || entry.severalUsers {
            entry.nofail = false
            entry.gained = false
        }
        entry.pending = false
        var outcome = MergeOutcome(isFailure: false, host: nil, user: entry.user)
        if !entry.nofail {
            if let host = entry.host {
                outcome.isFailure = true
                outcome.host = host
            } else {
                entry.pending = true
            }
        }
        return outcome
    }

    /// A hash of the connection id (collisions are settled by comparing the bytes): its last eight
    /// bytes, where a syslog id's pid stands (`…sshd[12345]: `), and its length, mixed.
    @inline(__always)
    private static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        guard key.count >= 8 else { return ByteClass.hash(key) }
        var hash = (key.loadUnaligned(fromByteOffset: key.count - 8, as: UInt64.self) ^ UInt64(key.count))
            &* 0xBF58_476D_1CE4_E5B9
        hash ^= hash >> 31
        return hash
    }

    @inline(__always)
    private static func bucket(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash) & 255 }

    /// `Cache.get`: the slot of `key`; an expired entry is removed and not returned.
    @inline(__always)
    private mutating func lookup(_ key: UnsafeRawBufferPointer, hash: UInt64, now: Int64) -> Int32? {
        var slot = buckets[SessionCache.bucket(hash)]
        while slot >= 0 {
            let index = Int(slot)
            if slots[index].hash == hash && slots[index].keyCount == key.count {
                let start = slots[index].keyStart
                let same = keyBytes.withUnsafeBytes { stored in
                    key.isEmpty || ByteClass.sameBytes(stored.baseAddress! + start, key.baseAddress!, count: key.count)
                }
                if same {
                    if entries[index].expiry > now { return slot }
                    remove(slot)
                    return nil
                }
            }
            slot = slots[index].nextInBucket
        }
        return nil
    }

    /// Takes a live slot out of its bucket chain and the age list, and frees it.
    private mutating func remove(_ slot: Int32) {
        let index = Int(slot)
        let (older, newer, next) = (slots[index].older, slots[index].newer, slots[index].nextInBucket)
        let bucket = SessionCache.bucket(slots[index].hash)
        if buckets[bucket] == slot {
            buckets[bucket] = next
        } else {
            var previous = buckets[bucket]
            while slots[Int(previous)].nextInBucket != slot { previous = slots[Int(previous)].nextInBucket }
            slots[Int(previous)].nextInBucket = next
        }
        if older >= 0 { slots[Int(older)].newer = newer } else { oldest = newer }
        if newer >= 0 { slots[Int(newer)].older = older } else { newest = older }
        freeSlots.append(slot)
        count -= 1
    }

    /// `Cache.set` of a new key: when full, drop the oldest entries up to and including the
    /// first one that has not expired, then append.
    private mutating func insert(_ key: UnsafeRawBufferPointer, hash: UInt64, _ entry: Entry, now: Int64) {
        if count >= SessionCache.capacity {
            while oldest >= 0 {
                let expiry = entries[Int(oldest)].expiry
                remove(oldest)
                if expiry > now { break }
            }
        }
        let slot = freeSlots.removeLast()
        let index = Int(slot)
        if slots[index].keyCapacity < key.count {
            // A new region at the arena's end, with room for longer ids to come.
            let capacity = max(key.count, 2 * slots[index].keyCapacity, 32)
            slots[index].keyCapacity = capacity
            slots[index].keyStart = keyBytes.count
            keyBytes.append(contentsOf: repeatElement(0, count: capacity))
        }
        if !key.isEmpty {
            let start = slots[index].keyStart
            keyBytes.withUnsafeMutableBytes { stored in
                (stored.baseAddress! + start).copyMemory(from: key.baseAddress!, byteCount: key.count)
            }
        }
        entries[index] = entry
        let bucket = SessionCache.bucket(hash)
        slots[index].keyCount = key.count
        slots[index].hash = hash
        slots[index].nextInBucket = buckets[bucket]
        buckets[bucket] = slot
        slots[index].older = newest
        slots[index].newer = -1
        if newest >= 0 { slots[Int(newest)].newer = slot } else { oldest = slot }
        newest = slot
        count += 1
    }
}
