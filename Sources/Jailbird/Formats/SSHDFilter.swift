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
    public var service: Service { .sshd }

    private let rules: [SSHDRule]
    /// For each byte, the rules (bit i for `rules[i]`) whose content can start with it, so a
    /// line tries only those, still in fail2ban's order.
    private let rulesByFirstByte: [UInt64]
    private var sessions = SessionCache()

    public init(mode: Mode = .normal) {
        self.mode = mode
        let rules = SSHDRule.list(for: mode)
        precondition(rules.count <= 64, "one bit per rule")
        var masks = [UInt64](repeating: 0, count: 256)
        for (position, rule) in rules.enumerated() {
            for byte in rule.firstBytes { masks[Int(byte)] |= 1 << UInt64(position) }
        }
        self.rules = rules
        self.rulesByFirstByte = masks
    }

    /// True if the line contains a word that some sshd rule needs. Every rule's content starts
    /// with text containing one of `onnect` (`Connection`, `connect`, `disconnect`,
    /// `Disconnect…`), `uthentication`, `Failed `, `nvalid user `, `User `, `Accepted `,
    /// `dentification`, `REFUSED`, `llegal user `, `SSH: Server`, `egotiate`, `no matching`.
    ///
    /// One pass over the line instead of a search per word: each word contains one of the bytes
    /// `A F U c g v` (all but `c` rare in logs) at a fixed offset; SIMD compares find where they stand, 64
    /// bytes a step, and only there are the words that hold them compared.
    public func isCandidate(_ line: UnsafeRawBufferPointer) -> Bool {
        guard line.count >= 9 else { return false }
        return line.anyOffset(ofAnyIn: 0x76_67_63_55_46_41, count: 6) { index in  // v g c U F A
            SSHDFilter.keyword(around: index, anchor: line[index], in: line)
        }
    }

    /// Whether a keyword holding the anchor byte at `index` stands there.
    @inline(__always)
    private static func keyword(around index: Int, anchor: UInt8, in line: UnsafeRawBufferPointer) -> Bool {
        switch anchor {
        case UInt8(ascii: "c"):
            // `c` is common in log text: the byte after it (t, a or h in these words) settles most.
            guard index + 1 < line.count else { return false }
            switch line[index + 1] {
            case UInt8(ascii: "t"): return line.hasBytes("onnect", at: index - 4)
            case UInt8(ascii: "a"):
                return line.hasBytes("uthentication", at: index - 7) || line.hasBytes("dentification", at: index - 7)
            case UInt8(ascii: "h"): return line.hasBytes("no matching", at: index - 6)
            default: return false
            }
        case UInt8(ascii: "F"):
            return line.hasBytes("Failed ", at: index) || line.hasBytes("REFUSED", at: index - 2)
        case UInt8(ascii: "v"):
            return line.hasBytes("nvalid user ", at: index - 1) || line.hasBytes("SSH: Server", at: index - 8)
        case UInt8(ascii: "g"):
            return line.hasBytes("egotiate", at: index - 1) || line.hasBytes("llegal user ", at: index - 3)
        case UInt8(ascii: "U"):
            return line.hasBytes("User ", at: index)
        default:
            return line.hasBytes("Accepted ", at: index)
        }
    }

    public mutating func process(_ line: CandidateLine) -> LineMatch? {
        let scanner = SSHDScanner(line.content)
        guard let prefix = scanner.prefix() else { return nil }
        var matched: SSHDRuleHit?
        var candidates = rulesByFirstByte[Int(line.content[prefix.contentStart])]
        while candidates != 0 {
            let position = candidates.trailingZeroBitCount
            candidates &= candidates - 1
            if let hit = scanner.match(rules[position], at: prefix.contentStart) {
                matched = hit
                break
            }
        }
        guard let hit = matched else { return nil }
        let now = line.time ?? sessions.lastTime
        sessions.lastTime = now
        let key = UnsafeRawBufferPointer(rebasing: line.content[0..<prefix.mlfidEnd])
        var lineGroups = LineGroups(hit, line.content)
        // A login names its own host and user; the merge below moves the line's groups away.
        let login = hit.gained ? (host: lineGroups.host, user: lineGroups.user) : nil
        let outcome = sessions.merge(key: key, line: &lineGroups, now: now)
        if outcome.isFailure, let host = outcome.host {
            return LineMatch(kind: .failure, rule: hit.rule.rule, host: host, user: outcome.user)
        }
        if let login, let host = login.host {
            return LineMatch(kind: .success, rule: hit.rule.rule, host: host, user: login.user)
        }
        return nil
    }
}

/// The groups of one matched line, as Strings (built only for matched lines).
struct LineGroups {
    var nofail: Bool
    var forget: Bool
    var gained: Bool
    /// fail2ban's `user` after the `alt_user` merge; nil when the group did not take part.
    var user: String?
    var hostKind: HostPattern.Capture.Kind?
    var host: EventHost?

    init(_ hit: SSHDRuleHit, _ content: UnsafeRawBufferPointer) {
        nofail = hit.nofail
        forget = hit.forget
        gained = hit.gained
        user = hit.user.map { content.string($0) }
        if let alternate = hit.alternateUser, !alternate.isEmpty, user?.isEmpty ?? true {
            user = content.string(alternate)
        }
        if let capture = hit.host {
            hostKind = capture.kind
            host = HostPattern.host(for: capture, in: content)
        }
    }
}

/// What `_mergeFailure` and the rest of `findFailure` decide for one line.
struct MergeOutcome {
    var isFailure: Bool
    var host: EventHost?
    var user: String?
}

