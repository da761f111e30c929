/// The settings of one jail that the replay reads on every failure, as plain scalars (copying a
/// `JailParameters` per failure would retain and release its strings and arrays).
struct JailRule {
    var maxRetry: Double
    var findTime: Double
    /// Seconds; -1 for ever.
    var banTime: Int64
    var isRecidive: Bool
    var hasIgnoreList: Bool
    var hasIncrement: Bool

    init(_ parameters: JailParameters) {
        maxRetry = Double(parameters.maxRetry)
        findTime = parameters.findTime
        banTime = parameters.banTime
        isRecidive = parameters.isRecidive
        hasIgnoreList = !parameters.ignore.networks.isEmpty || !parameters.ignore.hostnames.isEmpty
        hasIncrement = parameters.increment != nil
    }
}

/// The counts of `JailTotals` that are plain integers, kept apart from its array so the replay
/// updates them without uniqueness checks on an array inside an array.
struct JailCounters {
    var counted = 0
    var prevented = 0
    var ignored = 0
    var unresolved = 0
    var bans = 0
    var alreadyBanned = 0
    var prolonged = 0
    var boosts = 0
    var duringBan = 0
    var attackers = 0
    var neverBanned = 0
}

/// What the replay needs of the input, read once for all workers: the jails' rules and the
/// wiring between jails (which recidive jails count whose bans).
struct ReplaySetup {
    let rules: [JailRule]
    let increments: [BanTimeIncrement?]
    let ignoreLists: [IgnoreList]
    /// Recidive jails (their bans block every jail's failures).
    let recidiveJails: [Int]
    /// For each jail, the recidive jails without a log of their own that count its bans.
    let banReaders: [[Int]]
    /// Each stream's jail.
    let streamJails: [Int]
    let start: Int64
    let end: Int64
    let options: SimulationOptions

    init(_ input: SimulationInput, options: SimulationOptions) {
        let jails = input.jails
        rules = jails.map(JailRule.init)
        increments = jails.map(\.increment)
        ignoreLists = jails.map(\.ignore)
        recidiveJails = jails.indices.filter { jails[$0].isRecidive }
        let fedRecidiveJails = recidiveJails.filter { !input.streamJails.contains($0) }
        banReaders = jails.map { jail in fedRecidiveJails.filter { jails[$0].countsBans(of: jail.name) } }
        streamJails = input.streamJails
        start = input.start
        end = input.end
        self.options = options
    }
}

/// The columns of the event store the replay reads, as raw buffers: one worker reads them
/// millions of times, so no bounds checks and no reference counting per read. Valid only while
/// the store is alive and unchanged (inside `withColumns`). Sendable because it is read only,
/// and the workers that share it end before `withColumns` returns.
struct ReplayColumns: @unchecked Sendable {
    let times: UnsafeBufferPointer<Int64>
    let files: UnsafeBufferPointer<UInt32>
    let order: UnsafeBufferPointer<UInt32>
}

/// The replay of one IP's failures through every jail: fail2ban's fail ticket (rate-estimating
/// counter), ban list, bantime.increment database and recidive, for that IP only. Reused for
/// many IPs by one worker: `run` resets the per-IP state.
struct IPReplay {
    struct Output {
        var bans: [SimulatedBan] = []
        var counters: [JailCounters]
        /// Per jail: for each banned IP, seconds from its first counted failure to its first ban.
        var secondsToFirstBan: [[Int64]]
        var trace: [TraceStep] = []

        init(jailCount: Int) {
            counters = [JailCounters](repeating: JailCounters(), count: jailCount)
            secondsToFirstBan = [[Int64]](repeating: [], count: jailCount)
        }
    }

