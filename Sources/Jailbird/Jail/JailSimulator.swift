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
    /// For each banned IP: seconds from its first counted failure to its first ban, ascending
    /// (so the result does not depend on how many workers replayed the IPs).
    public var secondsToFirstBan: [Int64] = []

    public init() {}
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
    ///
    /// - Complexity: O(failures + bans · log bans) work, spread over `options.workers` threads.
    public static func simulate(
        _ input: SimulationInput, plan: SimulationPlan, options: SimulationOptions = SimulationOptions(),
        traceHost: UInt32? = nil
    ) -> SimulationResult {
        precondition(plan.storeCount == input.events.count, "the plan was built from another event store")
        let hostsToReplay: [Int]
        if let traceHost {
            hostsToReplay = plan.position(of: traceHost).map { [$0] } ?? []
        } else {
            hostsToReplay = Array(0..<plan.hostCount)
        }
        let workers = traceHost == nil ? max(1, options.workers ?? min(8, System.usableProcessorCount)) : 1
        let setup = ReplaySetup(input, options: options)
        let jailCount = input.jails.count

        var partials = [IPReplay.Output](repeating: IPReplay.Output(jailCount: jailCount), count: workers)
        plan.withColumns(of: input.events) { columns in
            partials.withUnsafeMutableBufferPointer { slots in
                nonisolated(unsafe) let base = slots.baseAddress!
                let hosts = input.events.hosts
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    var replay = IPReplay(setup: setup, tracing: traceHost != nil)
                    var index = worker
                    while index < hostsToReplay.count {
                        let position = hostsToReplay[index]
                        let host = plan.host(position)
                        replay.run(
                            host: host, hostValue: hosts[Int(host)], range: plan.range(position), columns: columns)
                        index += workers
                    }
                    (base + worker).pointee = replay.output
                }
            }
        }
        return merge(partials, jailCount: jailCount, hosts: input.events.hosts, tracing: traceHost != nil)
    }

    /// Joins the workers' outputs: bans sorted by (start, jail, address), ban indices (recidive
    /// triggers, trace steps) re-pointed, totals summed.
    private static func merge(
        _ partials: [IPReplay.Output], jailCount: Int, hosts: [EventHost], tracing: Bool
    ) -> SimulationResult {
        var totals = [JailTotals](repeating: JailTotals(), count: jailCount)
        for partial in partials {
            for jail in 0..<jailCount {
                totals[jail].add(partial.counters[jail], secondsToFirstBan: partial.secondsToFirstBan[jail])
            }
        }
        for jail in 0..<jailCount { totals[jail].secondsToFirstBan.sort() }
        // The sort key of every ban, computed once (the comparator then only compares integers).
        struct Key: Comparable {
            var start: Int64
            var jail: Int
            var high: UInt64
            var low: UInt64
            /// Position in the concatenation of the workers' bans.
            var index: Int

            static func < (lhs: Key, rhs: Key) -> Bool {
                (lhs.start, lhs.jail, lhs.high, lhs.low, lhs.index) < (rhs.start, rhs.jail, rhs.high, rhs.low, rhs.index)
            }
        }
        var keys: [Key] = []
        keys.reserveCapacity(partials.reduce(0) { $0 + $1.bans.count })
        var offsets: [Int] = []
        for partial in partials {
            offsets.append(keys.count)
            for ban in partial.bans {
                let address = hosts[Int(ban.host)].address ?? IPAddress(ipv4: 0)
                keys.append(Key(start: ban.start, jail: ban.jail, high: address.high, low: address.low, index: keys.count))
            }
        }
        keys.sort()
        var newIndex = [Int](repeating: 0, count: keys.count)
        for (position, key) in keys.enumerated() { newIndex[key.index] = position }
        // Worker w's ban i is at offsets[w] + i in the concatenation.
        var bans = [SimulatedBan]()
        bans.reserveCapacity(keys.count)
        for key in keys {
            var worker = partials.count - 1
            while offsets[worker] > key.index { worker -= 1 }
            var ban = partials[worker].bans[key.index - offsets[worker]]
            if let trigger = ban.triggerBan { ban.triggerBan = newIndex[offsets[worker] + trigger] }
            bans.append(ban)
        }
        var trace: [TraceStep]?
        if tracing {
            // One worker when tracing: its ban indices are positions in the concatenation.
            trace = partials.flatMap { $0.trace }
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
        return SimulationResult(bans: bans, totals: totals, trace: trace)
    }
}

