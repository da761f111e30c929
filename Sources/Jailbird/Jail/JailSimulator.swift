import Dispatch

/// How the simulation treats a failure from an IP that it has banned at that moment.
public enum WhileBanned: String, Sendable, CaseIterable {
    /// The firewall would have dropped it: it is counted as prevented and not fed to the jail
    /// (jailbird's default: real logs were written under the real bans, not the simulated ones).
    case prevented
    /// fail2ban's own reading: lines of banned IPs are counted like any other and can prolong
    /// the ban. This is what the oracle (and a live fail2ban reading the same log) does.
    case counted
}

/// What to replay: the jails, and the events read for them.
public struct SimulationInput: Sendable {
    /// The jails in configuration order (fail2ban processes lines of the same second in this
    /// order: jails first, then their files, then lines).
    public var jails: [JailParameters]
    /// The events. `events.files[i]` is the index of the event's stream in `streamJails`.
    public var events: EventStore
    /// For each stream (a jail's log file read with the jail's filter), its jail's index. A
    /// recidive jail without a stream of its own counts the simulated bans of the other jails
    /// (fail2ban writes each ban to fail2ban.log, which recidive reads); one with a stream counts
    /// the `Ban` lines of that real fail2ban.log instead.
    public var streamJails: [Int]
    /// The simulated server's start (its first dated log line): the hourly database purge runs
    /// at start + k hours.
    public var start: Int64
    /// The end of the replay (`--now`): bans still running then are reported as such.
    public var end: Int64

    public init(jails: [JailParameters], events: EventStore, streamJails: [Int], start: Int64, end: Int64) {
        self.jails = jails
        self.events = events
        self.streamJails = streamJails
        self.start = start
        self.end = end
    }
}

public struct SimulationOptions: Sendable {
    public var whileBanned: WhileBanned
    /// fail2ban.conf's `dbpurgeage`: how long the ban history of bantime.increment is kept.
    public var dbPurgeAge: Int64
    /// Seed of `bantime.rndtime`.
    public var seed: UInt64
    /// How many threads replay IPs at once; nil uses every active core (at most 8). The result
    /// does not depend on it. Tracing always uses one.
    public var workers: Int?

    public init(
        whileBanned: WhileBanned = .prevented, dbPurgeAge: Int64 = 86_400, seed: UInt64 = 0, workers: Int? = nil
    ) {
        self.whileBanned = whileBanned
        self.dbPurgeAge = dbPurgeAge
        self.seed = seed
        self.workers = workers
    }
}

/// One ban the simulation produced.
public struct SimulatedBan: Sendable, Equatable {
    public var jail: Int
    /// The host id in the input's event store.
    public var host: UInt32
    /// The ban starts at the time of the failure that completed it.
    public var start: Int64
    /// Seconds, -1 for a permanent ban; includes increments and prolongations.
    public var banTime: Double
    /// fail2ban's ban count (1 unless bantime.increment remembers earlier bans).
    public var count: Int
    /// The fail ticket's counters when it was banned: failures added and the retry counter.
    public var failures: Int
    public var retries: Double
    /// The event that completed the ban; for a recidive ban fed by simulated bans, nil (see
    /// `triggerBan`).
    public var triggerEvent: Int?
    /// For a recidive ban fed by simulated bans: the index of the ban (in the result) that was
    /// its last counted failure.
    public var triggerBan: Int?
    /// How often failures during the ban prolonged it.
    public var prolongations: Int

    /// The end of the ban; nil when permanent.
    public var end: Double? { banTime < 0 ? nil : Double(start) + banTime }
}

/// Per jail counts of a simulation.
public struct JailTotals: Sendable, Equatable {
    /// Failures the jail's counter saw.
    public var counted = 0
    /// Failures from IPs the simulation had banned (with `WhileBanned.prevented`).
    public var prevented = 0
    /// Failures from ignored addresses (`ignoreip`).
    public var ignored = 0
    /// Failures whose host is a name, not an address (fail2ban would need DNS).
    public var unresolved = 0
    public var bans = 0
    /// Times an IP reached maxretry again while banned, and how many of those prolonged the ban.
    public var alreadyBanned = 0
    public var prolonged = 0
    /// bantime.increment: extra counts added for known bad IPs.
    public var boosts = 0
    /// Failures that arrived while the simulation had the IP banned (in this jail or by a
    /// recidive jail): with `.prevented` these are the prevented ones, with `.counted` they
    /// were counted although a firewall would have dropped them.
    public var duringBan = 0
    /// Distinct IPs with at least one counted failure, and how many of them were never banned.
    public var attackers = 0
    public var neverBanned = 0
    /// For each banned IP: seconds from its first counted failure to its first ban.
    public var secondsToFirstBan: [Int64] = []

