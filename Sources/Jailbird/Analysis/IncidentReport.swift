/// `jailbird report`: what happened in a time window, as numbers the Markdown and HTML renderers
/// lay out — totals, a timeline with real and simulated bans, top offenders, attacker networks,
/// targeted users, attack phases, what fail2ban did against what the configuration should have
/// done, and possible compromises.
///
/// Definitions (the README's "Incident report" section says the same):
/// - *Failures* are the failure events `jailbird scan` reports; *attackers* are the distinct IP
///   addresses with at least one failure (failures naming a host name are counted apart, as
///   unresolved).
/// - *Timeline*: buckets of a minute when the window is at most 6 hours long, of an hour up to
///   31 days, of a day beyond; aligned to UTC.
/// - *Phases*: each attacker's failures in time order are cut wherever two follow each other
///   more than `phaseGap` (10 minutes) apart. A phase is a *scan* when it names at least
///   `scanMinimumUsers` (5) distinct users with at most `scanMaximumTriesPerUser` (2) failures
///   per named user on average; otherwise it is *brute force* against its most tried user.
/// - *Possible compromise*: an IP with a successful login and a failure in the window.
public struct IncidentReport: Sendable {
    /// The knobs of the analysis.
    public struct Settings: Sendable, Equatable {
        /// How many rows the top lists (offenders, networks, users, phases) keep.
        public var topCount: Int
        /// Seconds of silence that end an attacker's phase.
        public var phaseGap: Int64
        /// A phase naming at least this many distinct users can be a scan…
        public var scanMinimumUsers: Int
        /// …when it tries each at most this often on average.
        public var scanMaximumTriesPerUser: Double

        public init(
            topCount: Int = 20, phaseGap: Int64 = 600, scanMinimumUsers: Int = 5, scanMaximumTriesPerUser: Double = 2
        ) {
            self.topCount = topCount
            self.phaseGap = phaseGap
            self.scanMinimumUsers = scanMinimumUsers
            self.scanMaximumTriesPerUser = scanMaximumTriesPerUser
        }
    }

    /// The length of a timeline bucket.
    public enum BucketSize: Int64, Sendable {
        case minute = 60
        case hour = 3600
        case day = 86400

        /// Minutes up to 6 hours, hours up to 31 days, days beyond.
        public static func fitting(span: Int64) -> BucketSize {
            if span <= 6 * 3600 { return .minute }
            if span <= 31 * 86400 { return .hour }
            return .day
        }

        public var name: String {
            switch self {
            case .minute: return "minute"
            case .hour: return "hour"
            case .day: return "day"
            }
        }
    }

    /// One bucket of the timeline.
    public struct TimelineBucket: Sendable, Equatable {
        /// The bucket's first second (a multiple of the bucket size, UTC).
        public var start: Int64
        public var failures: Int
        /// `Ban` and `Restore Ban` records of fail2ban.log.
        public var realBans: Int
        /// Bans of the simulated jails that start in the bucket.
        public var simulatedBans: Int
    }

    public struct ServiceRow: Sendable, Equatable {
        public var service: Service
        public var failures: Int
        /// Distinct IPs that failed on this service.
        public var attackers: Int
        public var successes: Int
    }

    public struct NetworkRow: Sendable, Equatable {
        /// The IPv4 /24 or IPv6 /64 (`IPAddress.aggregateNetwork`).
        public var network: IPNetwork
        public var failures: Int
        public var attackers: Int
        public var firstSeen: Int64
        public var lastSeen: Int64
    }

    public struct UserRow: Sendable, Equatable {
        /// The user name or extension (attacker-controlled text).
        public var user: String
        public var failures: Int
        /// Distinct IPs that tried it.
        public var attackers: Int
    }

    /// A run of one attacker's failures without a pause longer than `Settings.phaseGap`.
    public struct AttackPhase: Sendable, Equatable {
        public enum Kind: String, Sendable {
            /// Many users, few tries each: looking for extensions or accounts that exist.
            case scan
            /// Guessing the password of one user (`topUser`).
            case bruteForce = "brute force"
        }

        public var ip: IPAddress
        public var kind: Kind
        public var start: Int64
        public var end: Int64
        public var failures: Int
        /// Distinct users named in the phase.
        public var users: Int
        /// The most tried user (nil when no failure named one) and its failures.
        public var topUser: String?
        public var topUserFailures: Int
    }

