import CJailbirdSupport

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
    private var sessions = SessionCache()

    public init(mode: Mode = .normal) {
        self.mode = mode
        self.rules = SSHDRule.list(for: mode)
    }

    /// True if the line contains a word that some sshd rule needs. Every rule's content starts
    /// with text containing one of these (`Connection`, `connect`, `disconnect`, `Disconnect…`
    /// all contain `onnect`).
    public func isCandidate(_ line: UnsafeRawBufferPointer) -> Bool {
        guard let base = line.baseAddress, line.count >= 9 else { return false }
        @inline(__always) func contains(_ word: StaticString) -> Bool {
            jb_memmem(base, line.count, word.utf8Start, word.utf8CodeUnitCount) != nil
        }
        return contains("onnect") || contains("uthentication") || contains("Failed ") || contains("nvalid user ")
            || contains("User ") || contains("Accepted ") || contains("dentification") || contains("REFUSED")
            || contains("llegal user ") || contains("SSH: Server") || contains("egotiate") || contains("no matching")
    }

    public mutating func process(_ line: CandidateLine) -> LineMatch? {
        let scanner = SSHDScanner(line.content)
        guard let prefix = scanner.prefix() else { return nil }
        var matched: SSHDRuleHit?
        for rule in rules {
            if let hit = scanner.match(rule, at: prefix.contentStart) {
                matched = hit
                break
            }
        }
        guard let hit = matched else { return nil }
        let now = line.time ?? sessions.lastTime
        sessions.lastTime = now
        let key = Array(UnsafeRawBufferPointer(rebasing: line.content[0..<prefix.mlfidEnd]))
        let lineGroups = LineGroups(hit, scanner)
        let outcome = sessions.merge(key: key, line: lineGroups, now: now)
        if outcome.isFailure, let host = outcome.host {
            return LineMatch(kind: .failure, rule: hit.rule.rule, host: host, user: outcome.user)
        }
        if hit.gained, let host = lineGroups.host {
            return LineMatch(kind: .success, rule: hit.rule.rule, host: host, user: lineGroups.user)
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
    var hostKind: HostKind?
    var host: EventHost?

    init(_ hit: SSHDRuleHit, _ scanner: SSHDScanner) {
        nofail = hit.nofail
        forget = hit.forget
        gained = hit.gained
        func text(_ range: Range<Int>) -> String {
            String(decoding: UnsafeRawBufferPointer(rebasing: scanner.base[range]), as: UTF8.self)
        }
        user = hit.user.map(text)
        if let alternate = hit.alternateUser, !alternate.isEmpty, user?.isEmpty ?? true {
            user = text(alternate)
        }
        if let capture = hit.host {
            hostKind = capture.kind
            let bytes = UnsafeRawBufferPointer(rebasing: scanner.base[capture.start..<capture.end])
            if capture.kind != .dns, let address = IPAddress(parsing: bytes) {
                host = .address(address)
            } else if let address = IPAddress(parsing: bytes) {
                host = .address(address)
            } else {
                host = .hostname(text(capture.start..<capture.end))
            }
        }
    }
}

/// What `_mergeFailure` and the rest of `findFailure` decide for one line.
struct MergeOutcome {
    var isFailure: Bool
    var host: EventHost?
    var user: String?
}

/// fail2ban's `mlfidCache` (`Utils.Cache(maxCount=100, maxTime=5*60)`) holding the merged
/// groups of each connection, with the TTL measured on the line clock.
struct SessionCache {
    struct Entry {
        var hosts: [EventHost?] = [nil, nil, nil]  // ip4, ip6, dns: fail2ban prefers them in this order
        var user: String?
        var users: Set<String>?
        var nofail = false
        var gained = false
        var pending = false
        var expiry: Int64 = 0
        var order: UInt64 = 0

        var host: EventHost? { hosts[0] ?? hosts[1] ?? hosts[2] }
    }

    static let capacity = 100
    static let lifetime: Int64 = 300

    var entries: [[UInt8]: Entry] = [:]
    var insertionCounter: UInt64 = 0
    var lastTime: Int64 = 0

    mutating func merge(key: [UInt8], line: LineGroups, now: Int64) -> MergeOutcome {
        var flagNofail = false
        var flagGained = false
        if line.gained {
            flagGained = true
            flagNofail = true
        } else if line.nofail {
            flagNofail = true
        }
        let lineNofail = line.nofail || line.gained
        var users: Set<String>?
        var merged: Entry
        var cached = false
        if var entry = lookup(key, now: now) {
            if let user = line.user, !user.isEmpty {
                entry.users = (entry.users ?? []).union([user])
            }
            users = entry.users
            // 'nofail' and 'mlfgained' only from the latest line; gained clears pending failures
            entry.nofail = false
            entry.gained = false
            if flagGained { entry.pending = false }
            // update with the line's non-None groups
            if lineNofail { entry.nofail = true }
            if line.gained { entry.gained = true }
            if let kind = line.hostKind { entry.hosts[Int(kind.rawValue)] = line.host }
            if let user = line.user { entry.user = user }
            merged = entry
            if line.forget {
                entries[key] = nil
            } else {
                cached = true
            }
        } else {
            merged = Entry()
            merged.nofail = lineNofail
            merged.gained = line.gained
            if let kind = line.hostKind { merged.hosts[Int(kind.rawValue)] = line.host }
            merged.user = line.user
            if !line.forget {
                if let user = line.user, !user.isEmpty { merged.users = [user] }
                users = merged.users
                insert(key, &merged, now: now)
                cached = true
            }
        }
        // pending failures or several users: the line is no longer a "no failure"
        if merged.pending || (users?.count ?? 0) > 1 {
            merged.nofail = false
            merged.gained = false
            flagNofail = false
            flagGained = false
        }
        merged.pending = false
        var outcome = MergeOutcome(isFailure: false, host: nil, user: merged.user)
        if !merged.nofail {
            if let host = merged.host {
                outcome.isFailure = true
                outcome.host = host
            } else {
                merged.pending = true
            }
        }
        if cached { entries[key] = merged }
        _ = flagNofail
        _ = flagGained
        return outcome
    }

    /// `Cache.get`: an expired entry is removed and not returned.
    private mutating func lookup(_ key: [UInt8], now: Int64) -> Entry? {
        guard let entry = entries[key] else { return nil }
        if entry.expiry > now { return entry }
        entries[key] = nil
        return nil
    }

    /// `Cache.set` of a new key: when full, drop the oldest entries up to and including the
    /// first one that has not expired.
    private mutating func insert(_ key: [UInt8], _ entry: inout Entry, now: Int64) {
        if entries.count >= SessionCache.capacity {
            let byAge = entries.sorted { $0.value.order < $1.value.order }
            for (oldKey, oldEntry) in byAge {
                entries[oldKey] = nil
                if oldEntry.expiry > now { break }
            }
        }
        insertionCounter += 1
        entry.order = insertionCounter
        entry.expiry = now + SessionCache.lifetime
    }
}