    public init() {}

    mutating func add(_ other: JailTotals) {
        counted += other.counted
        prevented += other.prevented
        ignored += other.ignored
        unresolved += other.unresolved
        bans += other.bans
        alreadyBanned += other.alreadyBanned
        prolonged += other.prolonged
        boosts += other.boosts
        duringBan += other.duringBan
        attackers += other.attackers
        neverBanned += other.neverBanned
        secondsToFirstBan += other.secondsToFirstBan
    }
}

/// One step of an IP's replay, for `jailbird explain`.
public struct TraceStep: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        /// A failure was counted: the counter after it, and the start of the window it covers.
        case counted(retry: Double, windowStart: Double)
        /// The ticket was older than findtime and was dropped before counting.
        case staleTicketDropped(lastFailure: Double)
        /// The counter was rescaled to the failure rate (fail2ban's estimate when the window slides).
        case rescaled(from: Double, to: Double, span: Double)
        case ignored
        case prevented(bannedBy: Int)
        case boosted(added: Double, retry: Double)
        /// A ban started (index into the result's bans).
        case banned(ban: Int)
        /// The IP reached maxretry again while banned; the ban was prolonged or not.
        case alreadyBanned(ban: Int, prolonged: Bool)
        case unbanned(ban: Int)
        /// bantime.increment's history of this IP was forgotten by the hourly purge.
        case historyPurged
    }

    public var time: Double
    public var jail: Int
    /// The event behind the step, when there is one.
    public var event: Int?
    public var action: Action
}

/// The outcome of a simulation.
public struct SimulationResult: Sendable {
    /// All bans, ordered by start, then jail, then host.
    public var bans: [SimulatedBan]
    public var totals: [JailTotals]
    /// Present when the simulation was asked to trace one host.
    public var trace: [TraceStep]?
}

/// fail2ban's jail algorithm as a pure function of (events, parameters): see
/// ../shared/oracle/README.md §5 for the rules and fail2ban's code they come from.
///
/// Everything fail2ban keeps — fail tickets, bans, the bantime.increment database, recidive's
/// view of fail2ban.log — is keyed by IP, so each IP's timeline is replayed on its own, across
/// all jails at once, in time order; IPs are spread over the cores.
public enum JailSimulator {
    /// Replays `input`; builds the plan for it first.
    public static func simulate(
        _ input: SimulationInput, options: SimulationOptions = SimulationOptions(), traceHost: UInt32? = nil
    ) -> SimulationResult {
        simulate(input, plan: SimulationPlan(input.events), options: options, traceHost: traceHost)
    }