    /// Everything the replay keeps for this IP in one jail. Flags stand beside values (rather
    /// than optionals of structs) so a reset is one store of a constant.
    struct JailState {
        // fail2ban's FailTicket.
        var hasTicket = false
        var retry = 0.0
        var first = 0.0
        var last = 0.0
        var failures = 0
        /// The failure's event; -1 for a recidive failure fed by a simulated ban.
        var ticketEvent = -1
        /// For a recidive failure fed by a simulated ban: that ban's index in `bans`.
        var ticketTriggerBan = -1
        /// Index in `bans` of the running ban, -1 when none; and its end (infinity when
        /// permanent), kept here so unbanning does not read the ban.
        var activeBan = -1
        var activeEnd = 0.0
        // The bantime.increment database row (`bips`) of this IP in this jail: its latest ban.
        var hasRow = false
        var rowTimeOfBan: Int64 = 0
        var rowBanTime = 0.0
        var rowBanCount = 0
        /// This IP's first counted failure, and whether it was banned yet.
        var hasCounted = false
        var firstCounted: Int64 = 0
        var everBanned = false
        /// Whether the jail's ignoreip covers this IP.
        var ignored = false
    }

    /// Memory a worker reuses for every IP. A class so that the hot loop works on raw pointers
    /// (no bounds or uniqueness checks per access) and `deinit` frees them.
    final class Scratch {
        /// Per jail: the IP's state, and the worker's counters.
        let states: UnsafeMutablePointer<JailState>
        let counters: UnsafeMutablePointer<JailCounters>
        let jailCount: Int
        /// The times (and jails) of the current IP's failures, gathered before the replay: the
        /// gather loop has no dependencies between iterations, so the processor overlaps its
        /// cache misses instead of stalling on each in the middle of the jail logic.
        private(set) var times: UnsafeMutablePointer<Int64>
        private(set) var jails: UnsafeMutablePointer<Int>
        private(set) var capacity = 1024

        init(jailCount: Int) {
            self.jailCount = jailCount
            states = .allocate(capacity: jailCount)
            states.initialize(repeating: JailState(), count: jailCount)
            counters = .allocate(capacity: jailCount)
            counters.initialize(repeating: JailCounters(), count: jailCount)
            times = .allocate(capacity: capacity)
            jails = .allocate(capacity: capacity)
        }

        /// Room for `count` gathered failures.
        func reserve(_ count: Int) {
            guard count > capacity else { return }
            times.deallocate()
            jails.deallocate()
            capacity = max(count, capacity * 2)
            times = .allocate(capacity: capacity)
            jails = .allocate(capacity: capacity)
        }

        deinit {
            states.deallocate()
            counters.deallocate()
            times.deallocate()
            jails.deallocate()
        }
    }

    let setup: ReplaySetup
    let tracing: Bool
    private var bans: [SimulatedBan] = []
    private var secondsToFirstBan: [[Int64]]
    private var trace: [TraceStep] = []
    private let scratch: Scratch
    private let states: UnsafeMutablePointer<JailState>
    private let counters: UnsafeMutablePointer<JailCounters>
    private var host: UInt32 = 0
    private var address = IPAddress(ipv4: 0)
    /// How many bans this IP got so far (seeds bantime.rndtime).
    private var banOrdinal: UInt64 = 0
    /// The earliest end of the IP's running bans (infinity when none): unbanning has nothing
    /// to do before then.
    private var nextUnban = Double.infinity

    init(setup: ReplaySetup, tracing: Bool) {
        self.setup = setup
        self.tracing = tracing
        scratch = Scratch(jailCount: setup.rules.count)
        states = scratch.states
        counters = scratch.counters
        secondsToFirstBan = [[Int64]](repeating: [], count: setup.rules.count)
    }

    /// What the worker produced over all the IPs it replayed.
    var output: Output {
        var result = Output(jailCount: scratch.jailCount)
        result.bans = bans
        result.counters = Array(UnsafeBufferPointer(start: counters, count: scratch.jailCount))
        result.secondsToFirstBan = secondsToFirstBan
        result.trace = trace
        return result
    }