    /// An IP that logged in successfully and also failed in the window.
    public struct PossibleCompromise: Sendable, Equatable {
        public var ip: IPAddress
        public var failures: Int
        public var firstFailure: Int64
        public var lastFailure: Int64
        /// Distinct users that failed from this IP.
        public var failedUsers: Int
        public var successes: Int
        public var firstSuccess: Int64
        public var lastSuccess: Int64
        /// The users that logged in (sorted; attacker-influenced text) and the services.
        public var successUsers: [String]
        public var services: [Service]
        /// True when a success came after the IP's first failure (a guess that worked looks like this).
        public var succeededAfterFailing: Bool
        /// True when a user that logged in had also failed from this IP.
        public var succeededAsFailedUser: Bool
    }

    /// What fail2ban really did in the window (fail2ban.log among the inputs) and, when jails
    /// were simulated, what the configuration would have done.
    public struct BanSummary: Sendable {
        /// `Ban` records, `Restore Ban` records, `Unban` records in the window.
        public var realBans = 0
        public var realRestoredBans = 0
        public var realUnbans = 0
        /// Distinct IPs with a `Ban` or `Restore Ban` record.
        public var realBannedIPs = 0
        /// Real bans (with restored ones) per jail, by jail name.
        public var realBansByJail: [(jail: String, bans: Int)] = []
        /// Whether any fail2ban.log record was read in the window.
        public var hasRealLog = false
        public var simulated: SimulatedBans?
    }

    public struct SimulatedBans: Sendable {
        /// The simulated jails.
        public var jails: [JailParameters]
        /// Bans starting in the window, and the distinct IPs they hit.
        public var bans: Int
        public var bannedIPs: Int
        public var bansByJail: [(jail: String, bans: Int)]
        /// Real bans of simulated jails that the simulation reproduced, and those it missed (why).
        public var reproduced: Int
        public var missed: [(ban: RealBan, reason: String)]
        /// Simulated bans starting in the window without a real counterpart (why), when a
        /// fail2ban.log was read.
        public var added: [(jail: String, ip: IPAddress, start: Int64, reason: String)]
        /// Real bans of jails that were not simulated.
        public var otherJails: Int
    }

    public var settings: Settings
    /// The window, inclusive, in seconds since the epoch.
    public var since: Int64
    public var until: Int64
    public var fileNames: [String]
    /// `AnalysisInput.readingNotes`: what the report's numbers leave out.
    public var readingNotes: [String]

    public var failures = 0
    public var successes = 0
    /// Failures whose host is a name, not an address (not counted as attackers).
    public var unresolvedFailures = 0
    public var attackers = 0
    public var ipv4Attackers = 0
    public var ipv6Attackers = 0
    /// Distinct users named by failures.
    public var distinctUsers = 0
    public var firstFailure: Int64?
    public var lastFailure: Int64?
    /// Services with failures or successes, in `Service` order.
    public var services: [ServiceRow] = []

    public var bucketSize: BucketSize
    public var timeline: [TimelineBucket] = []

    /// The busiest attackers (`AnalysisInput.offenders` over the window), at most `topCount`.
    public var offenders: [Offender] = []
    public var networks: [NetworkRow] = []
    public var networkCount = 0
    public var users: [UserRow] = []
    /// The longest phases (by failures), at most `topCount`, and the counts of all phases.
    public var phases: [AttackPhase] = []
    public var scanPhases = 0
    public var bruteForcePhases = 0
    /// Attackers with at least one scan phase.
    public var scanningAttackers = 0
    /// All possible compromises: those that succeeded after failing first, then by failures.
    public var compromises: [PossibleCompromise] = []
    public var bans = BanSummary()

