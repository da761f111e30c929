/// What the scan summary needs, counted while scanning — so `jailbird scan` without `--events`
/// keeps no events at all, and its memory does not grow with the number of events.
public struct ScanTally: Sendable {
    /// Events per (service, kind, rule) slot (see `RuleCount`).
    private var counts = [Int](repeating: 0, count: RuleCount.slotCount)
    public private(set) var events = 0
    public private(set) var failures = 0
    /// Events whose host is a name (fail2ban would have needed DNS).
    public private(set) var unresolved = 0
    public private(set) var firstTime: Int64?
    public private(set) var lastTime: Int64?
    private var failingAddresses = AddressTable(capacity: 64)

    public init() {}

    /// Distinct addresses with at least one failure.
    public var failingAddressCount: Int { failingAddresses.count }

    /// The counts per (service, kind, rule), in report order.
    public var ruleCounts: [RuleCount] { RuleCount.list(counts) }

    mutating func add(time: Int64, host: EventHost, service: Service, kind: EventKind, rule: Rule) {
        counts[RuleCount.slot(service, kind, rule)] += 1
        events += 1
        firstTime = min(firstTime ?? time, time)
        lastTime = max(lastTime ?? time, time)
        switch host {
        case .address(let address):
            if kind == .failure {
                failures += 1
                if failingAddresses.value(for: address) == nil { failingAddresses.insert(address, 0) }
            }
        case .hostname:
            unresolved += 1
            if kind == .failure { failures += 1 }
        }
    }

    /// Adds the counts of `other` (another file, or the other half of one).
    public mutating func merge(_ other: ScanTally) {
        for slot in counts.indices { counts[slot] += other.counts[slot] }
        events += other.events
        failures += other.failures
        unresolved += other.unresolved
        if let time = other.firstTime { firstTime = min(firstTime ?? time, time) }
        if let time = other.lastTime { lastTime = max(lastTime ?? time, time) }
        other.failingAddresses.forEachKey { address in
            if failingAddresses.value(for: address) == nil { failingAddresses.insert(address, 0) }
        }
    }
}