    /// Replays `host`'s failures: `columns.order[range]`, in time order.
    mutating func run(host: UInt32, hostValue: EventHost, range: Range<Int>, columns: ReplayColumns) {
        let singleJail = setup.streamJails.count == 1 ? setup.streamJails[0] : nil
        guard case .address(let address) = hostValue else {
            for slot in range {
                let jail = singleJail ?? setup.streamJails[Int(columns.files[Int(columns.order[slot])])]
                counters[jail].unresolved += 1
            }
            return
        }
        let jailCount = scratch.jailCount
        for jail in 0..<jailCount {
            states[jail] = JailState()
            if setup.rules[jail].hasIgnoreList { states[jail].ignored = setup.ignoreLists[jail].contains(address) }
        }
        banOrdinal = 0
        nextUnban = .infinity
        self.host = host
        self.address = address

        scratch.reserve(range.count)
        let times = scratch.times
        let jails = scratch.jails
        for offset in 0..<range.count { times[offset] = columns.times[Int(columns.order[range.lowerBound + offset])] }
        if singleJail == nil {
            for offset in 0..<range.count {
                jails[offset] = setup.streamJails[Int(columns.files[Int(columns.order[range.lowerBound + offset])])]
            }
        }
        let end = setup.end
        for offset in 0..<range.count {
            let time = times[offset]
            if time > end { break }
            if Double(time) > nextUnban { advance(to: time) }
            let event = Int(columns.order[range.lowerBound + offset])
            failure(jail: singleJail ?? jails[offset], time: time, event: event, triggerBan: -1)
        }
        advance(to: end)
        for jail in 0..<jailCount where states[jail].hasCounted {
            counters[jail].attackers += 1
            if !states[jail].everBanned { counters[jail].neverBanned += 1 }
        }
    }

    // MARK: - Time

    /// Unbans every ban that ended before `time` (fail2ban unbans when now > end of ban).
    private mutating func advance(to time: Int64) {
        let now = Double(time)
        nextUnban = .infinity
        for jail in 0..<scratch.jailCount where states[jail].activeBan >= 0 {
            if states[jail].activeEnd < now {
                let index = states[jail].activeBan
                states[jail].activeBan = -1
                note(states[jail].activeEnd, jail, -1, .unbanned(ban: index))
            } else {
                nextUnban = min(nextUnban, states[jail].activeEnd)
            }
        }
    }

    /// Whether the jail has a database row as of `time`, after the hourly purges up to then
    /// (rows are deleted at the first purge when timeofban < purge − dbpurgeage and
    /// timeofban + 3·bantime < purge − dbpurgeage; permanent bans are kept).
    private mutating func hasLiveRow(_ jail: Int, at time: Int64) -> Bool {
        guard states[jail].hasRow else { return false }
        let hours = (time - setup.start) / 3600
        guard hours >= 1 else { return true }
        let cutoff = setup.start + hours * 3600 - setup.options.dbPurgeAge
        let row = states[jail]
        if row.rowTimeOfBan < cutoff && row.rowBanTime != -1
            && Double(row.rowTimeOfBan) + row.rowBanTime * 3 < Double(cutoff)
        {
            states[jail].hasRow = false
            note(Double(time), jail, -1, .historyPurged)
            return false
        }
        return true
    }

    // MARK: - Failures

    /// The jail whose running ban blocks this IP for `jail` (its own, else any recidive jail),
    /// -1 when none.
    @inline(__always)
    private func blockingJail(for jail: Int) -> Int {
        if states[jail].activeBan >= 0 { return jail }
        for recidive in setup.recidiveJails where states[recidive].activeBan >= 0 { return recidive }
        return -1
    }