/// fail2ban's `mlfidCache` (`Utils.Cache(maxCount=100, maxTime=5*60)`, an `OrderedDict`)
/// holding the merged groups of each connection, with the TTL measured on the line clock.
///
/// The entries sit in insertion order in small arrays and are found by a hash of the
/// connection id and a byte comparison, so a line allocates only when it starts a session.
struct SessionCache {
    struct Entry {
        /// The `ip4`, `ip6` and `dns` groups: fail2ban prefers them in this order.
        var hosts: (EventHost?, EventHost?, EventHost?) = (nil, nil, nil)
        var user: String?
        /// fail2ban's `users` set, of which only whether it holds more than one name matters:
        /// its first name, and whether another one came.
        var firstUser: String?
        var severalUsers = false
        var nofail = false
        var gained = false
        var pending = false
        var expiry: Int64 = 0

        var host: EventHost? { hosts.0 ?? hosts.1 ?? hosts.2 }

        mutating func setHost(_ host: EventHost?, kind: HostPattern.Capture.Kind) {
            switch kind {
            case .ipv4: hosts.0 = host
            case .ipv6: hosts.1 = host
            case .dns: hosts.2 = host
            }
        }
    }

    static let capacity = 100
    static let lifetime: Int64 = 300

    /// Parallel arrays in insertion order (oldest first): connection id, its hash, its entry.
    private var keys: [[UInt8]] = []
    private var hashes: [Int] = []
    private var entries: [Entry] = []
    /// How many cached ids fall into each of 1024 hash buckets: most ids of new connections
    /// land in an empty bucket and need no search.
    private var bucketCounts = [UInt8](repeating: 0, count: 1024)
    var lastTime: Int64 = 0


    /// Merges a matched line's groups into its connection's entry (the line's host and user are
    /// moved into it, not copied: `line` is left without them).
    mutating func merge(key: UnsafeRawBufferPointer, line: inout LineGroups, now: Int64) -> MergeOutcome {
        let hash = SessionCache.hash(key)
        if let found = lookup(key, hash: hash, now: now) {
            // updated in place: the entry's strings are neither copied nor retained
            let outcome = SessionCache.update(&entries[found], with: &line)
            if line.forget { remove(at: found) }
            return outcome
        }
        var entry = Entry()
        entry.nofail = line.nofail || line.gained
        entry.gained = line.gained
        if let kind = line.hostKind { entry.setHost(line.host.take(), kind: kind) }
        // a forgotten connection is not cached and has no users set
        if !line.forget, let user = line.user, !user.isEmpty { entry.firstUser = user }
        entry.user = line.user.take()
        let outcome = SessionCache.settle(&entry)
        if !line.forget {
            entry.expiry = now + SessionCache.lifetime
            insert(Array(key), hash: hash, entry, now: now)
        }
        return outcome
    }

    /// A line of a known connection: its groups overwrite the cached ones, `nofail` and
    /// `mlfgained` come from this line only, and a gained login clears pending failures.
    private static func update(_ entry: inout Entry, with line: inout LineGroups) -> MergeOutcome {
        if let user = line.user, !user.isEmpty {
            if let first = entry.firstUser {
                if first != user { entry.severalUsers = true }
            } else {
                entry.firstUser = user
            }
        }
        entry.nofail = line.nofail || line.gained
        entry.gained = line.gained
        if line.gained { entry.pending = false }
        if let kind = line.hostKind { entry.setHost(line.host.take(), kind: kind) }
        if let user = line.user.take() { entry.user = user }
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

    /// A hash of the connection id, eight bytes at a time (collisions are settled by comparing
    /// the bytes).
    private static func hash(_ key: UnsafeRawBufferPointer) -> Int {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(key.count)
        var offset = 0
        while offset + 8 <= key.count {
            value = (value ^ key.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0x9e37_79b9_7f4a_7c15
            value ^= value >> 29
            offset += 8
        }
        while offset < key.count {
            value = (value ^ UInt64(key[offset])) &* 0x0000_0100_0000_01b3
            offset += 1
        }
        return Int(bitPattern: UInt(value))
    }

    /// `Cache.get`: the slot of `key`; an expired entry is removed and not returned.
    private mutating func lookup(_ key: UnsafeRawBufferPointer, hash: Int, now: Int64) -> Int? {
        guard bucketCounts[hash & 1023] != 0 else { return nil }
        var before = hashes.count
        while let index = SessionCache.lastIndex(of: hash, in: hashes, before: before) {
            before = index
            let matches = keys[index].withUnsafeBytes { $0.count == key.count && $0.hasBytes(key, at: 0) }
            guard matches else { continue }
            if entries[index].expiry > now { return index }
            remove(at: index)
            return nil
        }
        return nil
    }

    /// Newest first: a line mostly belongs to a recent connection.
    private static func lastIndex(of hash: Int, in hashes: [Int], before: Int) -> Int? {
        hashes.withUnsafeBufferPointer { buffer in
            var index = before - 1
            while index >= 0 {
                if buffer[index] == hash { return index }
                index -= 1
            }
            return nil
        }
    }

    private mutating func remove(at index: Int) {
        bucketCounts[hashes[index] & 1023] -= 1
        keys.remove(at: index)
        hashes.remove(at: index)
        entries.remove(at: index)
    }

    /// `Cache.set` of a new key: when full, drop the oldest entries up to and including the
    /// first one that has not expired, then append.
    private mutating func insert(_ key: [UInt8], hash: Int, _ entry: Entry, now: Int64) {
        if entries.count >= SessionCache.capacity {
            while !entries.isEmpty {
                let expiry = entries[0].expiry
                remove(at: 0)
                if expiry > now { break }
            }
        }
        bucketCounts[hash & 1023] += 1
        keys.append(key)
        hashes.append(hash)
        entries.append(entry)
    }
}
