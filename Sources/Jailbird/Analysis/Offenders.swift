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

extension AnalysisInput {
    /// Every IP with at least one failure, busiest first (then by address).
    /// - Parameter topUsers: how many of the most tried users each row keeps.
    public func offenders(topUsers: Int = 3) -> [Offender] {
        struct Tally {
            var first = Int64.max
            var last = Int64.min
            var failures = 0
            var byService = [Int](repeating: 0, count: Service.allCases.count)
            var successes = 0
            var users: [UInt32: Int] = [:]
            var realBans = 0
        }
        var tallies: [UInt32: Tally] = [:]
        for index in events.indices {
            let host = events.hostIDs[index]
            guard events.hosts[Int(host)].address != nil else { continue }
            switch events.kinds[index] {
            case .failure:
                var tally = tallies[host, default: Tally()]
                let time = events.times[index]
                tally.first = min(tally.first, time)
                tally.last = max(tally.last, time)
                tally.failures += 1
                tally.byService[Int(events.services[index].rawValue)] += 1
                let user = events.userIDs[index]
                if user != 0 { tally.users[user, default: 0] += 1 }
                tallies[host] = tally
            case .success:
                tallies[host, default: Tally()].successes += 1
            case .ban, .restoreBan:
                tallies[host, default: Tally()].realBans += 1
            case .found, .unban:
                break
            }
        }
        var simulatedBans: [IPAddress: Int] = [:]
        if let simulation {
            for ban in simulation.result.bans {
                if let ip = simulation.input.events.hosts[Int(ban.host)].address { simulatedBans[ip, default: 0] += 1 }
            }
        }
        var rows: [Offender] = []
        for (host, tally) in tallies where tally.failures > 0 {
            let ip = events.hosts[Int(host)].address!
            let top = tally.users.sorted { ($1.value, events.users[Int($0.key - 1)]) < ($0.value, events.users[Int($1.key - 1)]) }
                .prefix(topUsers).map { (user: events.users[Int($0.key - 1)], count: $0.value) }
            rows.append(
                Offender(
                    ip: ip, firstSeen: tally.first, lastSeen: tally.last, failures: tally.failures,
                    failuresByService: tally.byService, successes: tally.successes, distinctUsers: tally.users.count,
                    topUsers: top, simulatedBans: simulation == nil ? nil : simulatedBans[ip, default: 0],
                    realBans: tally.realBans, network: ip.aggregateNetwork))
        }
        return rows.sorted { ($1.failures, $0.ip) < ($0.failures, $1.ip) }
    }
}