    /// One failure for `jail`; `event` is -1 (and `triggerBan` a ban index) for a recidive
    /// failure fed by a simulated ban.
    private mutating func failure(jail: Int, time: Int64, event: Int, triggerBan: Int) {
        let rule = setup.rules[jail]
        let now = Double(time)
        if states[jail].ignored {
            counters[jail].ignored += 1
            note(now, jail, event, .ignored)
            return
        }
        if !rule.isRecidive {
            let blocker = blockingJail(for: jail)
            if blocker >= 0 {
                counters[jail].duringBan += 1
                if setup.options.whileBanned == .prevented {
                    counters[jail].prevented += 1
                    note(now, jail, event, .prevented(bannedBy: blocker))
                    return
                }
            }
        }
        counters[jail].counted += 1
        if !states[jail].hasCounted {
            states[jail].hasCounted = true
            states[jail].firstCounted = time
        }
        // A ticket whose last failure is findtime or more ago is gone (fail2ban's cleanup).
        if states[jail].hasTicket && states[jail].last <= now - rule.findTime {
            states[jail].hasTicket = false
            note(now, jail, event, .staleTicketDropped(lastFailure: states[jail].last))
        }
        if states[jail].hasTicket {
            if now > states[jail].last {
                if states[jail].first < now - rule.findTime {
                    // The rate estimate: r failures over (now − first) scaled to findtime,
                    // in this order of operations, rounded half to even like Python's round.
                    let before = states[jail].retry
                    let span = now - states[jail].first
                    states[jail].retry = (before / span * rule.findTime).rounded(.toNearestOrEven)
                    note(now, jail, event, .rescaled(from: before, to: states[jail].retry, span: span))
                    states[jail].first = now - rule.findTime
                }
                states[jail].last = now
            }
            states[jail].retry += 1
            states[jail].failures += 1
        } else {
            states[jail].hasTicket = true
            states[jail].retry = 1
            states[jail].first = now
            states[jail].last = now
            states[jail].failures = 1
        }
        states[jail].ticketEvent = event
        states[jail].ticketTriggerBan = triggerBan
        note(now, jail, event, .counted(retry: states[jail].retry, windowStart: states[jail].first))
        if states[jail].retry >= rule.maxRetry {
            states[jail].hasTicket = false
            ban(jail: jail, time: time)
        }
        // bantime.increment: a known bad IP's failure counts more (ObserverThread.failureFound).
        if rule.hasIncrement && hasLiveRow(jail, at: time) {
            let boost = min(Double(1 << min(states[jail].rowBanCount, 20)) / 2 + 1, rule.maxRetry)
            if time > states[jail].rowTimeOfBan && boost > 1 && states[jail].hasTicket {
                states[jail].retry += boost - 1
                states[jail].failures += 1
                counters[jail].boosts += 1
                note(now, jail, event, .boosted(added: boost - 1, retry: states[jail].retry))
                if states[jail].retry >= rule.maxRetry {
                    states[jail].hasTicket = false
                    ban(jail: jail, time: time)
                }
            }
        }
    }

    // MARK: - Bans

