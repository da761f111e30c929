extension IPAddress {
    /// The network an attacker is grouped into: the IPv4 /24 or the IPv6 /64 around it.
    public var aggregateNetwork: IPNetwork {
        isIPv4
            ? IPNetwork(address: IPAddress(ipv4: ipv4Value & 0xFFFF_FF00), prefixLength: 24)!
            : IPNetwork(address: IPAddress(high: high, low: 0), prefixLength: 64)!
    }
}

/// One row per IP that failed: what it did, when, to whom, and what the bans did about it.
public struct Offender: Sendable, Equatable {
    public var ip: IPAddress
    public var firstSeen: Int64
    public var lastSeen: Int64
    /// Failure events (the number `jailbird scan` reports for this IP on the same inputs).
    public var failures: Int
    /// Failures per service, indexed by `Service.rawValue`.
    public var failuresByService: [Int]
    /// Successful logins from the same IP (a possible compromise when `failures > 0`).
    public var successes: Int
    /// Distinct user names / extensions tried, and the most tried ones with their counts.
    public var distinctUsers: Int
    public var topUsers: [(user: String, count: Int)]
    /// Bans of this IP in the simulation (nil when no jails were simulated) and in fail2ban.log.
    public var simulatedBans: Int?
    public var realBans: Int
    public var network: IPNetwork

    public static func == (lhs: Offender, rhs: Offender) -> Bool {
        lhs.ip == rhs.ip && lhs.firstSeen == rhs.firstSeen && lhs.lastSeen == rhs.lastSeen && lhs.failures == rhs.failures
            && lhs.failuresByService == rhs.failuresByService && lhs.successes == rhs.successes
            && lhs.distinctUsers == rhs.distinctUsers && lhs.topUsers.map(\.user) == rhs.topUsers.map(\.user)
            && lhs.topUsers.map(\.count) == rhs.topUsers.map(\.count) && lhs.simulatedBans == rhs.simulatedBans
            && lhs.realBans == rhs.realBans && lhs.network == rhs.network
    }
}

/// The orders `jailbird offenders --sort` offers. Ties are broken by address.
public enum OffenderOrder: String, Sendable, CaseIterable {
    /// Most failures first.
    case failures
    /// Earliest first failure first.
    case firstSeen = "first_seen"
    /// Latest last failure first (the most recently active).
    case lastSeen = "last_seen"
    /// By address, IPv4 before IPv6, numerically.
    case ip

    /// Whether `lhs` comes before `rhs` in this order.
    public func precedes(_ lhs: Offender, _ rhs: Offender) -> Bool {
        switch self {
        case .failures: return (rhs.failures, lhs.ip) < (lhs.failures, rhs.ip)
        case .firstSeen: return (lhs.firstSeen, lhs.ip) < (rhs.firstSeen, rhs.ip)
        case .lastSeen: return (rhs.lastSeen, lhs.ip) < (lhs.lastSeen, rhs.ip)
        case .ip: return lhs.ip < rhs.ip
        }
    }
}

/// Per-host counts of one range of events; the ranges are tallied at once and merged.
private struct HostTally {
    var first: [Int64]
    var last: [Int64]
    var failures: [Int]
    /// `host * Service.allCases.count + service`.
    var byService: [Int]
    var successes: [Int]
    var realBans: [Int]
    /// (host << 32 | user id) → failures naming that user.
    var userPairs: [UInt64: Int] = [:]

    init(hostCount: Int) {
        first = [Int64](repeating: .max, count: hostCount)
        last = [Int64](repeating: .min, count: hostCount)
        failures = [Int](repeating: 0, count: hostCount)
        byService = [Int](repeating: 0, count: hostCount * Service.allCases.count)
        successes = [Int](repeating: 0, count: hostCount)
        realBans = [Int](repeating: 0, count: hostCount)
    }

    mutating func merge(_ other: HostTally) {
        for host in first.indices {
            first[host] = min(first[host], other.first[host])
            last[host] = max(last[host], other.last[host])
            failures[host] += other.failures[host]
            successes[host] += other.successes[host]
            realBans[host] += other.realBans[host]
        }
        for index in byService.indices { byService[index] += other.byService[index] }
        userPairs.merge(other.userPairs, uniquingKeysWith: +)
    }
}

extension AnalysisInput {
    /// Every IP with at least one failure, busiest first (then by address). Failures from host
    /// names (never looked up) have no row. Tallied on all cores.
    /// - Parameter topUsers: how many of the most tried users each row keeps (most tried first,
    ///   then by name).
    public func offenders(topUsers: Int = 3) -> [Offender] {
        let events = self.events
        let hostCount = events.hosts.count
        let serviceCount = Service.allCases.count
        let partials = parallelTally(count: events.count) { range in
            var tally = HostTally(hostCount: hostCount)
            for index in range {
                let host = Int(events.hostIDs[index])
                switch events.kinds[index] {
                case .failure:
                    let time = events.times[index]
                    tally.first[host] = min(tally.first[host], time)
                    tally.last[host] = max(tally.last[host], time)
                    tally.failures[host] += 1
                    tally.byService[host * serviceCount + Int(events.services[index].rawValue)] += 1
                    let user = events.userIDs[index]
                    if user != 0 { tally.userPairs[UInt64(host) << 32 | UInt64(user), default: 0] += 1 }
                case .success:
                    tally.successes[host] += 1
                case .ban, .restoreBan:
                    tally.realBans[host] += 1
                case .found, .unban:
                    break
                }
            }
            return tally
        }
        var tally = partials[0]
        for partial in partials.dropFirst() { tally.merge(partial) }

        var usersOfHost = [[(user: UInt32, count: Int)]](repeating: [], count: hostCount)
        for (pair, count) in tally.userPairs {
            usersOfHost[Int(pair >> 32)].append((UInt32(truncatingIfNeeded: pair), count))
        }
        var simulatedBans: [IPAddress: Int] = [:]
        if let simulation {
            for ban in simulation.result.bans {
                if let ip = simulation.input.events.hosts[Int(ban.host)].address { simulatedBans[ip, default: 0] += 1 }
            }
        }
        var rows: [Offender] = []
        let userNames = events.users
        for host in 0..<hostCount where tally.failures[host] > 0 {
            guard let ip = events.hosts[host].address else { continue }
            let users = usersOfHost[host]
            let top = users.sorted { ($1.count, userNames[Int($0.user - 1)]) < ($0.count, userNames[Int($1.user - 1)]) }
                .prefix(topUsers).map { (user: userNames[Int($0.user - 1)], count: $0.count) }
            rows.append(
                Offender(
                    ip: ip, firstSeen: tally.first[host], lastSeen: tally.last[host], failures: tally.failures[host],
                    failuresByService: Array(tally.byService[(host * serviceCount)..<((host + 1) * serviceCount)]),
                    successes: tally.successes[host], distinctUsers: users.count, topUsers: top,
                    simulatedBans: simulation == nil ? nil : simulatedBans[ip, default: 0],
                    realBans: tally.realBans[host], network: ip.aggregateNetwork))
        }
        return rows.sorted(by: OffenderOrder.failures.precedes)
    }
}
