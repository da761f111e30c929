/// How many events one rule produced, of one kind, for one service.
public struct RuleCount: Sendable, Equatable {
    public var service: Service
    public var kind: EventKind
    public var rule: Rule
    public var count: Int

    public init(service: Service, kind: EventKind, rule: Rule, count: Int) {
        self.service = service
        self.kind = kind
        self.rule = rule
        self.count = count
    }

    /// Counts of every (service, kind, rule) that occurs in `stores`, ordered by service, kind
    /// and rule name.
    public static func tally(_ stores: [EventStore]) -> [RuleCount] {
        var counts = [Int](repeating: 0, count: Self.slotCount)
        for store in stores {
            for index in store.indices {
                counts[slot(store.services[index], store.kinds[index], store.rules[index])] += 1
            }
        }
        return Self.list(counts)
    }

    static let slotCount = Rule.allCases.count * EventKind.allCases.count * Service.allCases.count

    static func slot(_ service: Service, _ kind: EventKind, _ rule: Rule) -> Int {
        (Int(rule.rawValue) * EventKind.allCases.count + Int(kind.rawValue)) * Service.allCases.count + Int(service.rawValue)
    }

    /// The non-zero slots of a count table, in report order.
    static func list(_ counts: [Int]) -> [RuleCount] {
        var result: [RuleCount] = []
        for rule in Rule.allCases {
            for kind in EventKind.allCases {
                for service in Service.allCases {
                    let count = counts[slot(service, kind, rule)]
                    if count > 0 { result.append(RuleCount(service: service, kind: kind, rule: rule, count: count)) }
                }
            }
        }
        return result.sorted { ($0.service, $0.kind, $0.rule.name) < ($1.service, $1.kind, $1.rule.name) }
    }
}

/// A user name (sshd) or extension (Asterisk) that failures named.
public struct TargetedUser: Sendable, Equatable {
    public var service: Service
    /// Attacker-controlled text: escape it for the output (`SafeText`).
    public var user: String
    public var failures: Int
    /// Distinct hosts whose failures named it.
    public var attackers: Int

    public init(service: Service, user: String, failures: Int, attackers: Int) {
        self.service = service
        self.user = user
        self.failures = failures
        self.attackers = attackers
    }
}

/// One local day of failures: per hour of day, and who failed.
public struct DayActivity: Sendable, Equatable {
    /// Days since 1970-01-01 in the statistics' zone.
    public var day: Int64
    /// Failures in each local hour 0…23. (On a day with a DST change, the hour a clock shows
    /// twice holds both; the hour it skips holds none.)
    public var failuresByHour: [Int]
    /// Distinct addresses that failed this day.
    public var attackers: Int
    /// Of those, the ones seen failing for the first time (in the inputs), and the ones that had
    /// failed on an earlier day.
    public var newAttackers: Int
    public var returningAttackers: Int

    public var failures: Int { failuresByHour.reduce(0, +) }

    /// The local date, `YYYY-MM-DD`.
    public var date: String {
        let civil = CivilTime.date(days: day)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return pad(civil.year, 4) + "-" + pad(civil.month, 2) + "-" + pad(civil.day, 2)
    }
}

/// Failures and attackers split by address family.
public struct AddressFamilyCounts: Sendable, Equatable {
    public var ipv4Failures = 0
    public var ipv4Attackers = 0
    public var ipv6Failures = 0
    public var ipv6Attackers = 0

    public init() {}
}

