import Testing

@testable import Jailbird

/// The sshd session cache's store (slot pool, hash buckets, age list, key arena) against a plain
/// reading of fail2ban's `Utils.Cache` (an OrderedDict of at most 100 connection ids living 5
/// minutes, oldest dropped first when full): ids in an array in insertion order, found by a
/// linear search, with the cache's own rules for a line's entry (`SessionCache.start`/`update`,
/// which the differential tests check against fail2ban). Random lines of a few dozen
/// connections, with times that jump, stall and go back, must give the same outcome line for line.
@Suite struct SessionCacheTests {
    /// The reference: the same merge rules over the simplest possible store.
    struct ReferenceCache {
        var items: [(key: [UInt8], entry: SessionCache.Entry)] = []

        mutating func merge(key: [UInt8], line: LineGroups, now: Int64) -> MergeOutcome {
            if let index = items.firstIndex(where: { $0.key == key }) {
                if items[index].entry.expiry > now {
                    var entry = items[index].entry
                    let outcome = SessionCache.update(&entry, with: line)
                    if line.forget { items.remove(at: index) } else { items[index].entry = entry }
                    return outcome
                }
                items.remove(at: index)
            }
            var entry = SessionCache.Entry()
            let outcome = SessionCache.start(&entry, with: line)
            if !line.forget {
                entry.expiry = now + 300
                if items.count >= 100 {
                    while !items.isEmpty {
                        let dropped = items.removeFirst()
                        if dropped.entry.expiry > now { break }
                    }
                }
                items.append((key, entry))
            }
            return outcome
        }
    }

    static func randomLine(_ generator: inout SeededGenerator) -> LineGroups {
        let hostKind: HostPattern.Capture.Kind? = [nil, nil, .ipv4, .ipv4, .ipv6, .dns].randomElement(using: &generator)!
        let host = hostKind.map { _ in
            SessionHost(
                address: IPAddress(ipv4: UInt32.random(in: 1...4, using: &generator)),
                nameID: UInt32.random(in: 0...1, using: &generator))
        }
        let user = UInt32.random(in: 0...3, using: &generator)
        return LineGroups(
            nofail: Bool.random(using: &generator), forget: Int.random(in: 0..<5, using: &generator) == 0,
            gained: Int.random(in: 0..<8, using: &generator) == 0, user: user,
            userIsEmpty: user == 1, hostKind: hostKind, host: host)
    }

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func outcomesEqualThePlainReading(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        var cache = SessionCache()
        var reference = ReferenceCache()
        var now: Int64 = 1_000_000
        // Many connections at once in some runs, so the 100-entry limit is reached often.
        let connections = seed.isMultiple(of: 2) ? 40 : 300
        var mismatches = 0
        for step in 0..<40_000 {
            switch Int.random(in: 0..<20, using: &generator) {
            case 0: now += Int64.random(in: 200...400, using: &generator)  // past the lifetime
            case 1: now -= Int64.random(in: 0...30, using: &generator)  // the clock goes back
            default: now += Int64.random(in: 0...3, using: &generator)
            }
            // Ids of several lengths, some longer than a slot's first region.
            let id = Int.random(in: 0..<connections, using: &generator)
            let key = Array(" host sshd[\(id)]: \(String(repeating: "x", count: id % 7 == 0 ? 40 : 0))".utf8)
            let line = Self.randomLine(&generator)
            let expected = reference.merge(key: key, line: line, now: now)
            let actual = key.withUnsafeBytes { cache.merge(key: $0, line: line, now: now) }
            if actual.isFailure != expected.isFailure || actual.host != expected.host || actual.user != expected.user
                || cache.count != reference.items.count
            {
                mismatches += 1
                if mismatches < 5 { Issue.record("step \(step): \(actual) != \(expected), \(cache.count) entries") }
            }
        }
        #expect(mismatches == 0)
    }

    /// Why an sshd log is read in one pass, not in halves: an expired entry is never found again
    /// but still takes room, so a cache that saw old connections fills sooner and drops a live
    /// entry that a cache started later (say on the lines just before a cut) keeps; a later line of
    /// that connection is then a failure for one and not for the other. fail2ban's answer is the
    /// one that saw every line, as the plain reading confirms.
    @Test func expiredEntriesDecideWhichLiveOneIsDropped() {
        let host = SessionHost(address: IPAddress(ipv4: 0xC000_0201), nameID: 0)
        let harmless = LineGroups(
            nofail: true, forget: false, gained: false, user: 0, userIsEmpty: false, hostKind: .ipv4, host: host)
        // A failure without a host stays pending; the connection's next line, with its host,
        // makes it a failure even though that line alone would not be one.
        let pending = LineGroups(
            nofail: false, forget: false, gained: false, user: 0, userIsEmpty: false, hostKind: nil, host: nil)
        func outcomeOfLastLine(oldConnections: Int) -> (cache: MergeOutcome, reference: MergeOutcome) {
            var cache = SessionCache()
            var reference = ReferenceCache()
            func merge(_ id: String, _ line: LineGroups, _ now: Int64) -> (MergeOutcome, MergeOutcome) {
                let key = Array(" pbx sshd[\(id)]: ".utf8)
                return (key.withUnsafeBytes { cache.merge(key: $0, line: line, now: now) }, reference.merge(key: key, line: line, now: now))
            }
            for id in 0..<oldConnections { _ = merge("old\(id)", harmless, 0) }  // expired by 1000
            _ = merge("k", pending, 1_000)
            for id in 0..<40 { _ = merge("new\(id)", harmless, 1_000) }
            return merge("k", harmless, 1_001)
        }
        let sawEverything = outcomeOfLastLine(oldConnections: 60)
        let startedLater = outcomeOfLastLine(oldConnections: 0)
        #expect(sawEverything.cache.isFailure == sawEverything.reference.isFailure)
        #expect(startedLater.cache.isFailure == startedLater.reference.isFailure)
        #expect(!sawEverything.cache.isFailure)
        #expect(startedLater.cache.isFailure)
        #expect(startedLater.cache.host == host)
    }
}

@Suite struct StringTableTests {
    @Test func textsAreTheSameEntryWhenTheirBytesAre() {
        var table = StringTable(capacity: 4)
        let composed = table.intern("é")
        let decomposed = table.intern("e\u{301}")
        #expect(composed != decomposed)  // canonically equivalent, different code points
        #expect(table.intern("é") == composed)
        let fromBytes = [UInt8]("é".utf8).withUnsafeBytes { table.intern(bytes: $0) }
        #expect(fromBytes == composed)
        // Invalid UTF-8 is repaired as String(decoding:) repairs it, then compared.
        let broken = [UInt8]([0x61, 0xFF, 0x62]).withUnsafeBytes { table.intern(bytes: $0) }
        #expect(table.strings[Int(broken - 1)] == "a\u{FFFD}b")
        #expect(table.intern("a\u{FFFD}b") == broken)
        // Growth keeps every id.
        let ids = (0..<1_000).map { table.intern("user\($0)") }
        #expect((0..<1_000).allSatisfy { table.intern("user\($0)") == ids[$0] })
        #expect(Set(ids).count == 1_000)
        #expect(table.intern("") == table.intern(""))
    }
}