    /// Analyses the events of `analysis` inside `[since, until]` (each defaults to the first /
    /// last event of the input). The simulation may cover more than the window (bans just
    /// before it then count as fail2ban's did); only bans starting inside it are shown.
    /// - Complexity: O(n) in the events, plus the bans' comparison.
    public init(analysis: AnalysisInput, since: Int64? = nil, until: Int64? = nil, settings: Settings = Settings()) {
        let events = analysis.events
        let since = since ?? events.times.min() ?? 0
        let until = max(since, until ?? events.times.max() ?? since)
        self.settings = settings
        self.since = since
        self.until = until
        self.fileNames = analysis.fileNames
        self.readingNotes = analysis.readingNotes
        let size = BucketSize.fitting(span: until - since)
        bucketSize = size
        let firstBucket = Self.floorDiv(since, size.rawValue)
        timeline = (firstBucket...Self.floorDiv(until, size.rawValue)).map {
            TimelineBucket(start: $0 * size.rawValue, failures: 0, realBans: 0, simulatedBans: 0)
        }
        func bucket(_ time: Int64) -> Int { Int(Self.floorDiv(time, size.rawValue) - firstBucket) }

        // One pass: the timeline, fail2ban.log records, and the failures and successes of each
        // address grouped by host id (a counting sort), for the per-attacker figures.
        var perHostCount = [Int32](repeating: 0, count: events.hosts.count + 1)
        var realBanList: [RealBan] = []
        var realBannedIPs = Set<IPAddress>()
        var realByJail: [String: Int] = [:]
        var serviceFailures = [Int](repeating: 0, count: Service.allCases.count)
        var serviceSuccesses = [Int](repeating: 0, count: Service.allCases.count)
        for index in events.indices {
            let time = events.times[index]
            guard time >= since && time <= until else { continue }
            let kind = events.kinds[index]
            switch kind {
            case .failure:
                failures += 1
                serviceFailures[Int(events.services[index].rawValue)] += 1
                timeline[bucket(time)].failures += 1
                firstFailure = min(firstFailure ?? time, time)
                lastFailure = max(lastFailure ?? time, time)
                if events.hosts[Int(events.hostIDs[index])].address == nil {
                    unresolvedFailures += 1
                } else {
                    perHostCount[Int(events.hostIDs[index]) + 1] += 1
                }
            case .success:
                successes += 1
                serviceSuccesses[Int(events.services[index].rawValue)] += 1
                if events.hosts[Int(events.hostIDs[index])].address != nil {
                    perHostCount[Int(events.hostIDs[index]) + 1] += 1
                }
            case .ban, .restoreBan, .unban:
                bans.hasRealLog = true
                guard let ip = events.host(at: index).address, let jail = events.jail(at: index) else { continue }
                if kind == .unban {
                    bans.realUnbans += 1
                    continue
                }
                if kind == .ban { bans.realBans += 1 } else { bans.realRestoredBans += 1 }
                timeline[bucket(time)].realBans += 1
                realBannedIPs.insert(ip)
                realByJail[jail, default: 0] += 1
                realBanList.append(RealBan(jail: jail, ip: ip, time: time, restored: kind == .restoreBan))
            case .found:
                bans.hasRealLog = true
            }
        }
        bans.realBannedIPs = realBannedIPs.count
        bans.realBansByJail = realByJail.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }

        // Events by host: offsets[h] ..< offsets[h + 1] in `grouped`.
        var offsets = [Int](repeating: 0, count: events.hosts.count + 1)
        for host in 0..<events.hosts.count { offsets[host + 1] = offsets[host] + Int(perHostCount[host + 1]) }
        var grouped = [Int32](repeating: 0, count: offsets[events.hosts.count])
        var fill = offsets
        for index in events.indices {
            let kind = events.kinds[index]
            guard kind == .failure || kind == .success else { continue }
            let time = events.times[index]
            let host = Int(events.hostIDs[index])
            guard time >= since && time <= until, events.hosts[host].address != nil else { continue }
            grouped[fill[host]] = Int32(index)
            fill[host] += 1
        }

        var perHost = PerHostTally(events: events, settings: settings, serviceCount: Service.allCases.count)
        for host in 0..<events.hosts.count where offsets[host] < offsets[host + 1] {
            var slice = Array(grouped[offsets[host]..<offsets[host + 1]])
            // Inputs are read file by file: the events of one IP from several logs interleave.
            if !zip(slice, slice.dropFirst()).allSatisfy({ events.times[Int($0)] <= events.times[Int($1)] }) {
                slice.sort { (events.times[Int($0)], $0) < (events.times[Int($1)], $1) }
            }
            perHost.add(host: host, events: slice)
        }
        attackers = perHost.attackers
        ipv4Attackers = perHost.ipv4Attackers
        ipv6Attackers = attackers - ipv4Attackers
        services = Service.allCases.compactMap { service in
            let raw = Int(service.rawValue)
            guard serviceFailures[raw] > 0 || serviceSuccesses[raw] > 0 else { return nil }
            return ServiceRow(
                service: service, failures: serviceFailures[raw], attackers: perHost.serviceAttackers[raw],
                successes: serviceSuccesses[raw])
        }
        networkCount = perHost.networks.count
        networks = Array(
            perHost.networks.values.sorted { ($1.failures, $0.network.address) < ($0.failures, $1.network.address) }
                .prefix(settings.topCount))
        distinctUsers = perHost.userFailures.dropFirst().filter { $0 > 0 }.count
        users = Array(
            perHost.userFailures.indices.dropFirst().filter { perHost.userFailures[$0] > 0 }
                .map {
                    UserRow(
                        user: events.users[$0 - 1], failures: perHost.userFailures[$0],
                        attackers: perHost.userAttackers[$0])
                }
                .sorted { ($1.failures, $0.user) < ($0.failures, $1.user) }
                .prefix(settings.topCount))
        scanPhases = perHost.scanPhases
        bruteForcePhases = perHost.bruteForcePhases
        scanningAttackers = perHost.scanningAttackers
        phases = Array(
            perHost.phases.sorted { ($1.failures, $0.start, $0.ip) < ($0.failures, $1.start, $1.ip) }
                .prefix(settings.topCount))
        compromises = perHost.compromises.sorted {
            ($1.succeededAfterFailing ? 1 : 0, $1.failures, $0.ip) < (
                $0.succeededAfterFailing ? 1 : 0, $0.failures, $1.ip
            )
        }