extension JailTotals {
    mutating func add(_ counters: JailCounters, secondsToFirstBan seconds: [Int64]) {
        counted += counters.counted
        prevented += counters.prevented
        ignored += counters.ignored
        unresolved += counters.unresolved
        bans += counters.bans
        alreadyBanned += counters.alreadyBanned
        prolonged += counters.prolonged
        boosts += counters.boosts
        duringBan += counters.duringBan
        attackers += counters.attackers
        neverBanned += counters.neverBanned
        secondsToFirstBan += seconds
    }
}

/// The failure events of each host, in replay order: by time, then stream, then line (the
/// order of the event store, which holds streams one after another). It depends on the events
/// only, not on the jails: build it once to replay one store under many jail settings.
///
/// Memory: 4 bytes per failure, plus 8 bytes per host with failures.
public struct SimulationPlan: Sendable {
    /// Failure event indices grouped by host position; `starts[p]..<starts[p+1]` is host p's range.
    private var order: [UInt32] = []
    private var starts: [UInt32] = []
    /// The host id at each position, ascending.
    private var hostIDs: [UInt32] = []

    /// The number of events (of any kind) in the store the plan was built from.
    public let storeCount: Int

    /// Hosts with at least one failure.
    public var hostCount: Int { hostIDs.count }

    /// The bytes the plan's arrays hold.
    public var byteCount: Int { (order.capacity + starts.capacity + hostIDs.capacity) * 4 }

    /// Groups the failures of `events` by host.
    /// - Complexity: O(events + hosts), plus a sort of the failures of each host whose failures
    ///   are not in time order in the store (several streams).
    public init(_ events: EventStore) {
        storeCount = events.count
        precondition(events.count <= Int(UInt32.max), "more events than the plan's 32-bit indices hold")
        // A counting sort, which keeps store order within a host. Per host, side by side (one
        // cache line per host in the scatter): `next` first counts its failures, then is the
        // slot its next failure goes to; `latest` is the time of its latest failure so far, or
        // Int64.max once one came out of time order.
        struct Cursor {
            var latest = Int64.min
            var next: UInt32 = 0
        }
        var cursors = [Cursor](repeating: Cursor(), count: events.hosts.count)
        var total: UInt32 = 0
        cursors.withUnsafeMutableBufferPointer { cursors in
            events.kinds.withUnsafeBufferPointer { kinds in
                events.hostIDs.withUnsafeBufferPointer { hostOf in
                    for index in kinds.indices where kinds[index] == .failure { cursors[Int(hostOf[index])].next += 1 }
                }
            }
            for host in cursors.indices where cursors[host].next > 0 {
                hostIDs.append(UInt32(host))
                starts.append(total)
                let count = cursors[host].next
                cursors[host].next = total
                total += count
            }
            starts.append(total)
            order = [UInt32](repeating: 0, count: Int(total))
            order.withUnsafeMutableBufferPointer { order in
                events.kinds.withUnsafeBufferPointer { kinds in
                    events.hostIDs.withUnsafeBufferPointer { hostOf in
                        events.times.withUnsafeBufferPointer { times in
                            for index in kinds.indices where kinds[index] == .failure {
                                let host = Int(hostOf[index])
                                order[Int(cursors[host].next)] = UInt32(index)
                                cursors[host].next += 1
                                let time = times[index]
                                cursors[host].latest = time < cursors[host].latest ? .max : time
                            }
                        }
                    }
                }
            }
        }
        // Within a host: by time; ties keep store order (stream, then line).
        let times = events.times
        for position in hostIDs.indices where cursors[Int(hostIDs[position])].latest == .max {
            order[range(position)].sort { (times[Int($0)], $0) < (times[Int($1)], $1) }
        }
    }

    /// The position of a host id, nil when the host has no failures.
    func position(of host: UInt32) -> Int? {
        var low = 0
        var high = hostIDs.count
        while low < high {
            let middle = (low + high) / 2
            if hostIDs[middle] < host { low = middle + 1 } else { high = middle }
        }
        return low < hostIDs.count && hostIDs[low] == host ? low : nil
    }

    func host(_ position: Int) -> UInt32 { hostIDs[position] }

    /// The slots of `order` that hold the failures of the host at `position`.
    func range(_ position: Int) -> Range<Int> { Int(starts[position])..<Int(starts[position + 1]) }

    /// Runs `body` with raw views of the columns the replay reads.
    func withColumns<R>(of events: EventStore, _ body: (ReplayColumns) -> R) -> R {
        order.withUnsafeBufferPointer { order in
            events.times.withUnsafeBufferPointer { times in
                events.files.withUnsafeBufferPointer { files in
                    body(ReplayColumns(times: times, files: files, order: order))
                }
            }
        }
    }
}