/// What `jailbird stats` shows: totals, top offenders and targets, the hour × day heat table,
/// per-service and per-rule counts, address families, and new vs returning attackers per day.
public struct Statistics: Sendable {
    /// All events (failures, successes and fail2ban.log records).
    public var events = 0
    public var failures = 0
    public var successes = 0
    /// Failures whose host was a name (fail2ban would have needed DNS; never looked up).
    public var unresolvedFailures = 0
    /// Distinct addresses with at least one failure.
    public var attackers = 0
    /// Time of the first and last failure.
    public var firstFailure: Int64?
    public var lastFailure: Int64?
    /// Ban and Restore Ban records of the fail2ban.log inputs.
    public var realBans = 0
    /// Bans of the simulated jails (nil without jails).
    public var simulatedBans: Int?
    /// Failures per service, indexed by `Service.rawValue`.
    public var failuresByService = [Int](repeating: 0, count: Service.allCases.count)
    public var ruleCounts: [RuleCount] = []
    public var families = AddressFamilyCounts()
    /// The busiest offenders, busiest first.
    public var topOffenders: [Offender] = []
    /// IPs that failed and also logged in successfully (a possible compromise), busiest first.
    public var failedThenSucceeded: [Offender] = []
    /// The most named users per service, most failures first (then by name).
    public var topTargets: [TargetedUser] = []
    /// Days with failures, in order.
    public var days: [DayActivity] = []
    /// The zone whose days and hours `days` uses.
    public var zoneIdentifier = "UTC"
    public init() {}
}

/// Counts of one range of events; ranges are tallied at once and merged.
private struct StatisticsTally {
    var events = 0
    var failures = 0
    var successes = 0
    var unresolvedFailures = 0
    var realBans = 0
    var firstFailure = Int64.max
    var lastFailure = Int64.min
    var slots = [Int](repeating: 0, count: RuleCount.slotCount)
    /// `service * (users + 1) + user id` → failures.
    var userFailures: [Int]
    /// Per service: (user id << 32 | host id) pairs.
    var userHosts = [Set<UInt64>](repeating: [], count: Service.allCases.count)
    /// (host id << 32 | local day) pairs of failing addresses.
    var hostDays = Set<UInt64>()
    /// Local day → failures per local hour.
    var hours: [Int64: [Int]] = [:]

    init(userCount: Int) {
        userFailures = [Int](repeating: 0, count: (userCount + 1) * Service.allCases.count)
    }

    mutating func merge(_ other: StatisticsTally) {
        events += other.events
        failures += other.failures
        successes += other.successes
        unresolvedFailures += other.unresolvedFailures
        realBans += other.realBans
        firstFailure = min(firstFailure, other.firstFailure)
        lastFailure = max(lastFailure, other.lastFailure)
        for index in slots.indices { slots[index] += other.slots[index] }
        for index in userFailures.indices { userFailures[index] += other.userFailures[index] }
        for service in userHosts.indices { userHosts[service].formUnion(other.userHosts[service]) }
        hostDays.formUnion(other.hostDays)
        hours.merge(other.hours) { zip($0, $1).map(+) }
    }
}