        let windowed = analysis.restricted(since: since, until: until)
        offenders = Array(windowed.offenders().prefix(settings.topCount))

        if let simulation = analysis.simulation {
            let input = simulation.input
            var simulatedIPs = Set<UInt32>()
            var byJail: [String: Int] = [:]
            var count = 0
            for ban in simulation.result.bans where ban.start >= since && ban.start <= until {
                count += 1
                simulatedIPs.insert(ban.host)
                byJail[input.jails[ban.jail].name, default: 0] += 1
                timeline[bucket(ban.start)].simulatedBans += 1
            }
            let comparison = BanComparison(input: input, result: simulation.result, realBans: realBanList)
            var missed: [(ban: RealBan, reason: String)] = []
            var reproduced = 0
            for entry in comparison.real {
                switch entry.outcome {
                case .reproduced: reproduced += 1
                case .missed(let reason): missed.append((entry.ban, reason))
                }
            }
            var added: [(jail: String, ip: IPAddress, start: Int64, reason: String)] = []
            if bans.hasRealLog {
                for (index, reason) in comparison.added {
                    let ban = simulation.result.bans[index]
                    guard ban.start >= since && ban.start <= until, let ip = input.events.hosts[Int(ban.host)].address
                    else { continue }
                    added.append((input.jails[ban.jail].name, ip, ban.start, reason))
                }
            }
            bans.simulated = SimulatedBans(
                jails: input.jails, bans: count, bannedIPs: simulatedIPs.count,
                bansByJail: byJail.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, reproduced: reproduced,
                missed: missed, added: added, otherJails: comparison.otherJails)
        }
    }

    static func floorDiv(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }

    /// The timeline's busiest bucket (0 when there is no failure).
    public var peakFailures: Int { timeline.map(\.failures).max() ?? 0 }
}

/// The per-attacker figures, fed one host's time-ordered failures and successes at a time.
private struct PerHostTally {
    let events: EventStore
    let settings: IncidentReport.Settings

    var attackers = 0
    var ipv4Attackers = 0
    var serviceAttackers: [Int]
    var networks: [IPNetwork: IncidentReport.NetworkRow] = [:]
    /// By user id (0 = none): failures, and distinct attackers (counted with `userMarker`, the
    /// last host + 1 that named the user).
    var userFailures: [Int]
    var userAttackers: [Int]
    private var userMarker: [Int32]
    /// The current phase's failures per user id, and the ids it touched (to reset them).
    private var phaseUserCounts: [Int32]
    private var phaseTouched: [UInt32] = []
    var phases: [IncidentReport.AttackPhase] = []
    var scanPhases = 0
    var bruteForcePhases = 0
    var scanningAttackers = 0
    var compromises: [IncidentReport.PossibleCompromise] = []

    init(events: EventStore, settings: IncidentReport.Settings, serviceCount: Int) {
        self.events = events
        self.settings = settings
        serviceAttackers = [Int](repeating: 0, count: serviceCount)
        userFailures = [Int](repeating: 0, count: events.users.count + 1)
        userAttackers = userFailures
        userMarker = [Int32](repeating: 0, count: events.users.count + 1)
        phaseUserCounts = userMarker
    }