    /// Bans with the jail's ticket (just taken: `hasTicket` is already false).
    private mutating func ban(jail: Int, time: Int64) {
        let rule = setup.rules[jail]
        let ticket = states[jail]
        let start = Int64(ticket.last)
        let jailBanTime = rule.banTime
        let end = jailBanTime == -1 ? Double.infinity : Double(start) + Double(jailBanTime)
        if end < Double(time) { return }  // "expired" (bantime below -1)
        let running = states[jail].activeBan
        if running >= 0 {
            // Already banned: the new end may prolong the running ban (BanManager.addBanTicket).
            counters[jail].alreadyBanned += 1
            let prolong = end > states[jail].activeEnd
            if prolong {
                let runningStart = bans[running].start
                var banTime = Double(jailBanTime)
                if jailBanTime != -1 && start > runningStart { banTime += Double(start - runningStart) }
                bans[running].banTime = banTime
                bans[running].prolongations += 1
                states[jail].activeEnd = banTime < 0 ? .infinity : Double(runningStart) + banTime
                nextUnban = min(nextUnban, states[jail].activeEnd)
                counters[jail].prolonged += 1
            }
            note(Double(time), jail, ticket.ticketEvent, .alreadyBanned(ban: running, prolonged: prolong))
            return
        }
        var ban = SimulatedBan(
            jail: jail, host: host, start: start, banTime: Double(jailBanTime), count: 1, failures: ticket.failures,
            retries: ticket.retry, triggerEvent: ticket.ticketEvent < 0 ? nil : ticket.ticketEvent,
            triggerBan: ticket.ticketTriggerBan < 0 ? nil : ticket.ticketTriggerBan, prolongations: 0)
        // ObserverThread.banFound: increase by the IP's history, then record this ban.
        if jailBanTime != -1, jailBanTime > 0, let increment = setup.increments[jail] {
            let count = historyCount(jail, increment, at: time)
            if count >= 0 {
                if count >= ban.count { ban.count = count + 1 }
                if count > 0 {
                    ban.banTime = increment.banTime(base: jailBanTime, banCount: count, random: nextRandom(jail: jail))
                }
            }
        }
        if jailBanTime == -1 || Double(start) + ban.banTime >= Double(time) {
            states[jail].hasRow = true
            states[jail].rowTimeOfBan = start
            states[jail].rowBanTime = jailBanTime == -1 ? -1 : ban.banTime
            states[jail].rowBanCount = ban.count
        }
        let index = bans.count
        bans.append(ban)
        states[jail].activeBan = index
        states[jail].activeEnd = ban.banTime < 0 ? .infinity : Double(start) + ban.banTime
        nextUnban = min(nextUnban, states[jail].activeEnd)
        counters[jail].bans += 1
        if !states[jail].everBanned {
            states[jail].everBanned = true
            let first = states[jail].hasCounted ? states[jail].firstCounted : start
            secondsToFirstBan[jail].append(start - first)
        }
        banOrdinal += 1
        note(Double(time), jail, ticket.ticketEvent, .banned(ban: index))
        // fail2ban.log gets "[jail] Ban IP", which recidive jails read at once.
        for recidive in setup.banReaders[jail] {
            failure(jail: recidive, time: time, event: -1, triggerBan: index)
        }
    }

    /// The ban count in the history bantime.increment sees, -1 when there is none: this jail's
    /// row, or with `overalljails` the sum of all jails' ban counts.
    private mutating func historyCount(_ jail: Int, _ increment: BanTimeIncrement, at time: Int64) -> Int {
        if !increment.overallJails {
            return hasLiveRow(jail, at: time) ? states[jail].rowBanCount : -1
        }
        var count = -1
        for other in 0..<scratch.jailCount where hasLiveRow(other, at: time) {
            count = max(count, 0) + states[other].rowBanCount
        }
        return count
    }

    /// A deterministic number in [0, 1) for bantime.rndtime, from the seed, the IP, the jail and
    /// how many bans the IP had: the same inputs give the same ban times on any machine.
    private func nextRandom(jail: Int) -> Double {
        var state = setup.options.seed ^ address.high ^ (address.low &* 0x9E37_79B9_7F4A_7C15)
        state ^= UInt64(jail) &* 0xBF58_476D_1CE4_E5B9 ^ banOrdinal &* 0x94D0_49BB_1331_11EB
        // SplitMix64 finaliser.
        state = (state ^ (state >> 30)) &* 0xBF58_476D_1CE4_E5B9
        state = (state ^ (state >> 27)) &* 0x94D0_49BB_1331_11EB
        state ^= state >> 31
        return Double(state >> 11) / Double(UInt64(1) << 53)
    }

    /// Records a trace step when tracing (`event` -1: none).
    @inline(__always)
    private mutating func note(_ time: Double, _ jail: Int, _ event: Int, _ action: TraceStep.Action) {
        if tracing {
            trace.append(TraceStep(time: time, jail: jail, event: event < 0 ? nil : event, action: action))
        }
    }
}