extension AnalysisInput {
    /// The statistics of all events, tallied on all cores.
    /// - Parameters:
    ///   - zone: the zone of the days and hours of the heat table and the per-day counts.
    ///   - top: how many offenders, and users per service, to keep.
    public func statistics(zone: TimeZoneRules, top: Int = 10) -> Statistics {
        let events = self.events
        let userCount = events.users.count
        let isAddress = events.hosts.map { $0.address != nil }
        let partials = parallelTally(count: events.count) { range in
            var tally = StatisticsTally(userCount: userCount)
            tally.events = range.count
            // Consecutive events often repeat a pair; skip the set insertion then.
            var lastUserHost = UInt64.max
            var lastHostDay = UInt64.max
            for index in range {
                let service = events.services[index]
                let kind = events.kinds[index]
                tally.slots[RuleCount.slot(service, kind, events.rules[index])] += 1
                switch kind {
                case .failure: break
                case .success:
                    tally.successes += 1
                    continue
                case .ban, .restoreBan:
                    tally.realBans += 1
                    continue
                case .found, .unban:
                    continue
                }
                let time = events.times[index]
                let host = events.hostIDs[index]
                tally.failures += 1
                tally.firstFailure = min(tally.firstFailure, time)
                tally.lastFailure = max(tally.lastFailure, time)
                let user = events.userIDs[index]
                tally.userFailures[Int(service.rawValue) * (userCount + 1) + Int(user)] += 1
                if user != 0 {
                    let pair = UInt64(user) << 32 | UInt64(host)
                    if pair != lastUserHost {
                        tally.userHosts[Int(service.rawValue)].insert(pair)
                        lastUserHost = pair
                    }
                }
                let local = time + Int64(zone.offset(atUTC: time))
                let day = CivilTime.floorDiv(local, CivilTime.secondsPerDay)
                let hour = Int((local - day * CivilTime.secondsPerDay) / 3600)
                tally.hours[day, default: [Int](repeating: 0, count: 24)][hour] += 1
                if isAddress[Int(host)] {
                    let pair = UInt64(host) << 32 | UInt64(UInt32(truncatingIfNeeded: day))
                    if pair != lastHostDay {
                        tally.hostDays.insert(pair)
                        lastHostDay = pair
                    }
                } else {
                    tally.unresolvedFailures += 1
                }
            }
            return tally
        }
        var tally = partials[0]
        for partial in partials.dropFirst() { tally.merge(partial) }

        var statistics = Statistics()
        statistics.zoneIdentifier = zone.identifier
        statistics.events = tally.events
        statistics.failures = tally.failures
        statistics.successes = tally.successes
        statistics.unresolvedFailures = tally.unresolvedFailures
        statistics.realBans = tally.realBans
        if tally.failures > 0 {
            statistics.firstFailure = tally.firstFailure
            statistics.lastFailure = tally.lastFailure
        }
        statistics.simulatedBans = simulation?.result.bans.count
        statistics.ruleCounts = RuleCount.list(tally.slots)
        for count in statistics.ruleCounts where count.kind == .failure {
            statistics.failuresByService[Int(count.service.rawValue)] += count.count
        }

        let offenders = self.offenders()
        statistics.attackers = offenders.count
        statistics.topOffenders = Array(offenders.prefix(top))
        statistics.failedThenSucceeded = offenders.filter { $0.successes > 0 }
        for offender in offenders {
            if offender.ip.isIPv4 {
                statistics.families.ipv4Failures += offender.failures
                statistics.families.ipv4Attackers += 1
            } else {
                statistics.families.ipv6Failures += offender.failures
                statistics.families.ipv6Attackers += 1
            }
        }

        for service in Service.allCases {
            var attackers = [Int](repeating: 0, count: userCount + 1)
            for pair in tally.userHosts[Int(service.rawValue)] { attackers[Int(pair >> 32)] += 1 }
            var targets: [TargetedUser] = []
            for user in 1..<(userCount + 1) {
                let failures = tally.userFailures[Int(service.rawValue) * (userCount + 1) + user]
                if failures > 0 {
                    targets.append(
                        TargetedUser(
                            service: service, user: events.users[user - 1], failures: failures, attackers: attackers[user]))
                }
            }
            targets.sort { ($1.failures, $0.user) < ($0.failures, $1.user) }
            statistics.topTargets += targets.prefix(top)
        }

        // New vs returning: an address is new on the first day it failed.
        var firstDay: [UInt32: Int64] = [:]
        for pair in tally.hostDays {
            let host = UInt32(pair >> 32)
            let day = Int64(Int32(truncatingIfNeeded: UInt32(truncatingIfNeeded: pair)))
            firstDay[host] = min(firstDay[host] ?? .max, day)
        }
        var perDay: [Int64: (attackers: Int, new: Int)] = [:]
        for pair in tally.hostDays {
            let host = UInt32(pair >> 32)
            let day = Int64(Int32(truncatingIfNeeded: UInt32(truncatingIfNeeded: pair)))
            perDay[day, default: (0, 0)].attackers += 1
            if firstDay[host] == day { perDay[day, default: (0, 0)].new += 1 }
        }
        statistics.days = tally.hours.keys.sorted().map { day in
            let who = perDay[day] ?? (0, 0)
            return DayActivity(
                day: day, failuresByHour: tally.hours[day]!, attackers: who.attackers, newAttackers: who.new,
                returningAttackers: who.attackers - who.new)
        }
        return statistics
    }
}