    /// Replays `input` with a plan built from `input.events` (the same store, unchanged since):
    /// replaying one store under many jail settings builds the plan once.
    public static func simulate(
        _ input: SimulationInput, plan: SimulationPlan, options: SimulationOptions = SimulationOptions(),
        traceHost: UInt32? = nil
    ) -> SimulationResult {
        precondition(plan.storeCount == input.events.count, "the plan was built from another event store")
        let groups = plan
        let hostsToReplay: [Int]
        if let traceHost {
            hostsToReplay = groups.position(of: traceHost).map { [$0] } ?? []
        } else {
            hostsToReplay = Array(0..<groups.hostCount)
        }

        let workers = traceHost == nil ? max(1, options.workers ?? min(8, System.activeProcessorCount)) : 1
        var partials = [IPReplay.Output](repeating: IPReplay.Output(jailCount: input.jails.count), count: workers)
        partials.withUnsafeMutableBufferPointer { slots in
            nonisolated(unsafe) let base = slots.baseAddress!
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var replay = IPReplay(input: input, options: options, tracing: traceHost != nil)
                var index = worker
                while index < hostsToReplay.count {
                    replay.run(group: groups.group(hostsToReplay[index]), host: groups.host(hostsToReplay[index]))
                    index += workers
                }
                (base + worker).pointee = replay.output
            }
        }
        // Merge: bans sorted by (start, jail, host); recidive triggers re-pointed.
        var bans: [SimulatedBan] = []
        var totals = [JailTotals](repeating: JailTotals(), count: input.jails.count)
        var offsets: [Int] = []
        for partial in partials {
            offsets.append(bans.count)
            bans += partial.bans
            for jail in totals.indices { totals[jail].add(partial.totals[jail]) }
        }
        for (worker, partial) in partials.enumerated() where offsets[worker] > 0 {
            for index in 0..<partial.bans.count {
                if let trigger = bans[offsets[worker] + index].triggerBan {
                    bans[offsets[worker] + index].triggerBan = trigger + offsets[worker]
                }
            }
        }
        let order = bans.indices.sorted {
            (bans[$0].start, bans[$0].jail, input.events.hosts[Int(bans[$0].host)].address ?? IPAddress(ipv4: 0))
                < (bans[$1].start, bans[$1].jail, input.events.hosts[Int(bans[$1].host)].address ?? IPAddress(ipv4: 0))
        }
        var newIndex = [Int](repeating: 0, count: bans.count)
        for (position, old) in order.enumerated() { newIndex[old] = position }
        var sorted = order.map { bans[$0] }
        for index in sorted.indices {
            if let trigger = sorted[index].triggerBan { sorted[index].triggerBan = newIndex[trigger] }
        }
        var trace = traceHost == nil ? nil : partials.flatMap { $0.trace }
        if trace != nil {
            for index in trace!.indices {
                switch trace![index].action {
                case .banned(let ban): trace![index].action = .banned(ban: newIndex[ban])
                case .alreadyBanned(let ban, let prolonged):
                    trace![index].action = .alreadyBanned(ban: newIndex[ban], prolonged: prolonged)
                case .unbanned(let ban): trace![index].action = .unbanned(ban: newIndex[ban])
                default: break
                }
            }
        }
        return SimulationResult(bans: sorted, totals: totals, trace: trace)
    }
}

/// The failure events of each host, in replay order: by time, then stream, then line (the
/// order of the event store, which holds streams one after another). It depends on the events
/// only, not on the jails: build it once to replay one store under many jail settings.
public struct SimulationPlan: Sendable {
    /// Event indices grouped by host position; `starts[p]..<starts[p+1]` is host p's range.
    private var order: [UInt32] = []
    private var starts: [Int] = []
    private var hostIDs: [UInt32] = []
    private var positionOfHost: [UInt32: Int] = [:]

    /// The number of events (of any kind) in the store the plan was built from.
    public let storeCount: Int

    /// Hosts with at least one failure.
    public var hostCount: Int { hostIDs.count }

    public init(_ events: EventStore) {
        storeCount = events.count
        // Count the failures of each host (counting sort keeps store order within a host).
        var counts = [Int](repeating: 0, count: events.hosts.count)
        for index in events.indices where events.kinds[index] == .failure {
            counts[Int(events.hostIDs[index])] += 1
        }
        var firstOfHost = [Int](repeating: 0, count: events.hosts.count)
        var total = 0
        for host in counts.indices where counts[host] > 0 {
            positionOfHost[UInt32(host)] = hostIDs.count
            hostIDs.append(UInt32(host))
            starts.append(total)
            firstOfHost[host] = total
            total += counts[host]
        }
        starts.append(total)
        order = [UInt32](repeating: 0, count: total)
        for index in events.indices where events.kinds[index] == .failure {
            let host = Int(events.hostIDs[index])
            order[firstOfHost[host]] = UInt32(index)
            firstOfHost[host] += 1
        }
        // Within a host: by time; ties keep store order (stream, then line).
        let times = events.times
        for position in 0..<hostIDs.count {
            let range = starts[position]..<starts[position + 1]
            var sorted = true
            var previous = Int64.min
            for slot in range {
                let time = times[Int(order[slot])]
                if time < previous {
                    sorted = false
                    break
                }
                previous = time
            }
            if !sorted {
                order[range].sort { (times[Int($0)], $0) < (times[Int($1)], $1) }
            }
        }
    }

    /// The bytes the plan's arrays hold (the dictionary counted at 16 bytes an entry).
    public var byteCount: Int {
        order.capacity * 4 + starts.capacity * 8 + hostIDs.capacity * 4 + positionOfHost.capacity * 16
    }

    func position(of host: UInt32) -> Int? { positionOfHost[host] }
    func host(_ position: Int) -> UInt32 { hostIDs[position] }
    func group(_ position: Int) -> ArraySlice<UInt32> { order[starts[position]..<starts[position + 1]] }
}

/// System facts the simulator needs (the core has no other access to the machine).
enum System {
    static var activeProcessorCount: Int {
        #if canImport(Glibc)
            return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
            return 1
        #endif
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