    mutating func add(host: Int, events indices: [Int32]) {
        let ip = events.hosts[host].address!
        var failures = 0
        var firstFailure = Int64.max
        var lastFailure = Int64.min
        var serviceMask = 0
        var failedUsers: Set<UInt32> = []
        var successTimes: [Int64] = []
        var successUsers: Set<UInt32> = []
        var successServices = 0
        var phase: (start: Int64, end: Int64, failures: Int)?
        var hostScanned = false
        for raw in indices {
            let index = Int(raw)
            let time = events.times[index]
            let user = events.userIDs[index]
            if events.kinds[index] == .success {
                successTimes.append(time)
                if user != 0 { successUsers.insert(user) }
                successServices |= 1 << Int(events.services[index].rawValue)
                continue
            }
            failures += 1
            firstFailure = min(firstFailure, time)
            lastFailure = max(lastFailure, time)
            serviceMask |= 1 << Int(events.services[index].rawValue)
            if user != 0 {
                userFailures[Int(user)] += 1
                if userMarker[Int(user)] != Int32(host + 1) {
                    userMarker[Int(user)] = Int32(host + 1)
                    userAttackers[Int(user)] += 1
                    failedUsers.insert(user)
                }
            }
            if let current = phase, time - current.end > settings.phaseGap {
                hostScanned = closePhase(ip: ip, current) || hostScanned
                phase = nil
            }
            if phase == nil { phase = (time, time, 0) }
            phase!.end = time
            phase!.failures += 1
            if user != 0 {
                if phaseUserCounts[Int(user)] == 0 { phaseTouched.append(user) }
                phaseUserCounts[Int(user)] += 1
            }
        }
        if let current = phase { hostScanned = closePhase(ip: ip, current) || hostScanned }
        if hostScanned { scanningAttackers += 1 }
        guard failures > 0 else { return }

        attackers += 1
        if ip.isIPv4 { ipv4Attackers += 1 }
        for service in serviceAttackers.indices where serviceMask & (1 << service) != 0 {
            serviceAttackers[service] += 1
        }
        let network = ip.aggregateNetwork
        var row =
            networks[network]
            ?? IncidentReport.NetworkRow(
                network: network, failures: 0, attackers: 0, firstSeen: firstFailure, lastSeen: lastFailure)
        row.failures += failures
        row.attackers += 1
        row.firstSeen = min(row.firstSeen, firstFailure)
        row.lastSeen = max(row.lastSeen, lastFailure)
        networks[network] = row

        if let firstSuccess = successTimes.first {
            compromises.append(
                IncidentReport.PossibleCompromise(
                    ip: ip, failures: failures, firstFailure: firstFailure, lastFailure: lastFailure,
                    failedUsers: failedUsers.count, successes: successTimes.count, firstSuccess: firstSuccess,
                    lastSuccess: successTimes.last!,
                    successUsers: successUsers.map { events.users[Int($0 - 1)] }.sorted(),
                    services: Service.allCases.filter { successServices & (1 << Int($0.rawValue)) != 0 },
                    succeededAfterFailing: successTimes.last! >= firstFailure,
                    succeededAsFailedUser: !successUsers.isDisjoint(with: failedUsers)))
        }
    }

    /// Classifies and records a finished phase; true when it was a scan.
    private mutating func closePhase(ip: IPAddress, _ phase: (start: Int64, end: Int64, failures: Int)) -> Bool {
        var top: UInt32 = 0
        var topCount: Int32 = 0
        for user in phaseTouched {
            let count = phaseUserCounts[Int(user)]
            if count > topCount || (count == topCount && events.users[Int(user - 1)] < events.users[Int(top - 1)]) {
                top = user
                topCount = count
            }
            phaseUserCounts[Int(user)] = 0
        }
        let distinct = phaseTouched.count
        phaseTouched.removeAll(keepingCapacity: true)
        let isScan =
            distinct >= settings.scanMinimumUsers
            && Double(phase.failures) <= settings.scanMaximumTriesPerUser * Double(distinct)
        if isScan { scanPhases += 1 } else { bruteForcePhases += 1 }
        phases.append(
            IncidentReport.AttackPhase(
                ip: ip, kind: isScan ? .scan : .bruteForce, start: phase.start, end: phase.end,
                failures: phase.failures,
                users: distinct, topUser: top == 0 ? nil : events.users[Int(top - 1)], topUserFailures: Int(topCount)))
        return isScan
    }
}

extension AnalysisInput {
    /// The same input with only the events (and simulated bans starting) in `[since, until]`;
    /// self when nothing falls outside.
    func restricted(since: Int64, until: Int64) -> AnalysisInput {
        let inside = { (time: Int64) in time >= since && time <= until }
        let eventsInside = events.times.allSatisfy(inside)
        let bansInside = simulation?.result.bans.allSatisfy { inside($0.start) } ?? true
        if eventsInside && bansInside { return self }
        var copy = self
        if !eventsInside {
            var kept = EventStore()
            for index in events.indices where inside(events.times[index]) { kept.append(events[index]) }
            copy.events = kept
        }
        if !bansInside, var simulation {
            // Host ids index the simulation's own event store, which stays whole.
            simulation.result.bans.removeAll { !inside($0.start) }
            copy.simulation = simulation
        }
        return copy
    }
}
